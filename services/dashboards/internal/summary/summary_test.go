package summary

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kept-ogp/kept/services/dashboards/internal/rag"
	"github.com/kept-ogp/kept/services/dashboards/internal/readmodel"
)

// today is the fixed day every summary here is worked out for.
var today = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)

func due(d string) readmodel.Deadline {
	return readmodel.Deadline{Original: readmodel.Text{"en": "By " + d, "fr": "D'ici " + d}, Kind: "date", Due: d}
}

var (
	ongoing    = readmodel.Deadline{Original: readmodel.Text{"en": "Ongoing"}, Kind: "recurring"}
	unreadable = readmodel.Deadline{Original: readmodel.Text{"en": "Feedback will be compiled..."}, Kind: "unreadable"}
)

func ind(code string, d readmodel.Deadline) readmodel.Indicator {
	return readmodel.Indicator{Code: code, Title: readmodel.Text{"en": "Indicator " + code}, Deadline: d, LeadOrgs: []string{"rcmp-grc"}}
}

func ms(code string, d readmodel.Deadline, inds ...readmodel.Indicator) readmodel.Milestone {
	return readmodel.Milestone{Code: code, Title: readmodel.Text{"en": "Milestone " + code}, Deadline: d, LeadOrgs: []string{"rcmp-grc"}, Indicators: inds}
}

// snapshot is a hand-built plan that hits every rule of RULES.md:
//
//	C01 (amber)  C01.1: C01.1.1 red overdue, C01.1.2 green complete (late),
//	                    C01.1.3 amber due today, C01.1.4 green due today   -> amber (1 red of 4)
//	             C01.2: C01.2.1 amber due in 90 days, C01.2.2 grey due in 91 days,
//	                    C01.2.3 grey recurring, C01.2.4 amber recurring limited,
//	                    C01.2.5 green recurring substantial                -> amber
//	             C01.3 (no indicators) amber disputed                      -> amber
//	C02 (red)    C02.1: two red (one disputed), one unknown status, one unreadable -> red (2 of 4)
//	             C02.2: C02.2.1 green complete                             -> green
//	             C02.3 (no indicators) grey not reported                   -> grey
//	C03 (green)  C03.1 (no indicators, unreadable words) green on track; C03.2 all grey -> green
//	C04 (grey)   no milestones                                             -> grey
func snapshot() *readmodel.Snapshot {
	cs := []readmodel.Commitment{
		{Plan: "ca-nap6", Code: "C01", Title: readmodel.Text{"en": "Participation", "fr": "Participation"}, Milestones: []readmodel.Milestone{
			ms("C01.1", due("2028-12-31"),
				ind("C01.1.1", due("2026-06-30")), ind("C01.1.2", due("2026-06-30")),
				ind("C01.1.3", due("2026-07-01")), ind("C01.1.4", due("2026-07-01"))),
			ms("C01.2", ongoing,
				ind("C01.2.1", due("2026-09-29")), ind("C01.2.2", due("2026-09-30")),
				ind("C01.2.3", ongoing), ind("C01.2.4", ongoing), ind("C01.2.5", ongoing)),
			ms("C01.3", due("2027-12-31")),
		}},
		{Plan: "ca-nap6", Code: "C02", Title: readmodel.Text{"en": "Open data"}, Milestones: []readmodel.Milestone{
			ms("C02.1", due("2028-01-01"),
				ind("C02.1.1", due("2025-09-30")), ind("C02.1.2", due("2026-06-30")),
				ind("C02.1.3", due("2028-01-01")), ind("C02.1.4", unreadable)),
			ms("C02.2", due("2026-08-15"), ind("C02.2.1", due("2026-08-15"))),
			ms("C02.3", due("2028-06-30")),
		}},
		{Plan: "ca-nap6", Code: "C03", Title: readmodel.Text{"en": "Pay"}, Milestones: []readmodel.Milestone{
			ms("C03.1", unreadable),
			ms("C03.2", ongoing, ind("C03.2.1", ongoing), ind("C03.2.2", due("2029-12-31"))),
		}},
		{Plan: "ca-nap6", Code: "C04", Title: readmodel.Text{"en": "Justice"}, Milestones: []readmodel.Milestone{}},
	}
	pub := time.Date(2026, 6, 20, 12, 0, 0, 0, time.UTC)
	st := map[string]readmodel.Status{}
	set := func(item, status, state string, days int) {
		st[item] = readmodel.Status{Item: item, UpdateID: "U-" + item, Period: "2026-06", Status: status, State: state,
			PublishedAt: pub.AddDate(0, 0, days)}
	}
	set("C01.1.1", rag.Limited, "agreed", 0)
	set("C01.1.2", rag.Complete, "agreed", 1)
	set("C01.1.3", rag.NotStarted, "agreed", 0)
	set("C01.1.4", rag.Substantial, "agreed", 0)
	set("C01.2.4", rag.Limited, "agreed", 0)
	set("C01.2.5", rag.Substantial, "agreed", 0)
	set("C01.3", rag.Substantial, "disputed", 5) // the newest update of C01
	set("C02.1.2", rag.Limited, "disputed", 2)
	set("C02.1.3", "done", "agreed", 0) // a status Kept does not know
	set("C02.2.1", rag.Complete, "agreed", 3)
	set("C03.1", rag.Substantial, "agreed", 4)
	return &readmodel.Snapshot{
		Plan: readmodel.Plan{ID: "ca-nap6", Title: readmodel.Text{"en": "Canada NAP6"}, Start: "2025-01", End: "2029-12",
			Languages: []string{"en", "fr"}, Commitments: []string{"C01", "C02", "C03", "C04"}},
		Commitments: cs, Statuses: st,
	}
}

