package readmodel_test

import (
	"context"
	"os"
	"testing"
	"time"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/devenv/ferrettest"
	"github.com/kept-ogp/kept/services/kit/stream"
	"github.com/kept-ogp/kept/services/reporting/internal/fixture"
	"github.com/kept-ogp/kept/services/reporting/internal/readmodel"
)

var fdb *ferrettest.Server

func TestMain(m *testing.M) { os.Exit(ferrettest.Run(m, &fdb)) }

func plan(version int64, title string) *eventsv1.Envelope {
	env := stream.NewEnvelope(context.Background(), "commitments", "commitments.plan.upserted", "p", version)
	env.Body = &eventsv1.Envelope_PlanUpserted{PlanUpserted: &eventsv1.PlanUpserted{PlanId: "p",
		Title: &eventsv1.LocalizedText{Values: map[string]string{"en": title}}, Languages: []string{"en"}, Start: "2025-01", End: "2026-12"}}
	return env
}

func TestProjectionIsVersionGuardedAndKeepsEveryPublicVersion(t *testing.T) {
	ctx := context.Background()
	rm := readmodel.New(fdb.NewDB(t))
	if err := rm.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	u := fixture.Update{ID: "U1", Plan: "p", Commitment: "C01", Item: "C01.1", Status: "limited", State: "draft", Version: 1,
		Agency: "a", Posted: at, Government: at.Add(time.Hour)}
	evs := []*eventsv1.Envelope{plan(2, "New title"), plan(1, "Old title"), u.Event()}
	u.State, u.Version, u.CivilSociety = "agreed", 2, at.Add(2*time.Hour)
	evs = append(evs, u.Event(), u.Event())
	u.State, u.Version, u.DisputeReason = "disputed", 3, map[string]string{"en": "no"}
	u.CivilSociety = at.Add(3 * time.Hour)
	evs = append(evs, u.Event())
	q := fixture.Question{ID: "Q1", Plan: "p", Commitment: "C01", Status: "answered", Version: 4, Asked: at, Answered: at.Add(time.Hour), OnTime: true}
	evs = append(evs, q.Event())
	q.Version, q.Status, q.Answered = 3, "open", time.Time{}
	evs = append(evs, q.Event())
	for _, e := range evs {
		if err := rm.Apply(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	snap, err := rm.Load(ctx, "p")
	if err != nil {
		t.Fatal(err)
	}
	if snap.Plan.Title["en"] != "New title" {
		t.Fatalf("an older plan event won: %q", snap.Plan.Title["en"])
	}
	if len(snap.Updates) != 2 || snap.Updates[0].State != "agreed" || snap.Updates[1].State != "disputed" {
		t.Fatalf("update versions = %+v, want agreed v2 and disputed v3 (no draft, no duplicate)", snap.Updates)
	}
	if !snap.Updates[0].At.Equal(at.Add(2*time.Hour)) || !snap.Updates[1].At.Equal(at.Add(3*time.Hour)) {
		t.Fatalf("agreed/disputed times = %s / %s", snap.Updates[0].At, snap.Updates[1].At)
	}
	if len(snap.Questions) != 1 || snap.Questions[0].Status != "answered" || snap.Questions[0].AnsweredAt == nil {
		t.Fatalf("question = %+v, want the newer answered state", snap.Questions)
	}
	if _, err := rm.Load(ctx, "nope"); err != readmodel.ErrNotFound {
		t.Fatalf("unknown plan: %v", err)
	}
}
