// Package record turns questions into the Q&A record IRM researchers read:
// one row per question with every step in local time and UTC, and the
// statistics per agency and per plan. Nothing of the asker is in it but
// the public text (as redacted).
package record

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kept-ogp/kept/services/qa/internal/questions"
	"github.com/kept-ogp/kept/services/qa/internal/slaclock"
)

// Instant is one moment in both clocks.
type Instant struct {
	Local string `json:"local"` // RFC 3339 with the policy zone's offset
	UTC   string `json:"utc"`
}

func instant(t time.Time, loc *time.Location) Instant {
	return Instant{Local: t.In(loc).Format(time.RFC3339), UTC: t.UTC().Format(time.RFC3339)}
}

func instantPtr(t *time.Time, loc *time.Location) *Instant {
	if t == nil {
		return nil
	}
	i := instant(*t, loc)
	return &i
}

// Step is one assignment, pause, resumption or extension.
type Step struct {
	Kind   string  `json:"kind"` // assigned, paused, resumed, extended
	At     Instant `json:"at"`
	By     string  `json:"by"`
	Agency string  `json:"agency,omitempty"`
	Days   int     `json:"days,omitempty"`
	Reason string  `json:"reason,omitempty"`
}

// Row is one question in the record.
type Row struct {
	ID           string   `json:"id"`
	Plan         string   `json:"plan"`
	Commitment   string   `json:"commitment"`
	Agency       string   `json:"agency"`
	Language     string   `json:"language"`
	Text         string   `json:"text"`
	Asked        Instant  `json:"asked"`
	Answered     *Instant `json:"answered,omitempty"`
	DueDay       string   `json:"due_day,omitempty"`
	Unit         string   `json:"unit"` // working-days or calendar-days
	PolicyDays   int      `json:"policy_days"`
	TimeZone     string   `json:"time_zone"`
	DaysTaken    int      `json:"days_taken"`
	Outcome      string   `json:"outcome"` // on_time, late, open, overdue, paused
	Extensions   int      `json:"extensions"`
	Hidden       bool     `json:"hidden"`
	HiddenReason string   `json:"hidden_reason,omitempty"`
	Redacted     bool     `json:"redacted"`
	Steps        []Step   `json:"steps"`
}

// Outcomes.
const (
	OnTime  = "on_time"
	Late    = "late"
	Open    = "open"
	Overdue = "overdue"
	Paused  = "paused"
)

