package readmodel

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/stream"
)

const plan = "ca-nap6"

var t0 = time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)

func lt(en, fr string) *eventsv1.LocalizedText {
	return &eventsv1.LocalizedText{Values: map[string]string{"en": en, "fr": fr}}
}

func planEvent(version int64, title string, codes ...string) *eventsv1.Envelope {
	env := stream.NewEnvelope(context.Background(), "commitments", "commitments.plan.upserted", plan, version)
	env.Body = &eventsv1.Envelope_PlanUpserted{PlanUpserted: &eventsv1.PlanUpserted{PlanId: plan, Title: lt(title, title+" (fr)"),
		Start: "2025-01", End: "2029-12", Languages: []string{"en", "fr"}, CommitmentCodes: codes, Revision: version}}
	return env
}

func commitment(code string, version int64, items ...string) *eventsv1.Envelope {
	c := &eventsv1.CommitmentUpserted{PlanId: plan, Code: code, Title: lt("Commitment "+code, "Engagement "+code), Revision: version}
	m := &eventsv1.Milestone{Code: code + ".1", Title: lt("Milestone", "Jalon"), LeadOrgs: []*eventsv1.Organisation{{Code: "rcmp-grc"}},
		Deadline: &eventsv1.Deadline{Original: lt("By end of 2028", "D'ici la fin de 2028"), Kind: eventsv1.Deadline_KIND_DATE, DueDate: "2028-12-31", Approximate: true}}
	for _, it := range items {
		m.Indicators = append(m.Indicators, &eventsv1.Indicator{Code: it, Title: lt("Indicator "+it, "Indicateur "+it),
			Deadline: &eventsv1.Deadline{Original: lt("Ongoing", "En continu"), Kind: eventsv1.Deadline_KIND_RECURRING}, LeadOrgs: []*eventsv1.Organisation{{Code: "rcmp-grc"}}})
	}
	c.Milestones = []*eventsv1.Milestone{m}
	env := stream.NewEnvelope(context.Background(), "commitments", "commitments.commitment.upserted", plan+"/"+code, version)
	env.Body = &eventsv1.Envelope_CommitmentUpserted{CommitmentUpserted: c}
	return env
}

// update is an UpdateChanged event on item C01.1.1. agreed and disputed give
// the times of each side's decision.
type update struct {
	id, period, status, state string
	version                   int64
	posted                    time.Time
	agreed, disputed          []time.Time
}

func (u update) event() *eventsv1.Envelope {
	b := &eventsv1.UpdateChanged{UpdateId: u.id, PlanId: plan, CommitmentCode: "C01", ItemCode: "C01.1.1", ItemLevel: "indicator",
		Period: u.period, Status: u.status, State: u.state, Progress: lt("Progress of "+u.id, "Avancement de "+u.id),
		Agency: "rcmp-grc", PostedAt: timestamppb.New(u.posted)}
	for i, at := range u.agreed {
		b.Agreements = append(b.Agreements, &eventsv1.Agreement{Side: []string{"government", "civil_society"}[i%2], Member: "m", At: timestamppb.New(at)})
	}
	for _, at := range u.disputed {
		b.Disputes = append(b.Disputes, &eventsv1.Dispute{Side: "civil_society", Member: "c", Reason: lt("No.", "Non."), At: timestamppb.New(at)})
	}
	env := stream.NewEnvelope(context.Background(), "updates", "updates.update.changed", u.id, u.version)
	env.Body = &eventsv1.Envelope_UpdateChanged{UpdateChanged: b}
	return env
}

func agreed(id, period string, version int64, posted, done time.Time) update {
	return update{id: id, period: period, status: "substantial", state: "agreed", version: version, posted: posted,
		agreed: []time.Time{posted.Add(time.Minute), done}}
}

