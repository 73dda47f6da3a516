package pagecache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kept-ogp/kept/services/gateway/internal/upstream"
)

// plans is a commitments service whose plan list can change.
type plans struct {
	mu    sync.Mutex
	title string
	gets  atomic.Int32
}

func (p *plans) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{}`))
		return
	}
	p.gets.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(w, `{"plans":[{"id":"p","title":{"en":%q}}]}`, p.title)
}

func (p *plans) set(title string) { p.mu.Lock(); p.title = title; p.mu.Unlock() }

type fixture struct {
	svc     *plans
	client  *upstream.Client
	cache   *Cache
	renders atomic.Int32
}

func newFixture(t *testing.T, ttl, maxAge time.Duration) *fixture {
	f := &fixture{svc: &plans{title: "First"}}
	srv := httptest.NewServer(f.svc)
	t.Cleanup(srv.Close)
	f.client = upstream.New(upstream.URLs{Commitments: srv.URL, Notifications: srv.URL}, ttl)
	f.cache = New(f.client, maxAge, 16)
	return f
}

// render is a page listing the plan titles with a form carrying the token.
func (f *fixture) render(ctx context.Context) (Rendered, error) {
	f.renders.Add(1)
	ps, err := f.client.Plans(ctx)
	if err != nil {
		return Rendered{}, err
	}
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("<h2>" + p.Title["en"] + "</h2>")
	}
	b.WriteString(`<input name="csrf" value="` + f.cache.Placeholder() + `">`)
	return Rendered{Body: []byte(b.String()), Lang: "en"}, nil
}

func (f *fixture) view(t *testing.T, token string) string {
	t.Helper()
	p, err := f.cache.Get(context.Background(), "home", f.render)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := p.Write(&buf, token); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != p.Len(len(token)) {
		t.Errorf("Len says %d, wrote %d", p.Len(len(token)), buf.Len())
	}
	return buf.String()
}

// Many visitors share one render, and each sees their own form token.
func TestVisitorsShareARenderWithTheirOwnToken(t *testing.T) {
	f := newFixture(t, time.Minute, time.Minute)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			token := fmt.Sprintf("token-%02d", i)
			got := f.view(t, token)
			if !strings.Contains(got, `value="`+token+`"`) || strings.Contains(got, f.cache.Placeholder()) {
				t.Errorf("visitor %d got %q", i, got)
			}
		}()
	}
	wg.Wait()
	if n := f.renders.Load(); n != 1 {
		t.Errorf("20 views rendered %d times, want 1", n)
	}
}

// A change the service makes shows once the gateway's answer is refreshed;
// a write through the gateway shows on the writer's next view.
func TestPageFollowsTheServiceAnswers(t *testing.T) {
	f := newFixture(t, 50*time.Millisecond, time.Hour)
	if got := f.view(t, "t"); !strings.Contains(got, "First") {
		t.Fatalf("first view: %q", got)
	}
	f.svc.set("Second")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(f.view(t, "t"), "Second") {
		if time.Now().After(deadline) {
			t.Fatal("the page never showed the service's new answer")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// Same answer again: no new render while nothing changed.
	before := f.renders.Load()
	time.Sleep(120 * time.Millisecond) // past the answer's TTL: a refresh with equal bytes
	f.view(t, "t")
	time.Sleep(20 * time.Millisecond)
	f.view(t, "t")
	if n := f.renders.Load() - before; n > 1 {
		t.Errorf("an unchanged answer caused %d renders", n)
	}

	f2 := newFixture(t, time.Hour, time.Hour)
	f2.view(t, "t")
	f2.svc.set("Third")
	if err := f2.client.Subscribe(context.Background(), "", "p", "C1", "a@example.org", "en"); err != nil {
		t.Fatal(err)
	}
	if got := f2.view(t, "t"); !strings.Contains(got, "Third") {
		t.Errorf("after a write through the gateway the page still shows %q", got)
	}
}

// Pages depend on the clock too: an old page is rendered again in the
// background while readers are served the one they have.
func TestOldPagesAreRenderedAgain(t *testing.T) {
	f := newFixture(t, time.Hour, 30*time.Millisecond)
	f.view(t, "t")
	deadline := time.Now().Add(5 * time.Second)
	for f.renders.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("renders = %d after 5 s of views with a 30 ms max age", f.renders.Load())
		}
		f.view(t, "t")
		time.Sleep(20 * time.Millisecond)
	}
}

// A failed render is not kept: the next view tries again.
func TestFailuresAreNotKept(t *testing.T) {
	f := newFixture(t, time.Hour, time.Hour)
	boom := errors.New("boom")
	calls := 0
	render := func(ctx context.Context) (Rendered, error) {
		calls++
		if calls == 1 {
			return Rendered{}, boom
		}
		return f.render(ctx)
	}
	if _, err := f.cache.Get(context.Background(), "k", render); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if _, err := f.cache.Get(context.Background(), "k", render); err != nil {
		t.Fatalf("second view: %v", err)
	}
}

// A page that read something the cache does not hold (the cache is off) is
// rendered on every view.
func TestUncachedReadsAreNotReused(t *testing.T) {
	f := newFixture(t, 0, time.Hour)
	f.view(t, "t")
	f.view(t, "t")
	if n := f.renders.Load(); n != 2 {
		t.Errorf("with the answer cache off, 2 views rendered %d times", n)
	}
}

// After a quiet spell longer than twice the answer TTL, the first view
// already shows what the service says now, not the page from before.
func TestTheFirstViewAfterAQuietSpellIsCurrent(t *testing.T) {
	f := newFixture(t, 40*time.Millisecond, time.Hour)
	if got := f.view(t, "t"); !strings.Contains(got, "First") {
		t.Fatalf("first view: %q", got)
	}
	f.svc.set("Changed while nobody looked")
	time.Sleep(100 * time.Millisecond) // past 2 × TTL, with no view meanwhile
	if got := f.view(t, "t"); !strings.Contains(got, "Changed while nobody looked") {
		t.Errorf("the first view after a quiet spell shows %q", got)
	}
}
