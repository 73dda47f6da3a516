package stream

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/devenv/redisserver"
)

// redisURL is the test server shared by all tests; each test uses its own keys.
var redisURL string

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(m.Run()) // child of TestCrashRecoveryKill9: Redis comes from the parent
	}
	s, err := redisserver.Start(context.Background(), true)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stream tests need Redis:", err)
		os.Exit(1)
	}
	redisURL = s.URL
	code := m.Run()
	s.Stop()
	os.Exit(code)
}

func newClient(t testing.TB) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// key returns a stream name unique to this test run.
func key(t testing.TB) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "test:" + strings.ReplaceAll(t.Name(), "/", ":") + ":" + hex.EncodeToString(b)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runConsumer starts c.Run and stops it at cleanup; the returned stop
// cancels it and returns Run's error.
func runConsumer(t testing.TB, c *Consumer) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				err = fmt.Errorf("Run did not return within 10s of cancel")
			}
		})
		return err
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	return stop
}

// fastConfig is a consumer config with timings short enough for tests.
func fastConfig(stream, group, consumer string) ConsumerConfig {
	return ConsumerConfig{
		Stream: stream, Group: group, Consumer: consumer,
		Block:               200 * time.Millisecond,
		ClaimMinIdle:        300 * time.Millisecond,
		ClaimInterval:       100 * time.Millisecond,
		MaintenanceInterval: 100 * time.Millisecond,
	}
}

// recorder is a Handler that remembers what it saw.
type recorder struct {
	mu    sync.Mutex
	count map[string]int // by aggregate id
	order []string
	fail  func(env *eventsv1.Envelope) error // nil: always succeed
}

func newRecorder() *recorder { return &recorder{count: map[string]int{}} }

func (r *recorder) handle(_ context.Context, env *eventsv1.Envelope) error {
	if r.fail != nil {
		if err := r.fail(env); err != nil {
			r.mu.Lock()
			r.order = append(r.order, "fail:"+env.GetAggregateId())
			r.mu.Unlock()
			return err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.count[env.GetAggregateId()]++
	r.order = append(r.order, env.GetAggregateId())
	return nil
}

func (r *recorder) handled() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.count)
}

func (r *recorder) snapshot() (map[string]int, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := make(map[string]int, len(r.count))
	for k, v := range r.count {
		m[k] = v
	}
	return m, append([]string(nil), r.order...)
}

// publish appends n events with aggregate ids prefix0..prefix(n-1).
func publish(t testing.TB, p *Publisher, prefix string, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprintf("%s%d", prefix, i)
		if _, err := p.Publish(context.Background(), NewEnvelope(context.Background(), "test", "test.thing.changed", ids[i], int64(i+1))); err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

func pendingCount(t testing.TB, rdb *redis.Client, stream, group string) int64 {
	t.Helper()
	p, err := rdb.XPending(context.Background(), stream, group).Result()
	if err != nil {
		t.Fatal(err)
	}
	return p.Count
}

// logBuffer collects log output from concurrent goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
