// Package pagecache keeps rendered public pages while the service answers
// they were rendered from are unchanged, so a busy page costs a lookup and
// a write instead of decoding and rendering hundreds of updates and
// questions per view.
//
// A page is reused only while every upstream answer it read is still the
// one cached (upstream.Client.Fresh): a write through the gateway clears
// those answers, so the writer's next view is rendered anew and shows the
// change. Pages also depend on the clock (days left, overdue), so an entry
// older than MaxAge is re-rendered in the background while it is served.
//
// The per-visitor form token is not in the stored page: pages are rendered
// with a random placeholder, stored split around it, and the visitor's
// token is written into the gaps.
package pagecache

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"sync"
	"time"

	"github.com/kept-ogp/kept/services/gateway/internal/upstream"
)

// Rendered is a rendered page: its body (with Placeholder where the form
// token goes) and its Content-Language.
type Rendered struct {
	Body []byte
	Lang string
}

// RenderFunc renders a page; reads under ctx are tracked as its dependencies.
type RenderFunc func(ctx context.Context) (Rendered, error)

// Page is a stored page ready to write.
type Page struct {
	parts [][]byte
	Lang  string
}

// Len is the page's length with a token of n bytes.
func (p *Page) Len(n int) int {
	total := n * (len(p.parts) - 1)
	for _, b := range p.parts {
		total += len(b)
	}
	return total
}

// Write writes the page with token in place of the placeholder.
func (p *Page) Write(w io.Writer, token string) error {
	for i, b := range p.parts {
		if i > 0 {
			if _, err := io.WriteString(w, token); err != nil {
				return err
			}
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

type entry struct {
	ready      chan struct{}
	page       *Page
	err        error
	deps       []upstream.Dep
	reusable   bool
	at         time.Time
	refreshing bool
}

// refreshTimeout bounds a background re-render.
const refreshTimeout = 30 * time.Second

// Cache holds rendered pages by key.
type Cache struct {
	Client *upstream.Client
	// MaxAge bounds how long a page may go without a new render, for what
	// depends on the clock.
	MaxAge time.Duration
	// MaxEntries bounds memory; past it, an arbitrary entry is dropped.
	MaxEntries int

	placeholder string
	mu          sync.Mutex
	m           map[string]*entry
}

// New returns a cache for pages rendered from client's answers.
func New(client *upstream.Client, maxAge time.Duration, maxEntries int) *Cache {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return &Cache{Client: client, MaxAge: maxAge, MaxEntries: maxEntries, placeholder: "kept-token-" + hex.EncodeToString(b), m: map[string]*entry{}}
}

// Placeholder is what renders put where the visitor's form token goes. It
// is random per process, so no user text can contain it.
func (c *Cache) Placeholder() string { return c.placeholder }

// Get returns the page for key, rendering it when there is none or when the
// answers it was built from changed. Concurrent callers of a missing page
// share one render.
func (c *Cache) Get(ctx context.Context, key string, render RenderFunc) (*Page, error) {
	c.mu.Lock()
	if e, ok := c.m[key]; ok {
		select {
		case <-e.ready:
			if e.err == nil && e.reusable && c.Client.Fresh(e.deps) {
				if time.Since(e.at) >= c.MaxAge && !e.refreshing {
					e.refreshing = true
					go c.refresh(context.WithoutCancel(ctx), key, e, render)
				}
				p := e.page
				c.mu.Unlock()
				return p, nil
			}
		default:
			c.mu.Unlock()
			<-e.ready
			if e.err != nil {
				return nil, e.err
			}
			return e.page, nil
		}
	}
	e := &entry{ready: make(chan struct{})}
	c.store(key, e)
	c.mu.Unlock()
	c.fill(ctx, e, render)
	c.mu.Lock()
	if (e.err != nil || !e.reusable) && c.m[key] == e {
		delete(c.m, key)
	}
	c.mu.Unlock()
	close(e.ready)
	return e.page, e.err
}

func (c *Cache) store(key string, e *entry) {
	if _, ok := c.m[key]; !ok && c.MaxEntries > 0 && len(c.m) >= c.MaxEntries {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[key] = e
}

// fill renders into e (without the lock).
func (c *Cache) fill(ctx context.Context, e *entry, render RenderFunc) {
	tctx, deps := upstream.Track(ctx)
	r, err := render(tctx)
	e.at = time.Now()
	if err != nil {
		e.err = err
		return
	}
	e.deps, e.reusable = deps.List()
	e.page = &Page{parts: bytes.Split(r.Body, []byte(c.placeholder)), Lang: r.Lang}
}

// refresh re-renders a page that is current but old, replacing it when the
// render succeeds; readers keep the old page meanwhile.
func (c *Cache) refresh(ctx context.Context, key string, old *entry, render RenderFunc) {
	ctx, cancel := context.WithTimeout(ctx, refreshTimeout)
	defer cancel()
	e := &entry{ready: make(chan struct{})}
	c.fill(ctx, e, render)
	close(e.ready)
	c.mu.Lock()
	defer c.mu.Unlock()
	old.refreshing = false
	if e.err == nil && e.reusable && c.m[key] == old {
		c.m[key] = e
	}
}