func apply(t *testing.T, s *Store, envs ...*eventsv1.Envelope) {
	t.Helper()
	for _, e := range envs {
		got, err := s.Apply(context.Background(), e)
		if err != nil {
			t.Fatalf("Apply %s v%d: %v", e.GetAggregateId(), e.GetAggregateVersion(), err)
		}
		// Progress changes only statuses; plan and commitment events change structure.
		if want := (Change{Plan: plan, Structure: e.GetUpdateChanged() == nil}); got != want {
			t.Errorf("Apply %s = %+v, want %+v", e.GetType(), got, want)
		}
	}
}

func load(t *testing.T, s *Store) *Snapshot {
	t.Helper()
	snap, err := s.Load(context.Background(), plan)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func newStore(t *testing.T) *Store {
	t.Helper()
	s := New(newDB(t))
	if err := s.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func codes(cs []Commitment) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Code)
	}
	return strings.Join(out, ",")
}

func TestLoadReturnsCommitmentsInPlanOrder(t *testing.T) {
	s := newStore(t)
	if _, err := s.Load(context.Background(), plan); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Load before any event = %v, want ErrNotFound", err)
	}
	// Events of commitments may arrive before the plan's, in any order.
	apply(t, s, commitment("C04", 1, "C04.1.1"), commitment("C02", 1), commitment("C01", 1, "C01.1.1", "C01.1.2"), commitment("C03", 1))
	if _, err := s.Load(context.Background(), plan); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Load without the plan event = %v, want ErrNotFound", err)
	}
	apply(t, s, planEvent(1, "Canada NAP6", "C01", "C02", "C03", "C04"))
	snap := load(t, s)
	if got := codes(snap.Commitments); got != "C01,C02,C03,C04" {
		t.Errorf("commitments = %s, want plan order", got)
	}
	if snap.Plan.Title["fr"] != "Canada NAP6 (fr)" || snap.Plan.Start != "2025-01" || len(snap.Plan.Languages) != 2 || snap.Plan.Version != 1 {
		t.Errorf("plan = %+v", snap.Plan)
	}
	c01 := snap.Commitments[0]
	m := c01.Milestones[0]
	if m.Code != "C01.1" || m.Deadline.Kind != "date" || m.Deadline.Due != "2028-12-31" || !m.Deadline.Approximate || m.LeadOrgs[0] != "rcmp-grc" {
		t.Errorf("milestone = %+v", m)
	}
	if len(m.Indicators) != 2 || m.Indicators[1].Code != "C01.1.2" || m.Indicators[1].Deadline.Kind != "recurring" || m.Indicators[1].Title["fr"] != "Indicateur C01.1.2" {
		t.Errorf("indicators = %+v", m.Indicators)
	}
	if snap.Commitments[1].Milestones[0].Indicators == nil {
		t.Error("a milestone without indicators has a nil list")
	}

	// A new plan version that reorders and drops commitments.
	apply(t, s, planEvent(2, "Canada NAP6", "C03", "C01", "C05"))
	if got := codes(load(t, s).Commitments); got != "C03,C01" {
		t.Errorf("after reordering = %s, want C03,C01 (C02 and C04 dropped, C05 not yet seen)", got)
	}
	ids, err := s.PlanIDs(context.Background())
	if err != nil || len(ids) != 1 || ids[0] != plan {
		t.Errorf("PlanIDs = %v, %v", ids, err)
	}
}

func TestApplyingAnEventTwiceGivesTheSameState(t *testing.T) {
	s := newStore(t)
	envs := []*eventsv1.Envelope{
		planEvent(1, "Plan", "C01"), commitment("C01", 1, "C01.1.1"),
		agreed("U1", "2026-06", 3, t0, t0.Add(time.Hour)).event(),
	}
	apply(t, s, envs...)
	before := load(t, s)
	apply(t, s, envs...)
	apply(t, s, envs[2], envs[1], envs[0])
	after := load(t, s)
	if !reflect.DeepEqual(before, after) {
		t.Errorf("redelivery changed the read model:\n%+v\n%+v", before, after)
	}
}

