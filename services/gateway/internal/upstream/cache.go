package upstream

import (
	"sync"
	"time"
)

// cache is a short-lived cache of anonymous GET answers with one fetch per
// key in flight: under load many page views share one call to a service.
// An answer older than the TTL is still served while one refresh runs in
// the background (stale-while-revalidate), so a slow service call delays no
// reader once the key is warm; a page is then at most TTL plus one call
// stale. Any write through the client clears it, so a person sees their
// own question or update on the next page.
type cache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]*entry
	gen uint64
}

type entry struct {
	done       chan struct{}
	body       []byte
	err        error
	at         time.Time
	refreshing bool
}

func (c *cache) get(key string, fetch func() ([]byte, error)) ([]byte, error) {
	if c == nil || c.ttl <= 0 {
		return fetch()
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*entry{}
	}
	e, ok := c.m[key]
	if ok {
		select {
		case <-e.done:
			if e.err == nil {
				body := e.body
				if time.Since(e.at) >= c.ttl && !e.refreshing {
					e.refreshing = true
					go c.refresh(key, e, fetch)
				}
				c.mu.Unlock()
				return body, nil
			}
		default:
			c.mu.Unlock()
			<-e.done
			return e.body, e.err
		}
	}
	e = &entry{done: make(chan struct{})}
	c.m[key] = e
	gen := c.gen
	c.mu.Unlock()
	body, err := fetch()
	c.mu.Lock()
	e.body, e.err, e.at = body, err, time.Now()
	if err != nil && c.gen == gen && c.m[key] == e {
		delete(c.m, key) // errors are not kept: the next reader tries again
	}
	c.mu.Unlock()
	close(e.done)
	return body, err
}

// refresh replaces a stale entry's answer unless the cache was cleared.
func (c *cache) refresh(key string, e *entry, fetch func() ([]byte, error)) {
	c.mu.Lock()
	gen := c.gen
	c.mu.Unlock()
	body, err := fetch()
	c.mu.Lock()
	defer c.mu.Unlock()
	e.refreshing = false
	if err == nil && c.gen == gen && c.m[key] == e {
		e.body, e.at = body, time.Now()
	}
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