func light(l rag.Light, reason string) Light { return Light{Light: l, Reason: reason} }

// find returns the view of an item by code in a commitment summary.
func find(t *testing.T, c Commitment, code string) ItemView {
	t.Helper()
	for _, m := range c.Milestones {
		if m.Code == code {
			return m
		}
		for _, i := range m.Children {
			if i.Code == code {
				return i
			}
		}
	}
	t.Fatalf("no item %s in %s", code, c.Code)
	return ItemView{}
}

func TestLightsAtEveryLevel(t *testing.T) {
	snap := snapshot()
	p := ForPlan(snap, today, rag.Rules{})
	byCode := map[string]Commitment{}
	for _, c := range p.Commitments {
		byCode[c.Code] = c
	}
	items := map[string]Light{
		"C01.1.1": light(rag.Red, rag.ReasonOverdue),
		"C01.1.2": light(rag.Green, rag.ReasonComplete),
		"C01.1.3": light(rag.Amber, rag.ReasonDueSoonLowProgress),
		"C01.1.4": light(rag.Green, rag.ReasonOnTrack),
		"C01.2.1": light(rag.Amber, rag.ReasonDueSoonLowProgress),
		"C01.2.2": light(rag.Grey, rag.ReasonNotReported),
		"C01.2.3": light(rag.Grey, rag.ReasonRecurringNotReported),
		"C01.2.4": light(rag.Amber, rag.ReasonRecurringLowProgress),
		"C01.2.5": light(rag.Green, rag.ReasonRecurringReported),
		"C01.3":   light(rag.Amber, rag.ReasonDisputed),
		"C02.1.1": light(rag.Red, rag.ReasonOverdue),
		"C02.1.2": light(rag.Red, rag.ReasonOverdue), // late beats disputed
		"C02.1.3": light(rag.Grey, rag.ReasonNotReported),
		"C02.1.4": light(rag.Grey, rag.ReasonNotReported),
		"C02.2.1": light(rag.Green, rag.ReasonComplete),
		"C02.3":   light(rag.Grey, rag.ReasonNotReported),
		"C03.1":   light(rag.Green, rag.ReasonOnTrack),
		"C03.2.1": light(rag.Grey, rag.ReasonRecurringNotReported),
		"C03.2.2": light(rag.Grey, rag.ReasonNotReported),
	}
	for code, want := range items {
		c := byCode[code[:3]]
		if got := find(t, c, code).Light; got != want {
			t.Errorf("%s light = %+v, want %+v", code, got, want)
		}
	}
	milestones := map[string]Light{
		"C01.1": light(rag.Amber, rag.ReasonRollupAmber), // 1 red of 4 is not more than a quarter
		"C01.2": light(rag.Amber, rag.ReasonRollupAmber),
		"C02.1": light(rag.Red, rag.ReasonRollupRed), // 2 red of 4
		"C02.2": light(rag.Green, rag.ReasonRollupGreen),
		"C03.2": light(rag.Grey, rag.ReasonRollupGrey),
	}
	for code, want := range milestones {
		if got := find(t, byCode[code[:3]], code).Light; got != want {
			t.Errorf("milestone %s light = %+v, want %+v", code, got, want)
		}
	}
	commitments := map[string]Light{
		"C01": light(rag.Amber, rag.ReasonRollupAmber),
		"C02": light(rag.Red, rag.ReasonRollupRed), // 1 red of 3
		"C03": light(rag.Green, rag.ReasonRollupGreen),
		"C04": light(rag.Grey, rag.ReasonRollupEmpty),
	}
	for code, want := range commitments {
		if got := byCode[code].Light; got != want {
			t.Errorf("commitment %s light = %+v, want %+v", code, got, want)
		}
		if got := ForCommitment(snap, commitment(t, snap, code), today, rag.Rules{}).Light; got != want {
			t.Errorf("ForCommitment(%s) light = %+v, want %+v", code, got, want)
		}
	}
	if want := light(rag.Amber, rag.ReasonRollupAmber); p.Light != want {
		t.Errorf("plan light = %+v, want %+v (1 red commitment of 4)", p.Light, want)
	}
	if p.AsOf != "2026-07-01" {
		t.Errorf("as of %s", p.AsOf)
	}
}

