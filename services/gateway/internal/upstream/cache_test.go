package upstream

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Concurrent anonymous reads share one call; a write clears the cache so
// the writer sees the change at once; reads with a token are never shared.
func TestReadsAreSharedAndWritesClearThem(t *testing.T) {
	var gets, posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			posts.Add(1)
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{}`))
			return
		}
		gets.Add(1)
		time.Sleep(50 * time.Millisecond)
		_, _ = w.Write([]byte(`{"plans":[{"id":"p"}]}`))
	}))
	defer srv.Close()
	c := New(URLs{Commitments: srv.URL, Notifications: srv.URL}, time.Minute)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ps, err := c.Plans(ctx)
			if err != nil || len(ps) != 1 || ps[0].ID != "p" {
				t.Errorf("plans: %v %v", ps, err)
			}
		}()
	}
	wg.Wait()
	if n := gets.Load(); n != 1 {
		t.Errorf("20 concurrent reads made %d calls, want 1", n)
	}
	if err := c.Subscribe(ctx, "", "p", "C1", "a@example.org", "en"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Plans(ctx); err != nil {
		t.Fatal(err)
	}
	if n := gets.Load(); n != 2 {
		t.Errorf("a read after a write made %d calls in all, want 2", n)
	}
	if err := c.do(ctx, Call{Base: srv.URL, Path: "/api/v1/plans", Token: "kept_x_y"}, nil); err != nil {
		t.Fatal(err)
	}
	if n := gets.Load(); n != 3 {
		t.Errorf("a read with a token was served from the cache")
	}
}

func TestErrorsKeepTheServicesMessageAndFields(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnprocessableEntity)
		_, _ = w.Write([]byte(`{"error":{"code":"invalid_update","message":"invalid","details":[{"field":"delay_reason","message":"required"}]}}`))
	}))
	defer srv.Close()
	c := New(URLs{Updates: srv.URL}, 0)
	_, err := c.PostUpdate(context.Background(), "tok", Draft{Plan: "p"})
	e, ok := err.(*Error)
	if !ok || e.Status != 422 || e.Code != "invalid_update" || len(e.Fields) != 1 || e.Fields[0].Field != "delay_reason" {
		t.Fatalf("error = %#v", err)
	}
}

// A stale answer (older than the TTL, younger than twice it) is served at
// once while one refresh runs.
func TestStaleAnswersAreServedWhileOneRefreshRuns(t *testing.T) {
	var gets atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := gets.Add(1)
		if n > 1 {
			time.Sleep(300 * time.Millisecond)
		}
		_, _ = w.Write([]byte(`{"plans":[]}`))
	}))
	defer srv.Close()
	c := New(URLs{Commitments: srv.URL}, 200*time.Millisecond)
	if _, err := c.Plans(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(250 * time.Millisecond)
	start := time.Now()
	for i := 0; i < 10; i++ {
		if _, err := c.Plans(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("stale reads waited %s for the refresh", d)
	}
	time.Sleep(400 * time.Millisecond)
	if n := gets.Load(); n != 2 {
		t.Errorf("%d calls, want the first and one refresh", n)
	}
}
