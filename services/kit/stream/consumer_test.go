package stream

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
)

func TestConsumeEachOnce(t *testing.T) {
	t.Parallel()
	rdb := newClient(t)
	stream := key(t)
	const n = 200
	ids := publish(t, NewPublisher(rdb, stream, 0), "a", n)

	m, err := NewMetrics(prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	cfg := fastConfig(stream, "g", "c1")
	cfg.Metrics = m
	runConsumer(t, NewConsumer(rdb, cfg, rec.handle))

	waitFor(t, 20*time.Second, "all events handled", func() bool { return rec.handled() == n })
	waitFor(t, 10*time.Second, "nothing pending", func() bool { return pendingCount(t, rdb, stream, "g") == 0 })
	counts, _ := rec.snapshot()
	for _, id := range ids {
		if counts[id] != 1 {
			t.Errorf("%s handled %d times, want 1", id, counts[id])
		}
	}
	if got := testutil.ToFloat64(m.consumed.WithLabelValues(stream, "g", "test.thing.changed", OutcomeOK)); got != n {
		t.Errorf("consumed ok = %v, want %d", got, n)
	}
	waitFor(t, 10*time.Second, "gauges at zero", func() bool {
		return testutil.ToFloat64(m.pending.WithLabelValues(stream, "g")) == 0 &&
			testutil.ToFloat64(m.lag.WithLabelValues(stream, "g")) == 0
	})
	if got := testutil.ToFloat64(m.deadLetterLen.WithLabelValues(stream + ":dead")); got != 0 {
		t.Errorf("dead letter length = %v", got)
	}
}

func TestHandlerErrorRetriedWithoutBusyLoop(t *testing.T) {
	t.Parallel()
	rdb := newClient(t)
	stream := key(t)
	publish(t, NewPublisher(rdb, stream, 0), "a", 1)

	rec := newRecorder()
	attempts := 0
	rec.fail = func(*eventsv1.Envelope) error {
		attempts++ // the consumer calls the handler from one goroutine
		if attempts < 3 {
			return errors.New("database is down")
		}
		return nil
	}
	cfg := fastConfig(stream, "g", "c1")
	start := time.Now()
	runConsumer(t, NewConsumer(rdb, cfg, rec.handle))
	waitFor(t, 15*time.Second, "handled after retries", func() bool { return rec.handled() == 1 })
	waitFor(t, 5*time.Second, "nothing pending", func() bool { return pendingCount(t, rdb, stream, "g") == 0 })
	// Two failures, each retried only after ClaimMinIdle (300ms).
	if took := time.Since(start); took < 2*cfg.ClaimMinIdle {
		t.Errorf("three attempts took %s, want at least %s (retries must wait ClaimMinIdle)", took, 2*cfg.ClaimMinIdle)
	}
	_, order := rec.snapshot()
	if want := []string{"fail:a0", "fail:a0", "a0"}; fmt.Sprint(order) != fmt.Sprint(want) {
		t.Errorf("attempts %v, want %v", order, want)
	}
}

func TestCrashRecoveryInProcess(t *testing.T) {
	t.Parallel()
	rdb := newClient(t)
	stream := key(t)
	const n = 20
	ids := publish(t, NewPublisher(rdb, stream, 0), "a", n)

	// A handles a few entries, then hangs on a5 until it is "killed".
	recA := newRecorder()
	stuck := make(chan struct{})
	cfgA := fastConfig(stream, "g", "A")
	cfgA.ClaimMinIdle = time.Hour // A must not take its own entries back
	a := NewConsumer(rdb, cfgA, func(ctx context.Context, env *eventsv1.Envelope) error {
		if env.GetAggregateId() == "a5" {
			close(stuck)
			<-ctx.Done()
			return ctx.Err()
		}
		return recA.handle(ctx, env)
	})
	stopA := runConsumer(t, a)
	<-stuck
	if err := stopA(); err != nil {
		t.Fatal(err)
	}
	if p := pendingCount(t, rdb, stream, "g"); p != n-5 {
		t.Fatalf("after A stopped %d pending, want %d", p, n-5)
	}

	recB := newRecorder()
	runConsumer(t, NewConsumer(rdb, fastConfig(stream, "g", "B"), recB.handle))
	waitFor(t, 20*time.Second, "B handles A's leftovers", func() bool { return recB.handled() == n-5 })
	waitFor(t, 5*time.Second, "nothing pending", func() bool { return pendingCount(t, rdb, stream, "g") == 0 })

	countsA, _ := recA.snapshot()
	countsB, _ := recB.snapshot()
	for _, id := range ids {
		if countsA[id]+countsB[id] != 1 {
			t.Errorf("%s handled %d times by A and %d by B, want once in all", id, countsA[id], countsB[id])
		}
	}
}

func TestRestartHandlesOwnPendingFirst(t *testing.T) {
	t.Parallel()
	rdb := newClient(t)
	ctx := context.Background()
	stream := key(t)
	p := NewPublisher(rdb, stream, 0)
	publish(t, p, "old", 5)
	if err := rdb.XGroupCreateMkStream(ctx, stream, "g", "0").Err(); err != nil {
		t.Fatal(err)
	}
	// A previous process named c1 took the old entries and died.
	if err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "c1", Streams: []string{stream, ">"}, Count: 5, Block: -1}).Err(); err != nil {
		t.Fatal(err)
	}
	publish(t, p, "new", 5)

	rec := newRecorder()
	cfg := fastConfig(stream, "g", "c1")
	cfg.ClaimMinIdle = time.Hour // only the "0" read may pick up the old entries
	runConsumer(t, NewConsumer(rdb, cfg, rec.handle))
	waitFor(t, 10*time.Second, "all handled", func() bool { return rec.handled() == 10 })
	waitFor(t, 5*time.Second, "nothing pending", func() bool { return pendingCount(t, rdb, stream, "g") == 0 })
	_, order := rec.snapshot()
	want := "[old0 old1 old2 old3 old4 new0 new1 new2 new3 new4]"
	if fmt.Sprint(order) != want {
		t.Errorf("order %v, want %s", order, want)
	}
}