// Rows builds the record of qs at now; daysSoFar counts an open question's
// days up to now in its policy's unit.
func Rows(qs []questions.Question, policyOf func(*questions.Question) slaclock.Policy,
	daysSoFar func(*questions.Question) int, now time.Time) []Row {
	out := make([]Row, 0, len(qs))
	for i := range qs {
		q := &qs[i]
		p := policyOf(q)
		loc := p.Location
		r := Row{ID: q.ID, Plan: q.Plan, Commitment: q.Commitment, Agency: q.Agency, Language: q.Language, Text: q.Text,
			Asked: instant(q.AskedAt, loc), Answered: instantPtr(q.AnsweredAt, loc), DueDay: q.DueDay,
			Unit: string(p.Mode), PolicyDays: p.Days, TimeZone: loc.String(), DaysTaken: q.DaysTaken,
			Extensions: len(q.Extensions), Hidden: q.Hidden != nil, Redacted: len(q.Redactions) > 0, Steps: []Step{}}
		if q.Hidden != nil {
			r.HiddenReason = q.Hidden.Reason
			r.Text = questions.HiddenText(q.Hidden.Reason)
		}
		switch {
		case q.AnsweredAt != nil && q.OnTime:
			r.Outcome = OnTime
		case q.AnsweredAt != nil:
			r.Outcome = Late
		case q.Status == questions.StatusPaused:
			r.Outcome, r.DaysTaken = Paused, daysSoFar(q)
		case q.BreachAt != nil && !now.Before(*q.BreachAt):
			r.Outcome, r.DaysTaken = Overdue, daysSoFar(q)
		default:
			r.Outcome, r.DaysTaken = Open, daysSoFar(q)
		}
		for _, a := range q.Assignments {
			r.Steps = append(r.Steps, Step{Kind: "assigned", At: instant(a.At, loc), By: a.By, Agency: a.Agency})
		}
		for _, ps := range q.Pauses {
			r.Steps = append(r.Steps, Step{Kind: "paused", At: instant(ps.From, loc), By: ps.By, Reason: ps.Reason})
			if ps.To != nil {
				r.Steps = append(r.Steps, Step{Kind: "resumed", At: instant(*ps.To, loc), By: ps.ResumeBy})
			}
		}
		for _, x := range q.Extensions {
			r.Steps = append(r.Steps, Step{Kind: "extended", At: instant(x.At, loc), By: x.By, Days: x.Days, Reason: x.Reason})
		}
		sort.SliceStable(r.Steps, func(i, j int) bool { return r.Steps[i].At.UTC < r.Steps[j].At.UTC })
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// CSVHeader names the CSV columns.
var CSVHeader = []string{"id", "plan", "commitment", "agency", "language", "text", "asked_local", "asked_utc",
	"answered_local", "answered_utc", "due_day", "unit", "policy_days", "time_zone", "days_taken", "outcome",
	"extensions", "hidden", "hidden_reason", "redacted", "steps"}

// WriteCSV writes rows as CSV (UTF-8 with a byte-order mark, so Excel reads
// Chinese correctly). Steps are one cell: "kind at by [reason]" lines.
func WriteCSV(w io.Writer, rows []Row) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, r := range rows {
		ans := [2]string{}
		if r.Answered != nil {
			ans = [2]string{r.Answered.Local, r.Answered.UTC}
		}
		var steps []string
		for _, s := range r.Steps {
			line := s.Kind + " " + s.At.Local + " by " + s.By
			if s.Agency != "" {
				line += " to " + s.Agency
			}
			if s.Days != 0 {
				line += fmt.Sprintf(" +%d", s.Days)
			}
			if s.Reason != "" {
				line += ": " + s.Reason
			}
			steps = append(steps, line)
		}
		rec := []string{r.ID, r.Plan, r.Commitment, r.Agency, r.Language, r.Text, r.Asked.Local, r.Asked.UTC,
			ans[0], ans[1], r.DueDay, r.Unit, strconv.Itoa(r.PolicyDays), r.TimeZone, strconv.Itoa(r.DaysTaken), r.Outcome,
			strconv.Itoa(r.Extensions), strconv.FormatBool(r.Hidden), r.HiddenReason, strconv.FormatBool(r.Redacted),
			strings.Join(steps, "\n")}
		for i := range rec {
			rec[i] = cell(rec[i])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// cell keeps a spreadsheet from reading public text as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Stats are the figures for one agency or plan.
type Stats struct {
	Key            string   `json:"key"`
	Asked          int      `json:"asked"`
	Answered       int      `json:"answered"`
	AnsweredOnTime int      `json:"answered_on_time"`
	AnsweredLate   int      `json:"answered_late"`
	ShareOnTime    *float64 `json:"share_on_time"` // of answered; null before any answer
	MedianDays     *float64 `json:"median_days"`   // of answered, in each question's unit
	OpenNow        int      `json:"open_now"`
	OverdueNow     int      `json:"overdue_now"`
	Extensions     int      `json:"extensions"`
	Hidden         int      `json:"hidden"`
}

// Statistics groups rows by agency and by plan. Hidden questions are
// counted as hidden and left out of the SLA figures: the record keeps them,
// but they ask nothing of the agency.
func Statistics(rows []Row) (byAgency, byPlan []Stats) {
	return group(rows, func(r Row) string { return r.Agency }), group(rows, func(r Row) string { return r.Plan })
}

func group(rows []Row, key func(Row) string) []Stats {
	m := map[string]*Stats{}
	days := map[string][]int{}
	for _, r := range rows {
		k := key(r)
		s := m[k]
		if s == nil {
			s = &Stats{Key: k}
			m[k] = s
		}
		if r.Hidden {
			s.Hidden++
			continue
		}
		s.Asked++
		s.Extensions += r.Extensions
		switch r.Outcome {
		case OnTime:
			s.Answered++
			s.AnsweredOnTime++
			days[k] = append(days[k], r.DaysTaken)
		case Late:
			s.Answered++
			s.AnsweredLate++
			days[k] = append(days[k], r.DaysTaken)
		case Overdue:
			s.OpenNow++
			s.OverdueNow++
		default:
			s.OpenNow++
		}
	}
	out := make([]Stats, 0, len(m))
	for k, s := range m {
		if s.Answered > 0 {
			share := float64(s.AnsweredOnTime) / float64(s.Answered)
			s.ShareOnTime = &share
			med := median(days[k])
			s.MedianDays = &med
		}
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func median(v []int) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return float64(s[n/2])
	}
	return float64(s[n/2-1]+s[n/2]) / 2
}
