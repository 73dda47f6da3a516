package upstream

import (
	"bytes"
	"context"
	"sync"
	"time"
)

// cache is a short-lived cache of anonymous GET answers with one fetch per
// key in flight: under load many page views share one call to a service.
// An answer older than the TTL is still served while one refresh runs in
// the background (stale-while-revalidate), so a slow service call delays no
// reader once the key is warm. Only up to twice the TTL, though: an answer
// older than that (after a quiet spell nothing refreshed it) is fetched
// again before it is served, so no reader ever sees an answer more than
// twice the TTL old. Any write through the client clears it, so a person sees their
// own question or update on the next page.
//
// Every answer carries a version that changes only when its bytes do, so a
// page rendered from a set of answers can tell cheaply whether it is still
// what a fresh render would give (see Deps and Client.Fresh).
type cache struct {
	ttl  time.Duration
	mu   sync.Mutex
	m    map[string]*entry
	gen  uint64
	next uint64 // last version handed out
}

type entry struct {
	done       chan struct{}
	body       []byte
	err        error
	at         time.Time
	version    uint64
	refreshing bool
	// fetch refetches the answer for background refreshes.
	fetch func() ([]byte, error)
}

func (c *cache) get(key string, fetch func() ([]byte, error)) ([]byte, uint64, error) {
	if c == nil || c.ttl <= 0 {
		b, err := fetch()
		return b, 0, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*entry{}
	}
	e, ok := c.m[key]
	if ok {
		select {
		case <-e.done:
			if e.err == nil && !c.tooOld(e) {
				c.refreshIfStaleLocked(key, e)
				body, v := e.body, e.version
				c.mu.Unlock()
				return body, v, nil
			}
		default:
			c.mu.Unlock()
			<-e.done
			c.mu.Lock()
			body, v := e.body, e.version
			c.mu.Unlock()
			return body, v, e.err
		}
	}
	e = &entry{done: make(chan struct{}), fetch: fetch}
	c.m[key] = e
	gen := c.gen
	c.mu.Unlock()
	body, err := fetch()
	c.mu.Lock()
	c.next++
	e.body, e.err, e.at, e.version = body, err, time.Now(), c.next
	if err != nil && c.gen == gen && c.m[key] == e {
		delete(c.m, key) // errors are not kept: the next reader tries again
	}
	v := e.version
	c.mu.Unlock()
	close(e.done)
	return body, v, err
}

// tooOld reports whether a finished entry is past serving while stale.
func (c *cache) tooOld(e *entry) bool { return time.Since(e.at) >= 2*c.ttl }

// refreshIfStaleLocked starts one background refresh of a stale entry.
func (c *cache) refreshIfStaleLocked(key string, e *entry) {
	if time.Since(e.at) >= c.ttl && !e.refreshing {
		e.refreshing = true
		go c.refresh(key, e)
	}
}

// refresh replaces a stale entry's answer unless the cache was cleared.
func (c *cache) refresh(key string, e *entry) {
	c.mu.Lock()
	gen := c.gen
	c.mu.Unlock()
	body, err := e.fetch()
	c.mu.Lock()
	defer c.mu.Unlock()
	e.refreshing = false
	if err == nil && c.gen == gen && c.m[key] == e {
		if !bytes.Equal(body, e.body) {
			c.next++
			e.body, e.version = body, c.next
		}
		e.at = time.Now()
	}
}

// current is the version of key's answer, if it is cached; a stale answer
// counts (and starts its refresh), as get would serve it.
func (c *cache) current(key string) (uint64, bool) {
	if c == nil || c.ttl <= 0 {
		return 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok {
		return 0, false
	}
	select {
	case <-e.done:
	default:
		return 0, false
	}
	if e.err != nil || c.tooOld(e) {
		return 0, false
	}
	c.refreshIfStaleLocked(key, e)
	return e.version, true
}

func (c *cache) clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.gen++
	c.m = map[string]*entry{}
	c.mu.Unlock()
}

// Dep is one cached answer a render used, at the version it used.
type Dep struct {
	key     string
	version uint64
}

// Deps records the cached answers used under a context (see Track).
type Deps struct {
	mu       sync.Mutex
	list     []Dep
	uncached bool
}

type depsKey struct{}

// Track returns a context under which every anonymous read is recorded in
// the returned Deps.
func Track(ctx context.Context) (context.Context, *Deps) {
	d := &Deps{}
	return context.WithValue(ctx, depsKey{}, d), d
}

func (d *Deps) add(key string, version uint64, cached bool) {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !cached {
		d.uncached = true
		return
	}
	d.list = append(d.list, Dep{key: key, version: version})
}

// List is what was recorded; ok is false when some read bypassed the cache
// (a token was used, or the cache is off), so the result cannot be reused.
func (d *Deps) List() (deps []Dep, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]Dep(nil), d.list...), !d.uncached
}

// Fresh reports whether every answer in deps is still cached at the same
// version, that is whether a render from them now would read the same
// bytes. A write through the client clears the cache, so it makes every
// earlier render stale.
func (c *Client) Fresh(deps []Dep) bool {
	for _, d := range deps {
		if v, ok := c.cache.current(d.key); !ok || v != d.version {
			return false
		}
	}
	return true
}
