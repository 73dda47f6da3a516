package items

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/stream"
)

const plan = "ca-nap6"

func text(en, fr string) *eventsv1.LocalizedText {
	return &eventsv1.LocalizedText{Values: map[string]string{"en": en, "fr": fr}}
}

func orgs(codes ...string) []*eventsv1.Organisation {
	var out []*eventsv1.Organisation
	for _, c := range codes {
		out = append(out, &eventsv1.Organisation{Code: c, Name: text(c, c)})
	}
	return out
}

func dated(due, words string) *eventsv1.Deadline {
	return &eventsv1.Deadline{Original: text(words, words), Kind: eventsv1.Deadline_KIND_DATE, DueDate: due, Precision: eventsv1.Deadline_PRECISION_SEASON, Approximate: true}
}

func recurring(words string) *eventsv1.Deadline {
	return &eventsv1.Deadline{Original: text(words, words), Kind: eventsv1.Deadline_KIND_RECURRING, UntilYear: 2029}
}

// c01 is commitment C01 of Canada's plan, cut down to two milestones, as the
// commitments service sends it.
func c01() *eventsv1.CommitmentUpserted {
	return &eventsv1.CommitmentUpserted{PlanId: plan, Code: "C01", Title: text("Inclusive and meaningful public participation", "Participation inclusive et significative"),
		LeadOrgs: orgs("rcmp-grc", "pwgsc-tpsgc", "hc-sc"), Revision: 1,
		Milestones: []*eventsv1.Milestone{
			{Code: "C01.1", Title: text("Forum", "Forum"), Deadline: dated("2028-12-31", "By fall 2028"), LeadOrgs: orgs("rcmp-grc"),
				Indicators: []*eventsv1.Indicator{
					{Code: "C01.1.1", Title: text("Strategic plan", "Plan stratégique"), Deadline: dated("2027-12-31", "Fall 2027"), LeadOrgs: orgs("rcmp-grc")},
					{Code: "C01.1.2", Title: text("Terms of reference", "Mandat"), Deadline: dated("2025-03-31", "By winter 2025"), LeadOrgs: orgs("rcmp-grc")},
				}},
			{Code: "C01.5", Title: text("Procurement", "Approvisionnement"), Deadline: dated("2029-12-31", "By end of 2029"), LeadOrgs: orgs("pwgsc-tpsgc", "hc-sc"),
				Indicators: []*eventsv1.Indicator{
					{Code: "C01.5.1", Title: text("Open contracting", "Contrats ouverts"), Deadline: dated("2029-12-31", "By end of 2029"), LeadOrgs: orgs("pwgsc-tpsgc", "hc-sc")},
					{Code: "C01.5.2", Title: text("Ongoing", "En continu"), Deadline: recurring("Ongoing"), LeadOrgs: orgs("hc-sc")},
				}},
		}}
}

func c02() *eventsv1.CommitmentUpserted {
	return &eventsv1.CommitmentUpserted{PlanId: plan, Code: "C02", Title: text("Open data", "Données ouvertes"), LeadOrgs: orgs("pch"), Revision: 1,
		Milestones: []*eventsv1.Milestone{
			{Code: "C02.2", Title: text("Heritage", "Patrimoine"), Deadline: dated("2026-12-31", "By 2026"), LeadOrgs: orgs("pch"),
				Indicators: []*eventsv1.Indicator{{Code: "C02.2.1", Title: text("x", "x"), Deadline: dated("2026-04-30", "By April 2026"), LeadOrgs: orgs("pch")}}},
		}}
}

func commitmentEvent(c *eventsv1.CommitmentUpserted, version int64) *eventsv1.Envelope {
	env := stream.NewEnvelope(context.Background(), "commitments", "commitments.commitment.upserted", c.GetPlanId()+"/"+c.GetCode(), version)
	env.Body = &eventsv1.Envelope_CommitmentUpserted{CommitmentUpserted: c}
	return env
}

func planEvent(version int64, codes ...string) *eventsv1.Envelope {
	env := stream.NewEnvelope(context.Background(), "commitments", "commitments.plan.upserted", plan, version)
	env.Body = &eventsv1.Envelope_PlanUpserted{PlanUpserted: &eventsv1.PlanUpserted{PlanId: plan, Title: text("Plan", "Plan"),
		Start: "2025-01", End: "2029-12", Languages: []string{"en", "fr"}, CommitmentCodes: codes, Revision: version}}
	return env
}

