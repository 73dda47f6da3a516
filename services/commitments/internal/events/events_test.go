package events

import (
	"context"
	"os"
	"testing"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/commitments/internal/catalog"
	"github.com/kept-ogp/kept/services/commitments/internal/planfile"
)

func canada(t *testing.T) catalog.Plan {
	t.Helper()
	f, err := os.Open("../../testdata/canada-nap6-2025-2029.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pf, err := planfile.ParseCSV(f, planfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return catalog.FromFile(pf)
}

func TestForPlanDescribesTheWholePlan(t *testing.T) {
	envs := ForPlan(context.Background(), canada(t), 3, 7)
	if len(envs) != 5 {
		t.Fatalf("%d events, want the plan and its 4 commitments", len(envs))
	}
	ids := map[string]bool{}
	for _, e := range envs {
		if e.GetProducer() != Producer || e.GetAggregateVersion() != 7 || e.GetId() == "" || e.GetTime() == nil {
			t.Errorf("envelope %s: producer %q version %d id %q", e.GetAggregateId(), e.GetProducer(), e.GetAggregateVersion(), e.GetId())
		}
		if ids[e.GetId()] {
			t.Errorf("duplicate event id %s", e.GetId())
		}
		ids[e.GetId()] = true
	}
	pu := envs[0].GetPlanUpserted()
	if envs[0].GetType() != TypePlanUpserted || pu.GetPlanId() != "ca-nap6" || pu.GetRevision() != 3 || pu.GetStart() != "2025-01" || pu.GetEnd() != "2029-12" {
		t.Errorf("plan event = %s %+v", envs[0].GetType(), pu)
	}
	if pu.GetTitle().GetValues()["fr"] == "" || len(pu.GetLanguages()) != 2 {
		t.Errorf("plan event lost a language: %v %v", pu.GetTitle().GetValues(), pu.GetLanguages())
	}

	c04 := envs[4]
	if c04.GetType() != TypeCommitUpserted || c04.GetAggregateId() != "ca-nap6/C04" {
		t.Fatalf("last event = %s %s", c04.GetType(), c04.GetAggregateId())
	}
	cu := c04.GetCommitmentUpserted()
	if cu.GetPlanId() != "ca-nap6" || cu.GetRevision() != 3 || len(cu.GetMilestones()) != 5 {
		t.Fatalf("C04 event = plan %q revision %d with %d milestones", cu.GetPlanId(), cu.GetRevision(), len(cu.GetMilestones()))
	}
	m := cu.GetMilestones()[2] // C04.3
	if m.GetCode() != "C04.3" || len(m.GetIndicators()) != 4 {
		t.Fatalf("milestone %s with %d indicators", m.GetCode(), len(m.GetIndicators()))
	}
	rec, unread := m.GetIndicators()[0], m.GetIndicators()[2]
	if rec.GetDeadline().GetKind() != eventsv1.Deadline_KIND_RECURRING || rec.GetDeadline().GetUntilYear() != 2029 {
		t.Errorf("C04.3.1 deadline = %+v, want recurring until 2029", rec.GetDeadline())
	}
	if unread.GetDeadline().GetKind() != eventsv1.Deadline_KIND_UNREADABLE || unread.GetDeadline().GetDueDate() != "" {
		t.Errorf("C04.3.3 deadline = %+v, want unreadable", unread.GetDeadline())
	}
	if o := unread.GetLeadOrgs(); len(o) != 1 || o[0].GetCode() != "jus" || o[0].GetName().GetValues()["en"] != "Department of Justice Canada" {
		t.Errorf("C04.3.3 lead = %+v", o)
	}
	c01 := envs[1].GetCommitmentUpserted()
	d := c01.GetMilestones()[0].GetIndicators()[0].GetDeadline() // C01.1.1 "Fall 2027"
	if d.GetKind() != eventsv1.Deadline_KIND_DATE || d.GetDueDate() != "2027-12-31" || d.GetPrecision() != eventsv1.Deadline_PRECISION_SEASON || d.GetOriginal().GetValues()["en"] != "Fall 2027" {
		t.Errorf("C01.1.1 deadline = %+v", d)
	}
}

func TestForPlanCarriesAManualDeadline(t *testing.T) {
	p := canada(t)
	p.SetDeadline("C04.3.3", catalog.Deadline{Original: catalog.Text{"en": "w"}, Kind: "date", Due: "2027-03-31", Precision: "day", Source: "manual", Note: "Set by the point of contact."})
	d := ForPlan(context.Background(), p, 1, 2)[4].GetCommitmentUpserted().GetMilestones()[2].GetIndicators()[2].GetDeadline()
	if d.GetKind() != eventsv1.Deadline_KIND_DATE || d.GetDueDate() != "2027-03-31" || d.GetPrecision() != eventsv1.Deadline_PRECISION_DAY || d.GetSource() != "manual" || d.GetNote() == "" {
		t.Errorf("manual deadline in the event = %+v", d)
	}
}
