package plans

import (
	"context"
	"errors"
	"slices"
	"testing"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/stream"
)

func planEvent(id string, version int64, start, end string, langs ...string) *eventsv1.Envelope {
	env := stream.NewEnvelope(context.Background(), "commitments", "commitments.plan.upserted", id, version)
	env.Body = &eventsv1.Envelope_PlanUpserted{PlanUpserted: &eventsv1.PlanUpserted{PlanId: id, Start: start, End: end,
		Languages: langs, CommitmentCodes: []string{"C01"}, Revision: version}}
	return env
}

func apply(t *testing.T, s *Store, envs ...*eventsv1.Envelope) {
	t.Helper()
	for _, env := range envs {
		if err := s.Apply(context.Background(), env); err != nil {
			t.Fatal(err)
		}
	}
}

func get(t *testing.T, s *Store, id string) *Plan {
	t.Helper()
	p, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return p
}

func TestAPlanEventIsKept(t *testing.T) {
	s := New(newDB(t))
	if _, err := s.Get(context.Background(), "ca-nap6"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown plan = %v, want ErrNotFound", err)
	}
	apply(t, s, planEvent("ca-nap6", 1, "2025-01", "2029-12", "en", "fr"), planEvent("tw-nap3", 1, "2025-01", "2028-12", "zh-Hant"))
	p := get(t, s, "ca-nap6")
	if p.ID != "ca-nap6" || !slices.Equal(p.Languages, []string{"en", "fr"}) || p.Start != "2025-01" || p.End != "2029-12" || p.Version != 1 {
		t.Errorf("ca-nap6 = %+v", p)
	}
	if p := get(t, s, "tw-nap3"); !slices.Equal(p.Languages, []string{"zh-Hant"}) {
		t.Errorf("tw-nap3 = %+v, want the plan's own spelling", p)
	}
}

func TestPlanEventsAreVersionGuarded(t *testing.T) {
	s := New(newDB(t))
	v2 := planEvent("ca-nap6", 2, "2025-01", "2029-12", "de", "en", "fr")
	apply(t, s, planEvent("ca-nap6", 1, "2025-01", "2029-12", "en", "fr"), v2)
	if p := get(t, s, "ca-nap6"); !slices.Equal(p.Languages, []string{"de", "en", "fr"}) || p.Version != 2 {
		t.Fatalf("after a re-import: %+v", p)
	}
	// Redelivered, or an older one after it: nothing changes.
	apply(t, s, v2, planEvent("ca-nap6", 1, "2024-01", "2025-12", "en"))
	if p := get(t, s, "ca-nap6"); !slices.Equal(p.Languages, []string{"de", "en", "fr"}) || p.Start != "2025-01" || p.Version != 2 {
		t.Errorf("after older events: %+v, want version 2 kept", p)
	}
	// A plan whose event lists no languages stores an empty list, not null.
	apply(t, s, planEvent("x", 1, "2025-01", "2026-12"))
	if p := get(t, s, "x"); p.Languages == nil || len(p.Languages) != 0 {
		t.Errorf("no languages = %#v", p.Languages)
	}
}

func TestOtherEventsAreIgnored(t *testing.T) {
	s := New(newDB(t))
	cm := stream.NewEnvelope(context.Background(), "commitments", "commitments.commitment.upserted", "ca-nap6/C01", 1)
	cm.Body = &eventsv1.Envelope_CommitmentUpserted{CommitmentUpserted: &eventsv1.CommitmentUpserted{PlanId: "ca-nap6", Code: "C01"}}
	apply(t, s, cm, &eventsv1.Envelope{})
	if _, err := s.Get(context.Background(), "ca-nap6"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a commitment event made a plan: %v", err)
	}
}