func TestDeletedWhilePending(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, holder string // holder: who has the entries pending
		claimMinIdle time.Duration
	}{
		{"reclaimed from a dead consumer (XAUTOCLAIM)", "ghost", 300 * time.Millisecond},
		{"own pending after restart (XREADGROUP 0)", "c1", time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rdb := newClient(t)
			ctx := context.Background()
			stream := key(t)
			publish(t, NewPublisher(rdb, stream, 0), "a", 3)
			if err := rdb.XGroupCreateMkStream(ctx, stream, "g", "0").Err(); err != nil {
				t.Fatal(err)
			}
			res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: tc.holder, Streams: []string{stream, ">"}, Count: 3, Block: -1}).Result()
			if err != nil {
				t.Fatal(err)
			}
			if err := rdb.XDel(ctx, stream, res[0].Messages[1].ID).Err(); err != nil {
				t.Fatal(err)
			}

			m, err := NewMetrics(nil)
			if err != nil {
				t.Fatal(err)
			}
			rec := newRecorder()
			var logs logBuffer
			cfg := fastConfig(stream, "g", "c1")
			cfg.ClaimMinIdle = tc.claimMinIdle
			cfg.Metrics = m
			cfg.Logger = logs.logger()
			runConsumer(t, NewConsumer(rdb, cfg, rec.handle))
			waitFor(t, 10*time.Second, "nothing pending", func() bool { return pendingCount(t, rdb, stream, "g") == 0 })
			waitFor(t, 5*time.Second, "deleted entry counted", func() bool {
				return testutil.ToFloat64(m.deleted.WithLabelValues(stream, "g")) == 1
			})
			counts, _ := rec.snapshot()
			if counts["a0"] != 1 || counts["a2"] != 1 || len(counts) != 2 {
				t.Errorf("handled %v, want a0 and a2 once", counts)
			}
			if !strings.Contains(logs.String(), res[0].Messages[1].ID) {
				t.Errorf("deleted entry not logged:\n%s", logs.String())
			}
		})
	}
}

