package slaclock

import (
	"strings"
	"testing"
	"time"

	"github.com/kept-ogp/kept/services/qa/internal/calendar"
)

func TestPauses(t *testing.T) {
	tp := zone(t, "Asia/Taipei")
	asked := at(t, tp, "2026-01-05 10:00") // Monday
	w := func(s string) time.Time { return at(t, tp, s) }
	for _, c := range []struct {
		name   string
		days   int
		mode   Mode
		asked  time.Time
		pauses []Pause
		due    calendar.Date
	}{
		{"no pause", 5, WorkingDays, asked, nil, date(2026, 1, 12)},
		{"partly paused days count, wholly paused ones do not", 5, WorkingDays, asked,
			[]Pause{pause(w("2026-01-06 15:00"), w("2026-01-08 11:00"))}, date(2026, 1, 13)},
		{"a pause from midnight to midnight covers one whole day", 5, WorkingDays, asked,
			[]Pause{pause(w("2026-01-07 00:00"), w("2026-01-08 00:00"))}, date(2026, 1, 13)},
		{"a pause that stops one second short does not", 5, WorkingDays, asked,
			[]Pause{pause(w("2026-01-07 00:00"), w("2026-01-07 23:59").Add(59*time.Second))}, date(2026, 1, 12)},
		{"nor one that stops half a second short", 5, WorkingDays, asked,
			[]Pause{pause(w("2026-01-07 00:00"), w("2026-01-08 00:00").Add(-time.Second/2))}, date(2026, 1, 12)},
		{"nor one that starts half a second late", 5, WorkingDays, asked,
			[]Pause{pause(w("2026-01-07 00:00").Add(time.Second/2), w("2026-01-08 00:00"))}, date(2026, 1, 12)},
		{"over a weekend, working mode: no change", 5, WorkingDays, asked,
			[]Pause{pause(w("2026-01-09 18:00"), w("2026-01-12 08:00"))}, date(2026, 1, 12)},
		{"over a weekend, calendar mode: the weekend does not count", 4, CalendarDays, at(t, tp, "2026-01-07 10:00"),
			[]Pause{pause(w("2026-01-09 18:00"), w("2026-01-12 08:00"))}, date(2026, 1, 13)},
		{"over a weekend, calendar mode, no pause", 4, CalendarDays, at(t, tp, "2026-01-07 10:00"), nil, date(2026, 1, 12)},
		{"overlapping pauses merge", 5, WorkingDays, asked,
			[]Pause{pause(w("2026-01-06 12:00"), w("2026-01-07 12:00")), pause(w("2026-01-07 11:00"), w("2026-01-09 01:00"))},
			date(2026, 1, 14)}, // Wed and Thu wholly paused
		{"pause on the day asked", 1, WorkingDays, asked,
			[]Pause{pause(w("2026-01-05 10:30"), w("2026-01-06 18:00"))}, date(2026, 1, 6)},
		{"resumed after an open stretch", 5, WorkingDays, asked,
			[]Pause{pause(w("2026-01-07 09:00"), w("2026-01-12 10:00"))}, date(2026, 1, 14)},
		{"calendar mode: due day wholly paused moves on", 5, CalendarDays, asked,
			[]Pause{pause(w("2026-01-12 00:00"), w("2026-01-13 00:00"))}, date(2026, 1, 13)},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := Policy{Days: c.days, Mode: c.mode, Location: tp}
			r := mustDue(t, c.asked, p, nil, c.pauses, nil)
			if r.DueDay != c.due {
				t.Errorf("due %v, want %v\n%s", r.DueDay, c.due, r.Explanation)
			}
		})
	}
}

func TestOpenPauseStopsTheClock(t *testing.T) {
	tp := zone(t, "Asia/Taipei")
	p := Policy{Days: 5, Mode: WorkingDays, Location: tp, Warnings: []int{1}}
	open := Pause{From: at(t, tp, "2026-01-07 09:00"), By: "PoC", Reason: "asked for the plan number"}
	r := mustDue(t, at(t, tp, "2026-01-05 10:00"), p, nil, []Pause{open}, nil)
	// Tue 01-06 is day 1, Wed 01-07 (paused from 09:00) day 2; from Thu on
	// the clock is stopped with 3 days to go.
	if !r.Paused || r.Remaining != 3 || !r.DueAt.IsZero() || !r.BreachAt.IsZero() || r.Warnings != nil {
		t.Fatalf("result %+v", r)
	}
	s := r.Explanation.String()
	for _, want := range []string{"Paused since Wed 2026-01-07 09:00:00 by PoC: asked for the plan number.",
		"The clock is paused with 3 working days left to count"} {
		if !strings.Contains(s, want) {
			t.Errorf("explanation lacks %q:\n%s", want, s)
		}
	}
	// An extension while paused adds to what is left.
	ext := Extension{Days: 2, Reason: "needs a ministry reply", By: "PoC", At: at(t, tp, "2026-01-08 10:00")}
	r = mustDue(t, at(t, tp, "2026-01-05 10:00"), p, nil, []Pause{open}, []Extension{ext})
	if !r.Paused || r.Remaining != 5 {
		t.Errorf("paused %v remaining %d", r.Paused, r.Remaining)
	}
	// An open pause starting exactly at midnight stops that very day.
	open.From = at(t, tp, "2026-01-07 00:00")
	r = mustDue(t, at(t, tp, "2026-01-05 10:00"), p, nil, []Pause{open}, nil)
	if r.Remaining != 4 {
		t.Errorf("remaining %d, want 4", r.Remaining)
	}
	// A pause after the due day changes nothing.
	open.From = at(t, tp, "2026-02-01 00:00")
	r = mustDue(t, at(t, tp, "2026-01-05 10:00"), p, nil, []Pause{open}, nil)
	if r.Paused || r.DueDay != date(2026, 1, 12) {
		t.Errorf("late pause: %+v", r)
	}
}

