package stream

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
)

func TestPoisonEntriesAreDeadLettered(t *testing.T) {
	t.Parallel()
	rdb := newClient(t)
	ctx := context.Background()
	stream := key(t)
	p := NewPublisher(rdb, stream, 0)
	poisonID, err := p.Publish(ctx, NewEnvelope(ctx, "test", "test.thing.changed", "poison", 1))
	if err != nil {
		t.Fatal(err)
	}
	panicID, err := p.Publish(ctx, NewEnvelope(ctx, "test", "test.thing.changed", "panic", 1))
	if err != nil {
		t.Fatal(err)
	}
	garbageID, err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []any{FieldEnvelope, "\xff\xff not protobuf", FieldType, "test.garbage"}}).Result()
	if err != nil {
		t.Fatal(err)
	}
	noEnvelopeID, err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []any{"hello", "world"}}).Result()
	if err != nil {
		t.Fatal(err)
	}
	good := publish(t, p, "good", 5)

	rec := newRecorder()
	rec.fail = func(env *eventsv1.Envelope) error {
		switch env.GetAggregateId() {
		case "poison":
			return errors.New("commitment plan/9 does not exist")
		case "panic":
			panic("nil map")
		}
		return nil
	}
	m, err := NewMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := fastConfig(stream, "g", "c1")
	cfg.MaxDeliveries = 3
	cfg.Metrics = m
	runConsumer(t, NewConsumer(rdb, cfg, rec.handle))

	dead := stream + ":dead"
	waitFor(t, 20*time.Second, "4 dead letters", func() bool { return rdb.XLen(ctx, dead).Val() == 4 })
	waitFor(t, 5*time.Second, "nothing pending", func() bool { return pendingCount(t, rdb, stream, "g") == 0 })

	entries, err := rdb.XRange(ctx, dead, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	bySource := map[string]map[string]any{}
	var order []string
	for _, e := range entries {
		src := e.Values[DeadFieldID].(string)
		bySource[src] = e.Values
		order = append(order, src)
		if e.Values[DeadFieldStream] != stream || e.Values[DeadFieldGroup] != "g" || e.Values[DeadFieldConsumer] != "c1" {
			t.Errorf("dead letter %s: wrong origin fields %v", src, e.Values)
		}
	}
	// Undecodable entries go at once, on their first delivery, before the
	// failing ones have used up their retries.
	if want := []string{garbageID, noEnvelopeID}; !slices.Equal(order[:2], want) {
		t.Errorf("dead-letter order %v, want %v first", order, want)
	}
	checks := []struct {
		id, deliveries, errText string
	}{
		{poisonID, "3", "commitment plan/9 does not exist"},
		{panicID, "3", "handler panic: nil map"},
		{garbageID, "1", "decode envelope"},
		{noEnvelopeID, "1", `no "e" field`},
	}
	for _, c := range checks {
		v := bySource[c.id]
		if v == nil {
			t.Errorf("%s not dead-lettered", c.id)
			continue
		}
		if v[DeadFieldDeliveries] != c.deliveries || !strings.Contains(v[DeadFieldError].(string), c.errText) {
			t.Errorf("%s: deliveries %v error %q, want %s and %q", c.id, v[DeadFieldDeliveries], v[DeadFieldError], c.deliveries, c.errText)
		}
	}
	orig, _ := rdb.XRange(ctx, stream, poisonID, poisonID).Result()
	if v := bySource[poisonID]; len(orig) != 1 || v[FieldEnvelope] != orig[0].Values[FieldEnvelope] || v[FieldType] != "test.thing.changed" {
		t.Error("dead letter does not carry the original fields")
	}
	if v := bySource[noEnvelopeID]; v["hello"] != "world" {
		t.Errorf("original field of the no-envelope entry lost: %v", v)
	}

	counts, attempts := rec.snapshot()
	for _, g := range good {
		if counts[g] != 1 {
			t.Errorf("%s handled %d times, want 1", g, counts[g])
		}
	}
	// Later entries flowed while the poison entry was still being retried.
	if i, j := slices.Index(attempts, "good4"), lastIndex(attempts, "fail:poison"); i > j {
		t.Errorf("good entries waited for the poison entry: %v", attempts)
	}
	if n := count(attempts, "fail:poison"); n != 3 {
		t.Errorf("poison handler ran %d times, want MaxDeliveries=3", n)
	}
	if got := testutil.ToFloat64(m.deadLetters.WithLabelValues(stream, "g")); got != 4 {
		t.Errorf("dead letters counter = %v, want 4", got)
	}
	if got := testutil.ToFloat64(m.consumed.WithLabelValues(stream, "g", "test.thing.changed", OutcomeError)); got != 4 {
		t.Errorf("error outcomes = %v, want 4 (2 retries each for poison and panic)", got)
	}
	waitFor(t, 5*time.Second, "dead-letter length gauge", func() bool {
		return testutil.ToFloat64(m.deadLetterLen.WithLabelValues(dead)) == 4
	})
}

// An entry already delivered more than MaxDeliveries times (its consumers
// kept crashing on it) is dead-lettered without running the handler again.
func TestCrashLoopEntryIsDeadLettered(t *testing.T) {
	t.Parallel()
	rdb := newClient(t)
	ctx := context.Background()
	stream := key(t)
	publish(t, NewPublisher(rdb, stream, 0), "a", 2)
	if err := rdb.XGroupCreateMkStream(ctx, stream, "g", "0").Err(); err != nil {
		t.Fatal(err)
	}
	res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "crashed", Streams: []string{stream, ">"}, Count: 1, Block: -1}).Result()
	if err != nil {
		t.Fatal(err)
	}
	id := res[0].Messages[0].ID
	// Pretend it was delivered 5 times already.
	if err := rdb.Do(ctx, "XCLAIM", stream, "g", "crashed", 0, id, "RETRYCOUNT", 5).Err(); err != nil {
		t.Fatal(err)
	}

	rec := newRecorder()
	cfg := fastConfig(stream, "g", "c1")
	cfg.MaxDeliveries = 5
	runConsumer(t, NewConsumer(rdb, cfg, rec.handle))
	waitFor(t, 10*time.Second, "dead letter", func() bool { return rdb.XLen(ctx, stream+":dead").Val() == 1 })
	waitFor(t, 5*time.Second, "nothing pending", func() bool { return pendingCount(t, rdb, stream, "g") == 0 })
	e, _ := rdb.XRange(ctx, stream+":dead", "-", "+").Result()
	if v := e[0].Values; v[DeadFieldID] != id || v[DeadFieldDeliveries] != "6" || !strings.HasPrefix(v[DeadFieldError].(string), "unknown") {
		t.Errorf("dead letter %v", v)
	}
	if counts, _ := rec.snapshot(); counts["a0"] != 0 || counts["a1"] != 1 {
		t.Errorf("handled %v, want only a1", counts)
	}
}

func lastIndex(s []string, v string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == v {
			return i
		}
	}
	return -1
}

func count(s []string, v string) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}
