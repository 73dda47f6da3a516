package report_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/devenv/ferrettest"
	"github.com/kept-ogp/kept/services/reporting/internal/fixture"
	"github.com/kept-ogp/kept/services/reporting/internal/periods"
	"github.com/kept-ogp/kept/services/reporting/internal/readmodel"
	"github.com/kept-ogp/kept/services/reporting/internal/report"
)

var fdb *ferrettest.Server

func TestMain(m *testing.M) { os.Exit(ferrettest.Run(m, &fdb)) }

var taipei = mustZone("Asia/Taipei")

func mustZone(n string) *time.Location {
	l, err := time.LoadLocation(n)
	if err != nil {
		panic(err)
	}
	return l
}

func tp(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, taipei)
}

func en(s string) map[string]string { return map[string]string{"en": s, "fr": s + " (fr)"} }

// canada loads Canada's real plan, with updates and questions, through the
// read model on FerretDB.
func canada(t *testing.T) *readmodel.Snapshot {
	t.Helper()
	ctx := context.Background()
	f, err := os.Open("../../testdata/canada-nap6-2025-2029.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	evs, err := fixture.CanadaPlan(f)
	if err != nil {
		t.Fatal(err)
	}
	up := func(u fixture.Update) *eventsv1.Envelope {
		u.Plan = "ca-nap6"
		if u.Commitment == "" {
			u.Commitment = u.Item[:3]
		}
		if u.Agency == "" {
			u.Agency = "rcmp-grc"
		}
		if u.Posted.IsZero() {
			u.Posted = u.Government.Add(-24 * time.Hour)
		}
		return u.Event()
	}
	evs = append(evs,
		// Two agreed updates on one indicator: the later agreement wins.
		up(fixture.Update{ID: "U1", Item: "C01.1.1", Period: "2026-06", Status: "limited", State: "agreed", Version: 3,
			Progress: en("Strategic plan drafted."), Government: tp(2026, 3, 10, 10, 0), CivilSociety: tp(2026, 3, 12, 10, 0)}),
		up(fixture.Update{ID: "U2", Item: "C01.1.1", Period: "2026-06", Status: "substantial", State: "agreed", Version: 3,
			Progress: en("Forum terms of reference approved."), NextSteps: en("Hold the first forum meeting."),
			DelayReason: en("Recruiting members took longer."), Evidence: []string{"https://rcmp.example/tor"},
			Government: tp(2026, 5, 20, 10, 0), CivilSociety: tp(2026, 5, 21, 9, 0)}),
		// Disputed by civil society.
		up(fixture.Update{ID: "U3", Item: "C01.1.2", Period: "2026-06", Status: "complete", State: "disputed", Version: 3,
			Progress: en("Forum launched."), Government: tp(2026, 4, 1, 10, 0), CivilSociety: tp(2026, 4, 2, 10, 0),
			DisputeReason: en("The forum has not met yet.")}),
		// A draft: never used.
		up(fixture.Update{ID: "U4", Item: "C01.1.3", Period: "2026-06", Status: "complete", State: "draft", Version: 1,
			Progress: en("DRAFT-TEXT-NEVER-SHOWN"), Government: tp(2026, 4, 1, 10, 0)}),
		// Agreed at 23:30 in Taipei on 30 June: January–June.
		up(fixture.Update{ID: "U5", Item: "C02.1.1", Period: "2026-06", Status: "complete", State: "agreed", Version: 2, Agency: "rcmp-grc",
			Progress: en("Published."), Government: tp(2026, 6, 29, 10, 0), CivilSociety: tp(2026, 6, 30, 23, 30)}),
		// Agreed ten minutes after local midnight: July–December, though
		// the agency reported it for 2026-06 and it is still 30 June in UTC.
		up(fixture.Update{ID: "U6", Item: "C02.1.2", Period: "2026-06", Status: "complete", State: "agreed", Version: 2,
			Progress: en("Late agreement."), Government: tp(2026, 6, 29, 10, 0), CivilSociety: tp(2026, 7, 1, 0, 10)}),
		// Agreed in the previous period only.
		up(fixture.Update{ID: "U7", Item: "C03.1.1", Period: "2025-12", Status: "limited", State: "agreed", Version: 2,
			Progress: en("Started."), Government: tp(2025, 10, 1, 10, 0), CivilSociety: tp(2025, 10, 2, 10, 0)}),
	)
	q := func(q fixture.Question) *eventsv1.Envelope {
		q.Plan, q.Version = "ca-nap6", 5
		if q.Commitment == "" {
			q.Commitment = "C01"
		}
		return q.Event()
	}
	evs = append(evs,
		// Asked and answered on Saturday 27 June; the qa clock had not
		// started, and said -1 days and late: on time, 0 days.
		q(fixture.Question{ID: "Q1", Agency: "rcmp-grc", Status: "answered", Asked: tp(2026, 6, 27, 10, 0),
			Answered: tp(2026, 6, 27, 15, 0), Due: tp(2026, 7, 24, 23, 59), DueDay: "2026-07-24", DaysTaken: -1}),
		// Answered at 23:30 Taipei on 30 June, on time.
		q(fixture.Question{ID: "Q2", Agency: "rcmp-grc", Status: "answered", Asked: tp(2026, 6, 10, 9, 0),
			Answered: tp(2026, 6, 30, 23, 30), Due: tp(2026, 7, 8, 23, 59), DueDay: "2026-07-08", OnTime: true, DaysTaken: 14}),
		q(fixture.Question{ID: "Q3", Agency: "pch", Commitment: "C02", Status: "answered", Asked: tp(2026, 2, 2, 9, 0),
			Answered: tp(2026, 4, 1, 9, 0), Due: tp(2026, 3, 2, 23, 59), DueDay: "2026-03-02", DaysTaken: 41}),
		q(fixture.Question{ID: "Q4", Agency: "pch", Commitment: "C02", Status: "open", Asked: tp(2026, 5, 1, 9, 0),
			Due: tp(2026, 5, 29, 23, 59), DueDay: "2026-05-29"}),
		q(fixture.Question{ID: "Q5", Agency: "pch", Commitment: "C02", Status: "open", Asked: tp(2026, 6, 20, 9, 0),
			Due: tp(2026, 7, 17, 23, 59), DueDay: "2026-07-17"}),
		q(fixture.Question{ID: "Q6", Agency: "rcmp-grc", Status: "open", Hidden: true, Asked: tp(2026, 3, 1, 9, 0)}),
		// Answered ten minutes into July: open at the end of June.
		q(fixture.Question{ID: "Q7", Agency: "tbs-sct", Commitment: "C03", Status: "answered", Asked: tp(2026, 6, 25, 9, 0),
			Answered: tp(2026, 7, 1, 0, 10), Due: tp(2026, 7, 23, 23, 59), DueDay: "2026-07-23", OnTime: true, DaysTaken: 4}),
	)
	rm := readmodel.New(fdb.NewDB(t))
	for _, e := range evs {
		if err := rm.Apply(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	// Redelivery changes nothing.
	for _, e := range evs {
		if err := rm.Apply(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	snap, err := rm.Load(ctx, "ca-nap6")
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func findItem(t *testing.T, p report.Progress, code string) report.ItemLine {
	t.Helper()
	for _, c := range p.Commitments {
		for _, it := range c.Items {
			if it.Code == code {
				return it
			}
		}
	}
	t.Fatalf("item %s not in the report", code)
	return report.ItemLine{}
}

func TestCanadaPeriodReport(t *testing.T) {
	snap := canada(t)
	if len(snap.Commitments) != 4 {
		t.Fatalf("commitments = %d, want Canada's 4", len(snap.Commitments))
	}
	if n := len(snap.Updates); n != 6 {
		t.Fatalf("stored update versions = %d, want 6 (the draft dropped, redelivery ignored)", n)
	}
	ps := periods.Default().List(snap.Plan.Start, snap.Plan.End, taipei)
	p, _ := periods.Of(ps, tp(2026, 3, 1, 0, 0))
	if p.ID != "2026-06" || p.Start != "2026-01-01" || p.End != "2026-06-30" {
		t.Fatalf("period = %+v", p)
	}
	now := tp(2026, 7, 10, 12, 0)
	r := report.BuildProgress(snap, p, "en", taipei, now)
	items := 0
	for _, c := range r.Commitments {
		items += len(c.Items)
	}
	if items != 19+65 || r.Counts.Items != 84 {
		t.Fatalf("items = %d (%d), want 19 milestones + 65 indicators", items, r.Counts.Items)
	}

	a := findItem(t, r, "C01.1.1")
	if a.Agreed == nil || a.Agreed.UpdateID != "U2" || a.Agreed.Status != "substantial" {
		t.Fatalf("C01.1.1 latest agreed = %+v, want U2", a.Agreed)
	}
	if a.Agreed.DelayReason != "Recruiting members took longer." || a.Agreed.NextSteps != "Hold the first forum meeting." ||
		len(a.Agreed.Evidence) != 1 || a.Agreed.Evidence[0].URL != "https://rcmp.example/tor" {
		t.Fatalf("C01.1.1 content = %+v", a.Agreed)
	}
	if len(a.Agreed.Agreements) != 2 || a.Agreed.Agreements[0].Side != "civil_society" || a.Agreed.Agreements[1].Side != "government" ||
		!a.Agreed.At.Equal(tp(2026, 5, 21, 9, 0)) {
		t.Fatalf("C01.1.1 provenance = %+v at %s", a.Agreed.Agreements, a.Agreed.At)
	}
	d := findItem(t, r, "C01.1.2")
	if d.Agreed != nil || !d.NoAgreedUpdate || len(d.Disputed) != 1 {
		t.Fatalf("C01.1.2 = %+v, want one disputed update and no agreed one", d)
	}
	if u := d.Disputed[0]; u.UpdateID != "U3" || u.Progress != "Forum launched." || len(u.Disputes) != 1 ||
		u.Disputes[0].Reason != "The forum has not met yet." || len(u.Agreements) != 1 || u.Agreements[0].Side != "government" {
		t.Fatalf("disputed line lacks both positions: %+v", u)
	}
	if dr := findItem(t, r, "C01.1.3"); dr.Agreed != nil || !dr.NoAgreedUpdate || len(dr.Disputed) != 0 {
		t.Fatalf("the draft shows: %+v", dr)
	}
	if e := findItem(t, r, "C02.1.1"); e.Agreed == nil || e.Agreed.UpdateID != "U5" {
		t.Fatalf("agreed at 23:30 Taipei on 30 June is not in 2026-06: %+v", e)
	}
	if l := findItem(t, r, "C02.1.2"); l.Agreed != nil || !l.NoAgreedUpdate {
		t.Fatalf("agreed after local midnight shows in 2026-06: %+v", l.Agreed)
	}
	if m := findItem(t, r, "C03.1.1"); !m.NoAgreedUpdate || m.PreviousAgreed == nil || m.PreviousAgreed.UpdateID != "U7" {
		t.Fatalf("C03.1.1 = %+v, want missing with U7 as previous", m)
	}
	// A milestone whose indicators report is not marked missing.
	if ms := findItem(t, r, "C01.1"); ms.NoAgreedUpdate {
		t.Fatal("milestone C01.1 marked missing though its indicator has an agreed update")
	}
	if ms := findItem(t, r, "C04.1"); !ms.NoAgreedUpdate {
		t.Fatal("milestone C04.1 not marked missing")
	}
	if r.Counts.Agreed != 2 || r.Counts.Disputed != 1 {
		t.Fatalf("counts = %+v", r.Counts)
	}

	p12, _ := periods.Of(ps, tp(2026, 8, 1, 0, 0))
	r12 := report.BuildProgress(snap, p12, "fr", taipei, tp(2027, 1, 10, 0, 0))
	if l := findItem(t, r12, "C02.1.2"); l.Agreed == nil || l.Agreed.UpdateID != "U6" || l.Agreed.ReportedFor != "2026-06" {
		t.Fatalf("U6 not in 2026-12 with its reported period: %+v", l.Agreed)
	}
	if l := findItem(t, r12, "C02.1.2"); l.Agreed.Progress != "Late agreement. (fr)" || l.Agreed.StatusLabel != "Achevé" {
		t.Fatalf("French report text = %q / %q", l.Agreed.Progress, l.Agreed.StatusLabel)
	}

	qa := map[string]report.QAFigures{}
	for _, f := range r.QA {
		qa[f.Agency] = f
	}
	rc := qa["rcmp-grc"]
	if rc.Asked != 2 || rc.AnsweredOnTime != 2 || rc.AnsweredLate != 0 || rc.Hidden != 1 || rc.DaysTaken != 14 {
		t.Fatalf("rcmp-grc = %+v: want Q1 (same Saturday: on time, 0 days) and Q2 (23:30 on 30 June) answered on time", rc)
	}
	pch := qa["pch"]
	if pch.Asked != 3 || pch.AnsweredLate != 1 || pch.Open != 2 || pch.Overdue != 1 {
		t.Fatalf("pch = %+v: want Q3 late, Q4 open and overdue, Q5 open", pch)
	}
	tbs := qa["tbs-sct"]
	if tbs.Asked != 1 || tbs.Open != 1 || tbs.AnsweredOnTime != 0 {
		t.Fatalf("tbs-sct = %+v: the answer ten minutes into July belongs to July–December", tbs)
	}
	if r.QATotal.Asked != 6 || r.QATotal.Hidden != 1 {
		t.Fatalf("total = %+v", r.QATotal)
	}
}

func TestCanadaSAR(t *testing.T) {
	snap := canada(t)
	ps := periods.Default().List(snap.Plan.Start, snap.Plan.End, taipei)
	sec := report.Sections{Introduction: en("Canada's self-assessment."),
		Commitments: map[string]report.CommitmentSections{"C01": {Problem: en("Low trust."), OGPValues: []string{"public_accountability", "civic_participation"}}}}
	s := report.BuildSAR(snap, sec, ps, "en", taipei, tp(2027, 1, 10, 0, 0))
	if len(s.Commitments) != 4 || s.Commitments[0].Number != 1 || s.Commitments[0].Code != "C01" {
		t.Fatalf("commitments = %+v", s.Commitments)
	}
	c1 := s.Commitments[0]
	if c1.Problem != "Low trust." || c1.WhatItDoes != "" || strings.Join(c1.OGPValues, ",") != "Civic participation,Public accountability" {
		t.Fatalf("C01 sections = %q %q %v", c1.Problem, c1.WhatItDoes, c1.OGPValues)
	}
	if c1.Completion != report.Limited {
		t.Fatalf("C01 completion = %s, want limited (one indicator substantial, the rest not started)", c1.Completion)
	}
	if c1.LeadAgencies[0] != "Royal Canadian Mounted Police" {
		t.Fatalf("lead agencies = %v", c1.LeadAgencies)
	}
	if len(s.Disputed) != 1 || s.Disputed[0].Update.UpdateID != "U3" {
		t.Fatalf("disputed annex = %+v", s.Disputed)
	}
	for _, c := range s.Commitments {
		for _, r := range c.Results {
			if r.UpdateID == "U4" || strings.Contains(r.Progress, "DRAFT") {
				t.Fatal("a draft reached the SAR")
			}
		}
	}
	if len(c1.Evidence) != 1 {
		t.Fatalf("evidence = %+v", c1.Evidence)
	}
}

func TestCompletionRule(t *testing.T) {
	snap := fixture.Synthetic(1, 2, 0, 0)
	mk := func(item, status string, at time.Time) readmodel.UpdateVersion {
		return readmodel.UpdateVersion{ID: item + status, UpdateID: item + status, Item: item, Version: 1, State: readmodel.StateAgreed, Status: status, At: at}
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		statuses []string
		want     string
	}{
		{nil, report.NotStarted},
		{[]string{"complete", ""}, report.Substantial},
		{[]string{"limited", ""}, report.Limited},
		{[]string{"complete", "complete"}, report.Complete},
		{[]string{"substantial", "limited"}, report.Substantial},
	}
	for _, c := range cases {
		snap.Updates = nil
		for i, s := range c.statuses {
			if s != "" {
				snap.Updates = append(snap.Updates, mk(snap.Commitments[0].Milestones[i].Code, s, at))
			}
		}
		got := report.BuildSAR(snap, report.Sections{}, nil, "en", time.UTC, at.Add(time.Hour)).Commitments[0].Completion
		if got != c.want {
			t.Errorf("milestones %v: completion %s, want %s", c.statuses, got, c.want)
		}
	}
}
