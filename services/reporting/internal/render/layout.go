package render

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kept-ogp/kept/services/reporting/internal/report"
)

func orNot(lang, s string) string {
	if strings.TrimSpace(s) == "" {
		return W(lang, "not_provided")
	}
	return s
}

// zone is the deployment zone a report names, for printing times.
func zone(name string) *time.Location {
	if l, err := time.LoadLocation(name); err == nil {
		return l
	}
	return time.UTC
}

// stamp prints t in the report's zone with its offset.
func stamp(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.RFC3339) }

func signs(lang string, ss []report.Sign, loc *time.Location) string {
	if len(ss) == 0 {
		return W(lang, "none")
	}
	parts := make([]string, 0, len(ss))
	for _, s := range ss {
		parts = append(parts, fmt.Sprintf("%s %s (%s)", report.Label(lang, s.Side), s.Member, stamp(s.At, loc)))
	}
	return strings.Join(parts, "; ")
}

func objections(lang string, os []report.Objection, loc *time.Location) [][]Span {
	var out [][]Span
	for _, o := range os {
		out = append(out, txt(fmt.Sprintf(W(lang, "disputed_by"), o.Member, report.Label(lang, o.Side), stamp(o.At, loc), orNot(lang, o.Reason))))
	}
	return out
}

func num(n int) []Span { return txt(strconv.Itoa(n)) }

func qaRow(lang string, f report.QAFigures, name string) [][]Span {
	if name == "" {
		name = f.Agency
	}
	avg := "-"
	if n := f.AnsweredOnTime + f.AnsweredLate; n > 0 {
		avg = strconv.FormatFloat(float64(f.DaysTaken)/float64(n), 'f', 1, 64)
	}
	return [][]Span{txt(name), num(f.Asked), num(f.AnsweredOnTime), num(f.AnsweredLate), num(f.Open), num(f.Overdue), num(f.Hidden), txt(avg)}
}

func qaHead(lang, first string) []string {
	return []string{W(lang, first), W(lang, "asked"), W(lang, "on_time"), W(lang, "late"), W(lang, "open"), W(lang, "overdue"), W(lang, "hidden"), W(lang, "avg_days")}
}

// SARDocument lays out a SAR draft.
func SARDocument(s report.SAR) Document {
	lg, loc := s.Language, zone(s.TimeZone)
	d := Document{Lang: lg, Title: W(lg, "sar") + ": " + s.PlanTitle}
	d.h(1, d.Title)
	d.p(Span{Text: fmt.Sprintf(W(lg, "plan_line"), s.Plan, s.PlanStart, s.PlanEnd)})
	d.h(2, W(lg, "intro"))
	d.p(Span{Text: orNot(lg, s.Introduction)})
	d.h(2, W(lg, "process"))
	d.h(3, W(lg, "forum"))
	d.p(Span{Text: orNot(lg, s.ForumMeetings)})
	d.h(3, W(lg, "participation"))
	d.p(Span{Text: orNot(lg, s.Participation)})
	d.h(3, W(lg, "irm"))
	d.p(Span{Text: orNot(lg, s.IRMRecommendations)})
	d.h(2, W(lg, "commitments"))
	for _, c := range s.Commitments {
		d.h(3, fmt.Sprintf(W(lg, "commitment"), c.Number, c.Code, c.Title))
		vals := strings.Join(c.OGPValues, ", ")
		d.table(c.Code, []string{W(lg, "field"), W(lg, "value")}, true, [][][]Span{
			{txt(W(lg, "start")), txt(c.Start)},
			{txt(W(lg, "end")), txt(c.End)},
			{txt(W(lg, "lead")), txt(orNot(lg, strings.Join(c.LeadAgencies, "; ")))},
			{txt(W(lg, "problem")), txt(orNot(lg, c.Problem))},
			{txt(W(lg, "what")), txt(orNot(lg, c.WhatItDoes))},
			{txt(W(lg, "values")), txt(orNot(lg, vals))},
			{txt(W(lg, "completion")), []Span{{Text: c.CompletionLabel, Strong: true}}},
		})
		d.h(4, W(lg, "milestones"))
		var rows [][][]Span
		for _, m := range c.Milestones {
			rows = append(rows, [][]Span{txt(m.Code), txt(m.Title), txt(m.Label), txt(W(lg, "basis_"+m.Basis))})
		}
		d.table(W(lg, "milestones")+" "+c.Code, []string{W(lg, "code"), W(lg, "milestone"), W(lg, "completion"), W(lg, "basis")}, true, rows)
		d.h(4, W(lg, "results"))
		if len(c.Results) == 0 {
			d.p(Span{Text: W(lg, "no_result")})
		}
		var next [][]Span
		for _, r := range c.Results {
			d.p(Span{Text: r.Item + " " + r.ItemTitle + ": ", Strong: true}, Span{Text: r.StatusLabel + ". " + orNot(lg, r.Progress)})
			d.p(Span{Text: fmt.Sprintf(W(lg, "provenance"), r.UpdateID, r.Version, r.ReportedFor, signs(lg, r.Agreements, loc))})
			if strings.TrimSpace(r.NextSteps) != "" {
				next = append(next, txt(r.Item+": "+r.NextSteps))
			}
		}
		d.h(4, W(lg, "evidence"))
		if len(c.Evidence) == 0 {
			d.p(Span{Text: W(lg, "none")})
		} else {
			var items [][]Span
			for _, e := range c.Evidence {
				title := e.Title
				if title == "" {
					title = e.URL
				}
				items = append(items, []Span{{Text: title, Href: e.URL}})
			}
			d.list(items)
		}
		d.h(4, W(lg, "next"))
		if len(next) == 0 {
			d.p(Span{Text: W(lg, "not_provided")})
		} else {
			d.list(next)
		}
	}
	d.h(2, W(lg, "annex_qa"))
	d.p(Span{Text: W(lg, "qa_rule")})
	rows := [][][]Span{}
	for _, f := range s.QAByAgency {
		rows = append(rows, qaRow(lg, f, ""))
	}
	rows = append(rows, qaRow(lg, s.QATotal, W(lg, "total")))
	d.table(W(lg, "annex_qa"), qaHead(lg, "agency"), true, rows)
	d.h(3, W(lg, "by_period"))
	rows = [][][]Span{}
	for _, p := range s.QAByPeriod {
		rows = append(rows, qaRow(lg, p.Figures, p.Period))
	}
	d.table(W(lg, "by_period"), qaHead(lg, "period"), true, rows)
	d.h(2, W(lg, "annex_disputed"))
	if len(s.Disputed) == 0 {
		d.p(Span{Text: W(lg, "no_disputed")})
	}
	for _, x := range s.Disputed {
		d.h(3, fmt.Sprintf(W(lg, "disputed_head"), x.Item, x.Update.UpdateID))
		disputedBody(&d, lg, x.Update, loc)
	}
	return d
}

