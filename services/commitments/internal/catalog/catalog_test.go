package catalog

import (
	"os"
	"strings"
	"testing"

	"github.com/kept-ogp/kept/services/commitments/internal/planfile"
)

func canada(t *testing.T) Plan {
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
	return FromFile(pf)
}

func TestFromFileKeepsTheRealPlan(t *testing.T) {
	p := canada(t)
	if p.ID != "ca-nap6" || p.Start != "2025-01" || p.End != "2029-12" || strings.Join(p.Languages, ",") != "en,fr" {
		t.Errorf("plan = %s %s..%s %v", p.ID, p.Start, p.End, p.Languages)
	}
	if got, want := p.Count(), (Counts{Commitments: 4, Milestones: 19, Indicators: 65, NeedsDate: 4}); got != want {
		t.Errorf("Count = %+v, want %+v", got, want)
	}
	it, ok := p.Find("C01.1.1")
	if !ok || it.Level != "indicator" || it.Commitment != "C01" || it.Milestone != "C01.1" {
		t.Fatalf("Find C01.1.1 = %+v, %v", it, ok)
	}
	if it.Deadline.Original["en"] != "Fall 2027" || it.Deadline.Original["fr"] != "Automne 2027" || it.Deadline.Kind != "date" || it.Deadline.Due != "2027-12-31" {
		t.Errorf("C01.1.1 deadline = %+v", it.Deadline)
	}
	if len(it.LeadOrgs) != 1 || it.LeadOrgs[0].Code != "rcmp-grc" || it.LeadOrgs[0].Name["fr"] != "Gendarmerie royale du Canada" {
		t.Errorf("C01.1.1 lead = %+v", it.LeadOrgs)
	}
	if un, _ := p.Find("C04.3.3"); !un.Deadline.NeedsDate || un.Deadline.Kind != "unreadable" {
		t.Errorf("C04.3.3 deadline = %+v, want unreadable and needing a date", un.Deadline)
	}
	if rec, _ := p.Find("C04.3.1"); rec.Deadline.NeedsDate || rec.Deadline.Kind != "recurring" {
		t.Errorf("C04.3.1 (Biannually until 2029) = %+v, want recurring without a date to set", rec.Deadline)
	}
	m, ok := p.Find("C01.5")
	if !ok || m.Level != "milestone" || len(m.Indicators) != 1 || len(m.LeadOrgs) != 2 {
		t.Errorf("Find C01.5 = %+v", m)
	}
	if _, ok := p.Find("C01"); ok {
		t.Error("Find returned a commitment; it finds milestones and indicators only")
	}
	if c, ok := p.Commitment("C03"); !ok || len(c.Milestones) != 4 {
		t.Errorf("Commitment C03 = %d milestones, %v", len(c.Milestones), ok)
	}
	if _, ok := p.Commitment("C05"); ok {
		t.Error("Commitment C05 found")
	}
}

func TestSetDeadlineChangesOneItem(t *testing.T) {
	p := canada(t)
	d := Deadline{Original: Text{"en": "x"}, Kind: "date", Due: "2027-03-31", Source: "manual"}
	if !p.SetDeadline("C04.3.3", d) {
		t.Fatal("SetDeadline C04.3.3 = false")
	}
	if got, _ := p.Find("C04.3.3"); got.Deadline.Due != "2027-03-31" || got.Deadline.Source != "manual" {
		t.Errorf("C04.3.3 = %+v", got.Deadline)
	}
	if got, _ := p.Find("C04.3.4"); got.Deadline.Source == "manual" {
		t.Error("SetDeadline changed a sibling")
	}
	if p.Count().NeedsDate != 3 {
		t.Errorf("deadlines to set = %d, want 3", p.Count().NeedsDate)
	}
	if !p.SetDeadline("C02.2", d) {
		t.Error("SetDeadline on a milestone = false")
	}
	if p.SetDeadline("C09.1", d) {
		t.Error("SetDeadline on an unknown code = true")
	}
}

func TestOrganisationsOncePerCodeInPlanOrder(t *testing.T) {
	var codes []string
	for _, o := range canada(t).Organisations() {
		codes = append(codes, o.Code)
	}
	want := "rcmp-grc,tbs-sct,pwgsc-tpsgc,hc-sc,isc-sac,vac-acc,pch,lac-bac,jus"
	if strings.Join(codes, ",") != want {
		t.Errorf("organisations = %v, want %s", codes, want)
	}
}