func apply(t *testing.T, s *Store, envs ...*eventsv1.Envelope) {
	t.Helper()
	for _, e := range envs {
		if err := s.Apply(context.Background(), e); err != nil {
			t.Fatalf("Apply %s v%d: %v", e.GetAggregateId(), e.GetAggregateVersion(), err)
		}
	}
}

func get(t *testing.T, s *Store, code string) *Item {
	t.Helper()
	it, err := s.Get(context.Background(), plan, code)
	if err != nil {
		t.Fatalf("Get %s: %v", code, err)
	}
	return it
}

func gone(t *testing.T, s *Store, code string) {
	t.Helper()
	if it, err := s.Get(context.Background(), plan, code); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get %s = %+v, %v; want ErrNotFound", code, it, err)
	}
}

// snapshot is every stored item, for comparing whole states.
func snapshot(t *testing.T, s *Store) []Item {
	t.Helper()
	cur, err := s.coll.Find(context.Background(), bson.M{}, options.Find().SetSort(bson.M{"_id": 1}))
	if err != nil {
		t.Fatal(err)
	}
	var out []Item
	if err := cur.All(context.Background(), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCommitmentUpsertedCreatesItemsWithLeadsAndDueDates(t *testing.T) {
	s := New(newDB(t))
	apply(t, s, planEvent(1, "C01", "C02"), commitmentEvent(c01(), 1))

	it := get(t, s, "C01.1.1")
	if it.Plan != plan || it.Commitment != "C01" || it.Code != "C01.1.1" || it.Level != "indicator" || it.Due != "2027-12-31" ||
		!slices.Equal(it.LeadOrgs, []string{"rcmp-grc"}) || it.Version != 1 || it.Removed {
		t.Errorf("C01.1.1 = %+v", it)
	}
	m := get(t, s, "C01.5")
	if m.Level != "milestone" || m.Due != "2029-12-31" || !slices.Equal(m.LeadOrgs, []string{"pwgsc-tpsgc", "hc-sc"}) {
		t.Errorf("C01.5 = %+v", m)
	}
	if r := get(t, s, "C01.5.2"); r.Due != "" || !slices.Equal(r.LeadOrgs, []string{"hc-sc"}) {
		t.Errorf("recurring C01.5.2 = %+v, want no due date", r)
	}
	if n := len(snapshot(t, s)); n != 6 {
		t.Errorf("%d items stored, want 2 milestones + 4 indicators", n)
	}
	gone(t, s, "C02.2.1") // not seen yet
	if _, err := s.Get(context.Background(), "ca-nap5", "C01.1.1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("item of another plan = %v, want ErrNotFound", err)
	}
}

func TestApplyingTheSameEventTwiceChangesNothing(t *testing.T) {
	s := New(newDB(t))
	ev := commitmentEvent(c01(), 1)
	apply(t, s, planEvent(1, "C01"), ev)
	before := snapshot(t, s)
	apply(t, s, ev, planEvent(1, "C01"))
	after := snapshot(t, s)
	if len(before) != len(after) {
		t.Fatalf("%d items, then %d", len(before), len(after))
	}
	for i := range before {
		if !reflect.DeepEqual(before[i], after[i]) {
			t.Errorf("redelivery changed %s:\n%+v\n%+v", before[i].ID, before[i], after[i])
		}
	}
}

func TestAnOlderVersionAfterANewerIsIgnored(t *testing.T) {
	s := New(newDB(t))
	newer := c01()
	newer.Milestones[0].Indicators[0].Deadline = dated("2028-06-30", "By spring 2028")
	newer.Milestones[0].Indicators[0].LeadOrgs = orgs("rcmp-grc", "tbs-sct")
	apply(t, s, commitmentEvent(newer, 3))
	apply(t, s, commitmentEvent(c01(), 2))

	it := get(t, s, "C01.1.1")
	if it.Due != "2028-06-30" || it.Version != 3 || !slices.Equal(it.LeadOrgs, []string{"rcmp-grc", "tbs-sct"}) {
		t.Errorf("after an older event: %+v, want version 3's due date and leads", it)
	}
	// And a newer one still wins.
	apply(t, s, commitmentEvent(c01(), 4))
	if it := get(t, s, "C01.1.1"); it.Due != "2027-12-31" || it.Version != 4 {
		t.Errorf("after version 4: %+v", it)
	}
}

func TestPlanWithoutACommitmentRemovesItsItems(t *testing.T) {
	s := New(newDB(t))
	apply(t, s, planEvent(1, "C01", "C02"), commitmentEvent(c01(), 1), commitmentEvent(c02(), 1))
	get(t, s, "C02.2.1")

	// C02 dropped from the plan at version 2; C01 is re-sent.
	apply(t, s, planEvent(2, "C01"), commitmentEvent(c01(), 2))
	gone(t, s, "C02.2")
	gone(t, s, "C02.2.1")
	if it := get(t, s, "C01.1.1"); it.Version != 2 {
		t.Errorf("C01.1.1 = %+v, want kept at version 2", it)
	}

	// A redelivered older plan event does not bring C02 back, nor remove C01.
	apply(t, s, planEvent(1, "C02"))
	gone(t, s, "C02.2.1")
	get(t, s, "C01.1.1")

	// C02 comes back in a later import.
	apply(t, s, planEvent(3, "C01", "C02"), commitmentEvent(c02(), 3))
	if it := get(t, s, "C02.2.1"); it.Version != 3 || it.Removed {
		t.Errorf("C02.2.1 after it came back = %+v", it)
	}
}

func TestAnItemDroppedFromItsCommitmentIsRemoved(t *testing.T) {
	s := New(newDB(t))
	apply(t, s, planEvent(1, "C01"), commitmentEvent(c01(), 1))

	v2 := c01()
	v2.Milestones[0].Indicators = v2.Milestones[0].Indicators[:1] // C01.1.2 dropped
	v2.Milestones = v2.Milestones[:1]                             // C01.5 and its indicators dropped
	apply(t, s, planEvent(2, "C01"), commitmentEvent(v2, 2))
	for _, code := range []string{"C01.1.2", "C01.5", "C01.5.1", "C01.5.2"} {
		gone(t, s, code)
	}
	get(t, s, "C01.1.1")
	get(t, s, "C01.1")

	// Redelivering version 1 does not bring them back.
	apply(t, s, commitmentEvent(c01(), 1))
	gone(t, s, "C01.1.2")

	// Re-added later, they are items again.
	apply(t, s, commitmentEvent(c01(), 3))
	if it := get(t, s, "C01.1.2"); it.Version != 3 {
		t.Errorf("C01.1.2 after it came back = %+v", it)
	}
}

func TestAnItemMovedToAnotherCommitmentStaysAnItem(t *testing.T) {
	s := New(newDB(t))
	apply(t, s, planEvent(1, "C01", "C02"), commitmentEvent(c01(), 1), commitmentEvent(c02(), 1))

	// C01.5.2 moves from C01 to C02; the commitments service sends C01 then C02.
	from, to := c01(), c02()
	moved := from.Milestones[1].Indicators[1]
	from.Milestones[1].Indicators = from.Milestones[1].Indicators[:1]
	to.Milestones[0].Indicators = append(to.Milestones[0].Indicators, moved)
	apply(t, s, planEvent(2, "C01", "C02"), commitmentEvent(from, 2), commitmentEvent(to, 2))

	it := get(t, s, "C01.5.2")
	if it.Commitment != "C02" || it.Version != 2 {
		t.Errorf("moved item = %+v, want it under C02 at version 2", it)
	}
	// Redelivering C01 does not remove it from C02.
	apply(t, s, commitmentEvent(from, 2))
	get(t, s, "C01.5.2")

	// C02 is dropped from the plan and its indicator moves to C01: the plan
	// event (sent first) removes C02's items, C01's event brings it back.
	from2 := c01()
	from2.Milestones[0].Indicators = append(from2.Milestones[0].Indicators, c02().Milestones[0].Indicators[0])
	apply(t, s, planEvent(3, "C01"), commitmentEvent(from2, 3))
	if it := get(t, s, "C02.2.1"); it.Commitment != "C01" || it.Version != 3 {
		t.Errorf("indicator moved out of a dropped commitment = %+v, want it under C01", it)
	}
	gone(t, s, "C02.2")
}

func TestOtherEventsAreIgnored(t *testing.T) {
	s := New(newDB(t))
	env := stream.NewEnvelope(context.Background(), "updates", "updates.update.changed", "01U", 1)
	env.Body = &eventsv1.Envelope_UpdateChanged{UpdateChanged: &eventsv1.UpdateChanged{UpdateId: "01U", PlanId: plan, ItemCode: "C01.1.1"}}
	apply(t, s, env, &eventsv1.Envelope{})
	if n := len(snapshot(t, s)); n != 0 {
		t.Errorf("an update event created %d items", n)
	}
}