func commitment(t *testing.T, s *readmodel.Snapshot, code string) readmodel.Commitment {
	t.Helper()
	for _, c := range s.Commitments {
		if c.Code == code {
			return c
		}
	}
	t.Fatalf("no commitment %s", code)
	return readmodel.Commitment{}
}

func TestPlanLightRollsUpCommitments(t *testing.T) {
	snap := snapshot()
	// Drop C01 and C03: C02 red, C04 grey -> 1 red of 2 is more than a quarter.
	snap.Commitments = []readmodel.Commitment{snap.Commitments[1], snap.Commitments[3]}
	if got := ForPlan(snap, today, rag.Rules{}).Light; got != light(rag.Red, rag.ReasonRollupRed) {
		t.Errorf("plan light = %+v, want red", got)
	}
	snap.Commitments = nil
	p := ForPlan(snap, today, rag.Rules{})
	if p.Light != light(rag.Grey, rag.ReasonRollupEmpty) || p.Counts.Total != 0 || p.PercentComplete != 0 || p.Commitments == nil || p.NextDeadlines == nil {
		t.Errorf("empty plan = %+v", p)
	}
	b, _ := json.Marshal(p)
	if !strings.Contains(string(b), `"commitments":[]`) || !strings.Contains(string(b), `"next_deadlines":[]`) {
		t.Errorf("empty plan encodes lists as null: %s", b)
	}
}

func TestDueSoonWindowIsConfigurable(t *testing.T) {
	snap := snapshot()
	c := ForCommitment(snap, snap.Commitments[0], today, rag.Rules{DueSoon: 30 * 24 * time.Hour})
	if got := find(t, c, "C01.2.1").Light; got != light(rag.Grey, rag.ReasonNotReported) {
		t.Errorf("90 days away with a 30-day window = %+v, want grey", got)
	}
}

func TestTodayIsACalendarDayInTheDeploymentsZone(t *testing.T) {
	// Midnight in Vancouver is already 07:00 UTC: the due day is still today.
	zone := time.FixedZone("PDT", -7*3600)
	snap := snapshot()
	c := ForCommitment(snap, snap.Commitments[0], time.Date(2026, 7, 1, 0, 0, 0, 0, zone), rag.Rules{})
	if got := find(t, c, "C01.1.3").Light; got != light(rag.Amber, rag.ReasonDueSoonLowProgress) {
		t.Errorf("due today in the deployment's zone = %+v, want amber (not late)", got)
	}
	c = ForCommitment(snap, snap.Commitments[0], time.Date(2026, 7, 2, 0, 0, 0, 0, zone), rag.Rules{})
	if got := find(t, c, "C01.1.3").Light; got != light(rag.Red, rag.ReasonOverdue) {
		t.Errorf("due yesterday = %+v, want red", got)
	}
}

