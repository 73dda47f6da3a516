package keylock

import (
	"sync"
	"testing"
)

// Concurrent read-modify-write cycles on one key never interleave, and the
// set forgets keys nobody holds.
func TestLockSerialisesOneKey(t *testing.T) {
	var l Locks
	a, b := 0, 0
	counter := map[string]*int{"a": &a, "b": &b} // read-only map; the ints are the shared state
	var wg sync.WaitGroup
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			key := []string{"a", "b"}[i%2]
			unlock := l.Lock(key)
			v := *counter[key]
			*counter[key] = v + 1
			unlock()
		}(i)
	}
	wg.Wait()
	if a != 100 || b != 100 {
		t.Fatalf("lost updates: a=%d b=%d", a, b)
	}
	if len(l.locks) != 0 {
		t.Fatalf("%d keys still held", len(l.locks))
	}
}
