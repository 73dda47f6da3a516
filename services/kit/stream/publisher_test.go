package stream

import (
	"context"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
)

func TestNewEnvelope(t *testing.T) {
	env := NewEnvelope(context.Background(), "commitments", "commitments.commitment.upserted", "plan/1", 7)
	if _, err := ulid.ParseStrict(env.GetId()); err != nil {
		t.Errorf("Id %q is not a ULID: %v", env.GetId(), err)
	}
	if d := time.Since(env.GetTime().AsTime()); d < 0 || d > time.Minute {
		t.Errorf("Time %v is not now", env.GetTime().AsTime())
	}
	if env.GetProducer() != "commitments" || env.GetType() != "commitments.commitment.upserted" ||
		env.GetAggregateId() != "plan/1" || env.GetAggregateVersion() != 7 {
		t.Errorf("fields not set: %v", env)
	}
	if len(env.GetTraceContext()) != 0 {
		t.Errorf("no span in ctx, yet TraceContext = %v", env.GetTraceContext())
	}
	if a, b := NewEnvelope(context.Background(), "p", "t", "a", 1), NewEnvelope(context.Background(), "p", "t", "a", 1); a.GetId() == b.GetId() {
		t.Error("two envelopes share an Id")
	}
}

func TestPublishEntryFields(t *testing.T) {
	t.Parallel()
	rdb := newClient(t)
	stream := key(t)
	p := NewPublisher(rdb, stream, 0)
	if p.maxLen != DefaultMaxLen {
		t.Errorf("maxLen 0 gave %d, want %d", p.maxLen, DefaultMaxLen)
	}
	env := NewEnvelope(context.Background(), "test", "test.thing.changed", "a1", 3)
	id, err := p.Publish(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	got, err := rdb.XRange(context.Background(), stream, id, id).Result()
	if err != nil || len(got) != 1 {
		t.Fatalf("XRANGE %s: %v %v", id, got, err)
	}
	if got[0].Values[FieldType] != "test.thing.changed" {
		t.Errorf("t = %v", got[0].Values[FieldType])
	}
	var back eventsv1.Envelope
	if err := proto.Unmarshal([]byte(got[0].Values[FieldEnvelope].(string)), &back); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(&back, env) {
		t.Errorf("round trip: got %v, want %v", &back, env)
	}
	if _, err := p.Publish(context.Background(), nil); err == nil {
		t.Error("Publish(nil) succeeded")
	}
}

func TestPublishTrimsApproximately(t *testing.T) {
	t.Parallel()
	rdb := newClient(t)
	stream := key(t)
	p := NewPublisher(rdb, stream, 100)
	for i := range 1000 {
		if _, err := p.Publish(context.Background(), NewEnvelope(context.Background(), "test", "test.x", "a", int64(i))); err != nil {
			t.Fatal(err)
		}
	}
	n, err := rdb.XLen(context.Background(), stream).Result()
	if err != nil {
		t.Fatal(err)
	}
	// "MAXLEN ~" removes whole radix-tree nodes (100 entries by default), so
	// the length stays at or a little above the target.
	if n < 100 || n > 250 {
		t.Errorf("XLEN = %d after 1000 publishes with maxLen 100, want about 100", n)
	}
	t.Logf("XLEN = %d", n)
}