func TestCountsAndPercentComplete(t *testing.T) {
	snap := snapshot()
	p := ForPlan(snap, today, rag.Rules{})
	var c01, c02, c03, c04 Commitment
	for _, c := range p.Commitments {
		switch c.Code {
		case "C01":
			c01 = c
		case "C02":
			c02 = c
		case "C03":
			c03 = c
		case "C04":
			c04 = c
		}
	}
	check := func(name string, got Counts, total int, lights map[rag.Light]int, statuses map[string]int) {
		t.Helper()
		if got.Total != total {
			t.Errorf("%s total = %d, want %d", name, got.Total, total)
		}
		for l, n := range lights {
			if got.ByLight[l] != n {
				t.Errorf("%s %s = %d, want %d", name, l, got.ByLight[l], n)
			}
		}
		for s, n := range statuses {
			if got.ByStatus[s] != n {
				t.Errorf("%s %s = %d, want %d", name, s, got.ByStatus[s], n)
			}
		}
	}
	// C01 counts its 9 indicators and C01.3, which has none.
	check("C01", c01.Counts, 10,
		map[rag.Light]int{rag.Red: 1, rag.Amber: 4, rag.Green: 3, rag.Grey: 2},
		map[string]int{"not_reported": 3, rag.NotStarted: 1, rag.Limited: 2, rag.Substantial: 3, rag.Complete: 1})
	if c01.PercentComplete != 10 {
		t.Errorf("C01 percent complete = %d, want 10 (1 of 10)", c01.PercentComplete)
	}
	// C02: the unknown status "done" is not counted as complete.
	check("C02", c02.Counts, 6,
		map[rag.Light]int{rag.Red: 2, rag.Amber: 0, rag.Green: 1, rag.Grey: 3},
		map[string]int{"not_reported": 3, rag.Limited: 1, rag.Complete: 1})
	if c02.PercentComplete != 16 {
		t.Errorf("C02 percent complete = %d, want 16 (1 of 6, rounded down)", c02.PercentComplete)
	}
	check("C03", c03.Counts, 3, map[rag.Light]int{rag.Green: 1, rag.Grey: 2}, map[string]int{rag.Substantial: 1, "not_reported": 2})
	check("C04", c04.Counts, 0, map[rag.Light]int{rag.Green: 0, rag.Amber: 0, rag.Red: 0, rag.Grey: 0}, map[string]int{"not_reported": 0, rag.Complete: 0})
	check("plan", p.Counts, 19,
		map[rag.Light]int{rag.Red: 3, rag.Amber: 4, rag.Green: 5, rag.Grey: 7},
		map[string]int{"not_reported": 8, rag.NotStarted: 1, rag.Limited: 3, rag.Substantial: 4, rag.Complete: 2})
	if p.PercentComplete != 10 {
		t.Errorf("plan percent complete = %d, want 10 (2 of 19, rounded down)", p.PercentComplete)
	}
	// Every light and level is present, so a widget can show zero rows.
	for _, l := range []rag.Light{rag.Green, rag.Amber, rag.Red, rag.Grey} {
		if _, ok := c04.Counts.ByLight[l]; !ok {
			t.Errorf("empty counts lack %s", l)
		}
	}

	// Percent counts finest-level items, not statuses: C03 has one status for three items.
	for code, st := range snap.Statuses {
		st.Status, st.State = rag.Complete, "agreed"
		snap.Statuses[code] = st
	}
	if got := ForCommitment(snap, snap.Commitments[2], today, rag.Rules{}).PercentComplete; got != 33 {
		t.Errorf("C03 with 1 of 3 complete = %d, want 33", got)
	}
	for _, c := range []string{"C03.2.1", "C03.2.2"} {
		snap.Statuses[c] = readmodel.Status{Item: c, Status: rag.Complete, State: "agreed"}
	}
	if got := ForCommitment(snap, snap.Commitments[2], today, rag.Rules{}).PercentComplete; got != 100 {
		t.Errorf("C03 all complete = %d, want 100", got)
	}
}