func TestOlderVersionsAreIgnored(t *testing.T) {
	s := newStore(t)
	apply(t, s, planEvent(2, "New title", "C01", "C02"), commitment("C01", 2, "C01.1.1", "C01.1.2"), commitment("C02", 2))
	apply(t, s, planEvent(1, "Old title", "C01"), commitment("C01", 1, "C01.1.1"))
	snap := load(t, s)
	if snap.Plan.Title["en"] != "New title" || snap.Plan.Version != 2 || codes(snap.Commitments) != "C01,C02" {
		t.Errorf("plan after an older event = %+v", snap.Plan)
	}
	if n := len(snap.Commitments[0].Milestones[0].Indicators); n != 2 || snap.Commitments[0].Version != 2 {
		t.Errorf("C01 after an older event has %d indicators at version %d, want version 2's 2", n, snap.Commitments[0].Version)
	}
	apply(t, s, planEvent(3, "Newest", "C02"))
	if snap := load(t, s); snap.Plan.Title["en"] != "Newest" || codes(snap.Commitments) != "C02" {
		t.Errorf("newer plan not applied: %+v", snap.Plan)
	}
}

func status(t *testing.T, s *Store) Status {
	t.Helper()
	st, ok := load(t, s).Statuses["C01.1.1"]
	if !ok {
		t.Fatal("no status for C01.1.1")
	}
	return st
}

func TestNewestUpdatePerItemWins(t *testing.T) {
	s := newStore(t)
	apply(t, s, planEvent(1, "Plan", "C01"), commitment("C01", 1, "C01.1.1"))

	apply(t, s, agreed("U-june", "2026-06", 3, t0, t0.Add(time.Hour)).event())
	st := status(t, s)
	if st.UpdateID != "U-june" || st.Status != "substantial" || st.State != "agreed" || st.Period != "2026-06" ||
		!st.PublishedAt.Equal(t0.Add(time.Hour)) || st.Progress["fr"] != "Avancement de U-june" || st.Item != "C01.1.1" {
		t.Fatalf("status = %+v", st)
	}

	// An update for an earlier period, agreed later, does not replace it.
	apply(t, s, agreed("U-dec", "2025-12", 3, t0.Add(24*time.Hour), t0.Add(48*time.Hour)).event())
	if st := status(t, s); st.UpdateID != "U-june" {
		t.Errorf("an older period replaced the status: %s", st.UpdateID)
	}
	// Same period, published earlier: ignored.
	apply(t, s, agreed("U-early", "2026-06", 3, t0.Add(-48*time.Hour), t0.Add(-24*time.Hour)).event())
	if st := status(t, s); st.UpdateID != "U-june" {
		t.Errorf("an earlier publication replaced the status: %s", st.UpdateID)
	}
	// Same period, published later: it wins.
	later := agreed("U-fix", "2026-06", 3, t0.Add(2*time.Hour), t0.Add(3*time.Hour))
	later.status = "complete"
	apply(t, s, later.event())
	if st := status(t, s); st.UpdateID != "U-fix" || st.Status != "complete" {
		t.Errorf("the later publication did not win: %+v", st)
	}
	// A later period wins even if published before.
	apply(t, s, agreed("U-dec26", "2026-12", 3, t0.Add(-72*time.Hour), t0.Add(-71*time.Hour)).event())
	if st := status(t, s); st.UpdateID != "U-dec26" {
		t.Errorf("the later period did not win: %s", st.UpdateID)
	}
}

