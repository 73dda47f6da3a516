package distlock_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kept-ogp/kept/services/devenv/redisserver"
	"github.com/kept-ogp/kept/services/kit/distlock"
)

var rdb *redis.Client

func TestMain(m *testing.M) {
	rs, err := redisserver.Start(context.Background(), true)
	if err != nil {
		fmt.Fprintln(os.Stderr, "distlock tests need Redis:", err)
		os.Exit(1)
	}
	o, err := redis.ParseURL(rs.URL)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	rdb = redis.NewClient(o)
	code := m.Run()
	rdb.Close()
	rs.Stop()
	os.Exit(code)
}

// Two "replicas" (separate Lockers and clients' goroutines) incrementing a
// counter by read-then-write under the lock never lose an increment.
func TestTwoReplicasNeverInterleave(t *testing.T) {
	ctx := context.Background()
	a := &distlock.Locker{Redis: rdb, Prefix: "t1:"}
	b := &distlock.Locker{Redis: rdb, Prefix: "t1:"}
	counter := 0
	var wg sync.WaitGroup
	for _, l := range []*distlock.Locker{a, b} {
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 25; i++ {
					unlock, err := l.Lock(ctx, "q1")
					if err != nil {
						t.Error(err)
						return
					}
					v := counter
					time.Sleep(100 * time.Microsecond)
					counter = v + 1
					unlock()
				}
			}()
		}
	}
	wg.Wait()
	if counter != 200 {
		t.Fatalf("counter %d, want 200: increments were lost", counter)
	}
}

// A holder that crashed blocks the key only until its TTL; a late release by
// a holder whose lock expired does not release the next holder's lock.
func TestExpiryAndForeignRelease(t *testing.T) {
	ctx := context.Background()
	l := &distlock.Locker{Redis: rdb, Prefix: "t2:", TTL: 200 * time.Millisecond, Wait: 100 * time.Millisecond}
	stale, err := l.Lock(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Lock(ctx, "k"); !errors.Is(err, distlock.ErrTimeout) {
		t.Fatalf("second lock while held: %v, want a timeout", err)
	}
	time.Sleep(250 * time.Millisecond) // the first holder's lock expired
	l.Wait = time.Second
	next, err := l.Lock(ctx, "k")
	if err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	stale() // must not free next's lock
	l.Wait = 50 * time.Millisecond
	if _, err := l.Lock(ctx, "k"); !errors.Is(err, distlock.ErrTimeout) {
		t.Fatalf("the stale release freed the current holder's lock: %v", err)
	}
	next()
	if unlock, err := l.Lock(ctx, "k"); err != nil {
		t.Fatalf("after release: %v", err)
	} else {
		unlock()
	}
}