func TestDisputedItemsAreCountedAndShown(t *testing.T) {
	snap := snapshot()
	p := ForPlan(snap, today, rag.Rules{})
	want := map[string]int{"C01": 1, "C02": 1, "C03": 0, "C04": 0}
	for _, c := range p.Commitments {
		if c.Disputed != want[c.Code] {
			t.Errorf("%s disputed = %d, want %d", c.Code, c.Disputed, want[c.Code])
		}
	}
	c01 := p.Commitments[0]
	v := find(t, c01, "C01.3")
	if !v.Disputed || v.Status != rag.Substantial || v.Latest == nil || v.Latest.UpdateID != "U-C01.3" {
		t.Errorf("C01.3 view = %+v", v)
	}
	if v := find(t, c01, "C01.2.1"); v.Disputed || v.Latest != nil || v.Status != "" {
		t.Errorf("unreported C01.2.1 view = %+v", v)
	}
	// A disputed claim of completion is amber, not green.
	snap.Statuses["C02.2.1"] = readmodel.Status{Item: "C02.2.1", Status: rag.Complete, State: "disputed", Period: "2026-06"}
	c02 := ForCommitment(snap, snap.Commitments[1], today, rag.Rules{})
	if got := find(t, c02, "C02.2.1").Light; got != light(rag.Amber, rag.ReasonDisputed) {
		t.Errorf("disputed completion = %+v, want amber", got)
	}
	if c02.Disputed != 2 {
		t.Errorf("C02 disputed = %d, want 2", c02.Disputed)
	}
}

func TestNextDeadlines(t *testing.T) {
	snap := snapshot()
	p := ForPlan(snap, today, rag.Rules{})
	var got []string
	for _, d := range p.NextDeadlines {
		got = append(got, d.Code+"@"+d.Due)
	}
	// Sorted by date then code, across commitments, past ones and those agreed
	// complete (C02.2.1) left out, at most 5.
	want := "C01.1.3@2026-07-01 C01.1.4@2026-07-01 C01.2.1@2026-09-29 C01.2.2@2026-09-30 C01.3@2027-12-31"
	if strings.Join(got, " ") != want {
		t.Errorf("plan next deadlines = %v\nwant %s", got, want)
	}
	if d := p.NextDeadlines[0]; d.Title["en"] != "Indicator C01.1.3" || d.Words["en"] != "By 2026-07-01" {
		t.Errorf("deadline carries %+v", d)
	}

	c02 := ForCommitment(snap, snap.Commitments[1], today, rag.Rules{})
	got = nil
	for _, d := range c02.NextDeadlines {
		got = append(got, d.Code)
	}
	// C02.1.1 and C02.1.2 are past; C02.1.4 has no date; C02.2.1 is agreed
	// complete; milestones with indicators are not listed themselves.
	if strings.Join(got, " ") != "C02.1.3 C02.3" {
		t.Errorf("C02 next deadlines = %v", got)
	}
	if n := len(ForCommitment(snap, snap.Commitments[3], today, rag.Rules{}).NextDeadlines); n != 0 {
		t.Errorf("C04 has %d deadlines", n)
	}
	// A year later everything in C01 but C01.3 is past.
	c01 := ForCommitment(snap, snap.Commitments[0], today.AddDate(1, 0, 0), rag.Rules{})
	if len(c01.NextDeadlines) != 1 || c01.NextDeadlines[0].Code != "C01.3" {
		t.Errorf("C01 next deadlines a year later = %+v", c01.NextDeadlines)
	}
	// Approximate dates say so.
	snap.Commitments[0].Milestones[2].Deadline.Approximate = true
	c01 = ForCommitment(snap, snap.Commitments[0], today, rag.Rules{})
	for _, d := range c01.NextDeadlines {
		if d.Code == "C01.3" && !d.Approximate {
			t.Error("approximate deadline lost its flag")
		}
	}
}

func TestLastUpdate(t *testing.T) {
	snap := snapshot()
	p := ForPlan(snap, today, rag.Rules{})
	want := time.Date(2026, 6, 25, 12, 0, 0, 0, time.UTC) // C01.3, the newest
	if p.LastUpdate == nil || !p.LastUpdate.Equal(want) {
		t.Errorf("plan last update = %v, want %v", p.LastUpdate, want)
	}
	if c := p.Commitments[2]; c.LastUpdate == nil || !c.LastUpdate.Equal(time.Date(2026, 6, 24, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("C03 last update = %v", c.LastUpdate)
	}
	if c := p.Commitments[3]; c.LastUpdate != nil {
		t.Errorf("C04 without updates has last update %v", c.LastUpdate)
	}
}

func TestSameSnapshotSameSummary(t *testing.T) {
	a, _ := json.Marshal(ForPlan(snapshot(), today, rag.Rules{}))
	b, _ := json.Marshal(ForPlan(snapshot(), today, rag.Rules{}))
	if string(a) != string(b) {
		t.Error("the same snapshot gave two different summaries")
	}
}