func disputedBody(d *Document, lg string, u report.UpdateLine, loc *time.Location) {
	d.p(Span{Text: fmt.Sprintf(W(lg, "position"), u.Agency, u.StatusLabel+". "+orNot(lg, u.Progress))})
	d.p(Span{Text: fmt.Sprintf(W(lg, "provenance"), u.UpdateID, u.Version, u.ReportedFor, signs(lg, u.Agreements, loc))})
	if os := objections(lg, u.Disputes, loc); len(os) > 0 {
		d.list(os)
	}
}

// ProgressDocument lays out a period's joint progress update.
func ProgressDocument(p report.Progress) Document {
	lg, loc := p.Language, zone(p.TimeZone)
	d := Document{Lang: lg, Title: W(lg, "progress") + " " + p.Period.ID + ": " + p.PlanTitle}
	d.h(1, d.Title)
	d.p(Span{Text: fmt.Sprintf(W(lg, "period_line"), p.Period.ID, p.Period.Start, p.Period.End, p.TimeZone)})
	d.p(Span{Text: p.Rule})
	d.p(Span{Text: fmt.Sprintf(W(lg, "counts"), p.Counts.Items, p.Counts.Agreed, p.Counts.Disputed, p.Counts.Missing)})
	for _, c := range p.Commitments {
		d.h(2, fmt.Sprintf(W(lg, "commitment"), c.Number, c.Code, c.Title))
		d.p(Span{Text: W(lg, "completion") + ": "}, Span{Text: report.Label(lg, c.Completion), Strong: true})
		for _, it := range c.Items {
			d.h(3, it.Code+" "+it.Title)
			switch {
			case it.Agreed != nil:
				u := it.Agreed
				d.p(Span{Text: fmt.Sprintf(W(lg, "agreed_line"), u.StatusLabel, orNot(lg, u.Progress))})
				if u.Challenges != "" {
					d.p(Span{Text: W(lg, "challenges") + ": " + u.Challenges})
				}
				if u.DelayReason != "" {
					d.p(Span{Text: W(lg, "delay") + ": " + u.DelayReason})
				}
				if u.NextSteps != "" {
					d.p(Span{Text: W(lg, "next") + ": " + u.NextSteps})
				}
				if len(u.Evidence) > 0 {
					var items [][]Span
					for _, e := range u.Evidence {
						t := e.Title
						if t == "" {
							t = e.URL
						}
						items = append(items, []Span{{Text: t, Href: e.URL}})
					}
					d.list(items)
				}
				d.p(Span{Text: fmt.Sprintf(W(lg, "provenance"), u.UpdateID, u.Version, u.ReportedFor, signs(lg, u.Agreements, loc))})
			case !it.NoAgreedUpdate:
				d.p(Span{Text: W(lg, "see_indicators")})
			case it.PreviousAgreed != nil:
				d.p(Span{Text: fmt.Sprintf(W(lg, "missing_prev"), it.PreviousAgreed.UpdateID, report.Label(lg, it.PreviousAgreed.Status)), Strong: true})
			default:
				d.p(Span{Text: W(lg, "missing"), Strong: true})
			}
			for _, u := range it.Disputed {
				d.p(Span{Text: fmt.Sprintf(W(lg, "disputed"), u.UpdateID, u.StatusLabel), Strong: true})
				disputedBody(&d, lg, u, loc)
			}
		}
	}
	d.h(2, W(lg, "qa_period"))
	d.p(Span{Text: W(lg, "qa_rule")})
	rows := [][][]Span{}
	for _, f := range p.QA {
		rows = append(rows, qaRow(lg, f, ""))
	}
	rows = append(rows, qaRow(lg, p.QATotal, W(lg, "total")))
	d.table(W(lg, "qa_period"), qaHead(lg, "agency"), true, rows)
	return d
}