func TestPauseValidation(t *testing.T) {
	tp := zone(t, "Asia/Taipei")
	p := Policy{Days: 5, Mode: WorkingDays, Location: tp}
	asked := at(t, tp, "2026-01-05 10:00")
	for name, ps := range map[string][]Pause{
		"before the ask": {pause(asked.Add(-time.Minute), asked.Add(time.Hour))},
		"ends first":     {pause(asked.Add(time.Hour), asked)},
		"no reason":      {{From: asked, To: asked.Add(time.Hour), By: "x"}},
		"nobody":         {{From: asked, To: asked.Add(time.Hour), Reason: "x"}},
		"no start":       {{By: "x", Reason: "y"}},
		"two open":       {{From: asked, By: "x", Reason: "y"}, {From: asked.Add(time.Hour), By: "x", Reason: "y"}},
	} {
		if _, err := Due(asked, p, nil, ps, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestExtensions(t *testing.T) {
	tp := zone(t, "Asia/Taipei")
	p := Policy{Days: 20, Mode: WorkingDays, Location: tp}
	asked := at(t, tp, "2026-01-02 10:00") // due Fri 01-30 by itself
	five := Extension{Days: 5, Reason: "the ministry must be consulted", By: "PoC", At: at(t, tp, "2026-01-20 10:00")}
	r := mustDue(t, asked, p, nil, nil, []Extension{five})
	if r.DueDay != date(2026, 2, 6) || r.Extensions != 1 {
		t.Fatalf("due %v, extensions %d", r.DueDay, r.Extensions)
	}
	x := r.Explanation.Extensions[0]
	if x.FromDue != date(2026, 1, 30) || x.ToDue != date(2026, 2, 6) || x.Reason != five.Reason {
		t.Errorf("extension note %+v", x)
	}
	// A new due date on a Saturday moves to Monday; later extensions count
	// from it, in the order they were granted whatever the input order.
	set := Extension{NewDue: date(2026, 2, 7), Reason: "agreed with the asker", By: "PoC", At: at(t, tp, "2026-01-25 10:00")}
	more := Extension{Days: 1, Reason: "data request pending", By: "PoC", At: at(t, tp, "2026-02-05 10:00")}
	r = mustDue(t, asked, p, nil, nil, []Extension{more, set, five})
	if r.DueDay != date(2026, 2, 10) || r.Extensions != 3 {
		t.Errorf("due %v\n%s", r.DueDay, r.Explanation)
	}
	// Shortening is an extension too, and must say so.
	early := Extension{NewDue: date(2026, 1, 20), Reason: "answered in a hearing", By: "PoC", At: at(t, tp, "2026-01-10 10:00")}
	if r = mustDue(t, asked, p, nil, nil, []Extension{early}); r.DueDay != date(2026, 1, 20) {
		t.Errorf("due %v", r.DueDay)
	}
	for name, x := range map[string]Extension{
		"both":          {Days: 1, NewDue: date(2026, 2, 1), Reason: "r", By: "b", At: asked},
		"neither":       {Reason: "r", By: "b", At: asked},
		"no reason":     {Days: 1, By: "b", At: asked},
		"no author":     {Days: 1, Reason: "r", At: asked},
		"no time":       {Days: 1, Reason: "r", By: "b"},
		"negative":      {Days: -1, Reason: "r", By: "b", At: asked},
		"before asked":  {NewDue: date(2026, 1, 2), Reason: "r", By: "b", At: asked},
		"not a date":    {NewDue: date(2026, 2, 30), Reason: "r", By: "b", At: asked},
		"granted first": {Days: 1, Reason: "r", By: "b", At: asked.Add(-time.Hour)},
	} {
		if _, err := Due(asked, p, nil, nil, []Extension{x}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