func TestALaterEventOfTheSameUpdateReplacesIt(t *testing.T) {
	s := newStore(t)
	apply(t, s, planEvent(1, "Plan", "C01"), commitment("C01", 1, "C01.1.1"))

	// Agreed by the government, then disputed by civil society: published as disputed.
	d := update{id: "U1", period: "2026-06", status: "complete", state: "disputed", version: 3, posted: t0,
		agreed: []time.Time{t0.Add(time.Hour)}, disputed: []time.Time{t0.Add(2 * time.Hour)}}
	apply(t, s, d.event())
	if st := status(t, s); st.State != "disputed" || st.Status != "complete" || st.Version != 3 || !st.PublishedAt.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("status = %+v", st)
	}
	// A second dispute of the same update (version 4) replaces the first event.
	d2 := d
	d2.version, d2.disputed = 4, append(d.disputed, t0.Add(5*time.Hour))
	apply(t, s, d2.event())
	if st := status(t, s); st.Version != 4 || st.UpdateID != "U1" || st.State != "disputed" {
		t.Errorf("later event of the same update: %+v", st)
	}
	// Its older event, redelivered, does not.
	apply(t, s, d.event())
	if st := status(t, s); st.Version != 4 {
		t.Errorf("older event of the same update replaced it: version %d", st.Version)
	}
}

// A superseded update that is disputed again later must not come back as the
// item's status: it became public when first disputed, not at each dispute.
func TestASupersededUpdateDisputedAgainStaysSuperseded(t *testing.T) {
	s := newStore(t)
	apply(t, s, planEvent(1, "Plan", "C01"), commitment("C01", 1, "C01.1.1"))

	old := update{id: "U-old", period: "2026-06", status: "complete", state: "disputed", version: 2, posted: t0,
		disputed: []time.Time{t0.Add(time.Hour)}}
	apply(t, s, old.event())
	fix := agreed("U-fix", "2026-06", 3, t0.Add(2*time.Hour), t0.Add(3*time.Hour))
	apply(t, s, fix.event())
	if st := status(t, s); st.UpdateID != "U-fix" {
		t.Fatalf("the corrected update did not replace the disputed one: %s", st.UpdateID)
	}
	again := old
	again.version, again.disputed = 3, append(old.disputed, t0.Add(10*time.Hour))
	apply(t, s, again.event())
	if st := status(t, s); st.UpdateID != "U-fix" || st.State != "agreed" {
		t.Errorf("a second dispute of the superseded update brought it back: %+v", st)
	}
}

func TestStatusesAreKeptPerItemAndPlan(t *testing.T) {
	s := newStore(t)
	apply(t, s, planEvent(1, "Plan", "C01"), commitment("C01", 1, "C01.1.1", "C01.1.2"))
	a := agreed("U1", "2026-06", 3, t0, t0.Add(time.Hour)).event()
	b := agreed("U2", "2026-06", 3, t0, t0.Add(time.Hour)).event()
	b.GetUpdateChanged().ItemCode = "C01.1.2"
	b.GetUpdateChanged().Status = "limited"
	apply(t, s, a, b)
	other := agreed("U3", "2026-12", 3, t0, t0.Add(time.Hour)).event()
	other.GetUpdateChanged().PlanId = "ca-nap5"
	if ch, err := s.Apply(context.Background(), other); err != nil || ch != (Change{Plan: "ca-nap5"}) {
		t.Fatalf("Apply of another plan's update = %+v, %v", ch, err)
	}
	sts := load(t, s).Statuses
	if len(sts) != 2 || sts["C01.1.1"].UpdateID != "U1" || sts["C01.1.2"].Status != "limited" {
		t.Errorf("statuses = %+v", sts)
	}
	if ch, err := s.Apply(context.Background(), &eventsv1.Envelope{}); err != nil || ch != (Change{}) {
		t.Errorf("Apply of an empty envelope = %+v, %v", ch, err)
	}
	// LoadStatuses alone gives the same statuses as Load.
	only, err := s.LoadStatuses(context.Background(), plan)
	if err != nil || len(only) != 2 || only["C01.1.2"].UpdateID != "U2" {
		t.Errorf("LoadStatuses = %+v, %v", only, err)
	}
	structure, err := s.LoadStructure(context.Background(), plan)
	if err != nil || codes(structure.Commitments) != "C01" || len(structure.Statuses) != 0 {
		t.Errorf("LoadStructure = %+v, %v", structure, err)
	}
}