func TestIdleConsumerDeletion(t *testing.T) {
	t.Parallel()
	rdb := newClient(t)
	ctx := context.Background()
	stream := key(t)
	publish(t, NewPublisher(rdb, stream, 0), "a", 1)
	if err := rdb.XGroupCreateMkStream(ctx, stream, "g", "0").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "busy", Streams: []string{stream, ">"}, Count: 1, Block: -1}).Err(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"idle", "me"} {
		if err := rdb.XGroupCreateConsumer(ctx, stream, "g", name).Err(); err != nil {
			t.Fatal(err)
		}
	}
	consumers := func() map[string]redis.XInfoConsumer {
		cs, err := rdb.XInfoConsumers(ctx, stream, "g").Result()
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]redis.XInfoConsumer{}
		for _, c := range cs {
			m[c.Name] = c
		}
		return m
	}
	sweep := func(idleDelete time.Duration) {
		cfg := fastConfig(stream, "g", "me")
		cfg.ConsumerIdleDelete = idleDelete
		r := &run{Consumer: NewConsumer(rdb, cfg, newRecorder().handle), lastErr: map[string]failure{}}
		r.deleteIdleConsumers(ctx)
	}

	sweep(time.Hour)
	if got := consumers(); len(got) != 3 {
		t.Fatalf("a 1h threshold deleted consumers: left %v", got)
	}
	waitFor(t, 10*time.Second, "consumers idle 300ms", func() bool {
		for _, c := range consumers() {
			if c.Idle <= 300*time.Millisecond {
				return false
			}
		}
		return true
	})
	sweep(300 * time.Millisecond)
	got := consumers()
	if _, ok := got["idle"]; ok {
		t.Error("idle consumer with nothing pending was kept")
	}
	if c, ok := got["busy"]; !ok || c.Pending != 1 {
		t.Errorf("idle consumer with a pending entry was deleted: %v", got)
	}
	if _, ok := got["me"]; !ok {
		t.Error("the consumer deleted itself")
	}

	// And Run does it on its own.
	if err := rdb.XGroupCreateConsumer(ctx, stream, "g", "idle2").Err(); err != nil {
		t.Fatal(err)
	}
	var logs logBuffer
	cfg := fastConfig(stream, "g", "me")
	cfg.ConsumerIdleDelete = time.Millisecond // "me" is idle this long too, between reads
	cfg.ClaimMinIdle = time.Hour              // leave busy's entry where it is
	cfg.Logger = logs.logger()
	runConsumer(t, NewConsumer(rdb, cfg, newRecorder().handle))
	waitFor(t, 10*time.Second, "Run deletes idle2", func() bool { _, ok := consumers()["idle2"]; return !ok })
	waitFor(t, 10*time.Second, "a few more sweeps", func() bool { return consumers()["busy"].Idle > time.Second })
	if _, ok := consumers()["busy"]; !ok {
		t.Error("Run deleted a consumer with a pending entry")
	}
	if l := logs.String(); strings.Contains(l, "idle_consumer=me ") || strings.Contains(l, "idle_consumer=busy ") {
		t.Errorf("deleted the wrong consumer:\n%s", l)
	}
}

func TestShutdownIsPrompt(t *testing.T) {
	t.Parallel()
	rdb := newClient(t)
	stream := key(t)
	cfg := ConsumerConfig{Stream: stream, Group: "g", Consumer: "c1", Block: time.Minute} // capped at 2s
	c := NewConsumer(rdb, cfg, newRecorder().handle)
	if c.Config().Block != MaxBlock {
		t.Errorf("Block = %s, want capped at %s", c.Config().Block, MaxBlock)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	waitFor(t, 10*time.Second, "consumer blocked in XREADGROUP", func() bool {
		cs, _ := rdb.XInfoConsumers(context.Background(), stream, "g").Result()
		return len(cs) == 1
	})
	cancel()
	start := time.Now()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v on clean shutdown", err)
		}
		t.Logf("Run returned %s after cancel", time.Since(start).Round(time.Millisecond))
	case <-time.After(3 * time.Second):
		t.Fatal("Run did not return within 3s of cancel")
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	rdb := newClient(t)
	if err := NewConsumer(rdb, ConsumerConfig{Stream: "s", Group: "g"}, newRecorder().handle).Run(context.Background()); err == nil ||
		!strings.Contains(err.Error(), "Consumer") {
		t.Errorf("missing Consumer: err = %v", err)
	}
	if err := NewConsumer(rdb, ConsumerConfig{Stream: "s", Group: "g", Consumer: "c"}, nil).Run(context.Background()); err == nil {
		t.Error("nil handler accepted")
	}
}

func TestMetricsShareable(t *testing.T) {
	reg := prometheus.NewRegistry()
	m1, err := NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := NewMetrics(reg)
	if err != nil {
		t.Fatalf("second NewMetrics on one registry: %v", err)
	}
	m1.observeConsumed("s1", "g", "t", OutcomeOK)
	m2.observeConsumed("s2", "g", "t", OutcomeOK)
	if n := testutil.CollectAndCount(m1.consumed); n != 2 {
		t.Errorf("shared counter has %d series, want 2", n)
	}
	var nilMetrics *Metrics
	nilMetrics.observeConsumed("s", "g", "t", OutcomeOK) // must not panic
}
