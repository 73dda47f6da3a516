package report

import (
	"sort"
	"time"

	"github.com/kept-ogp/kept/services/reporting/internal/periods"
	"github.com/kept-ogp/kept/services/reporting/internal/readmodel"
)

// BuildSAR assembles the SAR draft in language tag from everything agreed so
// far; ps are the plan's periods, for the Q&A annex.
func BuildSAR(snap *readmodel.Snapshot, sec Sections, ps []periods.Period, tag string, loc *time.Location, now time.Time) SAR {
	l := newLang(tag, snap.Plan.Languages)
	ix := newIndex(snap.Updates)
	out := SAR{Plan: snap.Plan.ID, PlanTitle: l.pick(snap.Plan.Title), PlanStart: snap.Plan.Start, PlanEnd: snap.Plan.End,
		Language: tag, Languages: snap.Plan.Languages, TimeZone: loc.String(),
		Introduction: l.pick(sec.Introduction), ForumMeetings: l.pick(sec.ForumMeetings),
		Participation: l.pick(sec.Participation), IRMRecommendations: l.pick(sec.IRMRecommendations),
		Commitments: []SARCommitment{}, Disputed: []DisputedLine{}, QAByPeriod: []PeriodQA{}}
	for n, c := range snap.Commitments {
		cs := sec.Commitments[c.Code]
		sc := SARCommitment{Number: n + 1, Code: c.Code, Title: l.pick(c.Title), Start: snap.Plan.Start, End: snap.Plan.End,
			LeadAgencies: l.leadAgencies(c), Problem: l.pick(cs.Problem), WhatItDoes: l.pick(cs.WhatItDoes),
			OGPValues: []string{}, Results: []Result{}, Evidence: []Link{}}
		if cs.Start != "" {
			sc.Start = cs.Start
		}
		if cs.End != "" {
			sc.End = cs.End
		}
		vals := append([]string(nil), cs.OGPValues...)
		sort.Strings(vals)
		for _, v := range vals {
			sc.OGPValues = append(sc.OGPValues, Label(tag, v))
		}
		var ms []MilestoneLevel
		sc.Completion, ms = completion(c, ix, forever)
		sc.CompletionLabel = Label(tag, sc.Completion)
		seen := map[string]bool{}
		result := func(code, title string) {
			u := ix.latestAgreed(code, time.Time{}, forever)
			if u == nil {
				return
			}
			ln := l.line(*u)
			sc.Results = append(sc.Results, Result{Item: code, ItemTitle: title, Status: ln.Status, StatusLabel: ln.StatusLabel,
				Progress: ln.Progress, NextSteps: ln.NextSteps, UpdateID: ln.UpdateID, Version: ln.Version,
				ReportedFor: ln.ReportedFor, Agreements: ln.Agreements})
			for _, e := range ln.Evidence {
				if e.URL != "" && !seen[e.URL] {
					seen[e.URL] = true
					sc.Evidence = append(sc.Evidence, e)
				}
			}
		}
		disputed := func(code string) {
			for _, u := range ix.disputed(code, time.Time{}, forever) {
				out.Disputed = append(out.Disputed, DisputedLine{Commitment: c.Code, Item: code, Update: l.line(u)})
			}
		}
		for i, m := range c.Milestones {
			ms[i].Title, ms[i].Label = l.pick(m.Title), Label(tag, ms[i].Completion)
			result(m.Code, ms[i].Title)
			disputed(m.Code)
			for _, in := range m.Indicators {
				result(in.Code, l.pick(in.Title))
				disputed(in.Code)
			}
		}
		sc.Milestones = ms
		if sc.Milestones == nil {
			sc.Milestones = []MilestoneLevel{}
		}
		sort.Slice(sc.Evidence, func(i, j int) bool { return sc.Evidence[i].URL < sc.Evidence[j].URL })
		out.Commitments = append(out.Commitments, sc)
	}
	out.QAByAgency, out.QATotal = qaFigures(snap.Questions, time.Time{}, forever, loc, now)
	for _, p := range ps {
		_, tot := qaFigures(snap.Questions, p.From, p.To, loc, now)
		if p.From.After(now) {
			continue
		}
		tot.Agency = ""
		out.QAByPeriod = append(out.QAByPeriod, PeriodQA{Period: p.ID, Figures: tot})
	}
	return out
}
