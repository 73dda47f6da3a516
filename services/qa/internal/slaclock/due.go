// Package slaclock computes when the answer to a public question is due,
// and explains how. Everything here is a pure function of its inputs (the
// time asked, the policy, the calendar, pauses and extensions): there is no
// stored state, so a calendar change is handled by computing again for every
// open question. Answered questions keep the due date they had; callers do
// not recompute them. SLA.md beside the module states the rules.
package slaclock

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kept-ogp/kept/services/qa/internal/calendar"
)

// Warning is one pending alert: at At, Threshold working days remain before
// the due day.
type Warning struct {
	Threshold int           `json:"threshold"`
	Day       calendar.Date `json:"day"`
	At        time.Time     `json:"at"`
}

// Result is a question's deadline. While an open pause stops the clock,
// Paused is true and DueDay, DueAt, BreachAt and Warnings are zero.
type Result struct {
	AskedDay calendar.Date
	DueDay   calendar.Date
	// DueAt is 23:59:59 local time on DueDay (precisely: the last second of
	// DueDay, which is 23:59:59 everywhere but in zones that change clocks
	// at midnight). An answer at or before it, to the nanosecond before
	// BreachAt, is on time.
	DueAt time.Time
	// BreachAt is DueAt + 1s: from then on the question is late.
	BreachAt time.Time
	// Warnings are the alerts still ahead of the ask, earliest first. A
	// threshold whose instant is not after the ask has no warning.
	Warnings  []Warning
	Paused    bool
	Remaining int // days left to count while Paused
	// Extensions is how many extensions were applied, for statistics.
	Extensions  int
	Explanation Explanation
}

// Due computes when the answer to a question asked at askedAt is due. cal
// may be nil (weekends only). Pauses and extensions may come in any order;
// extensions apply in the order of their At.
func Due(askedAt time.Time, p Policy, cal *calendar.Calendar, pauses []Pause, ext []Extension) (Result, error) {
	return due(askedAt, p, cal, pauses, ext, true)
}

// Deadline is Due without the explanation (Result.Explanation is empty):
// the same rules, for callers that only need the dates, such as counting
// the days a question has taken.
func Deadline(askedAt time.Time, p Policy, cal *calendar.Calendar, pauses []Pause, ext []Extension) (Result, error) {
	return due(askedAt, p, cal, pauses, ext, false)
}

func due(askedAt time.Time, p Policy, cal *calendar.Calendar, pauses []Pause, ext []Extension, explain bool) (Result, error) {
	if err := p.Validate(); err != nil {
		return Result{}, err
	}
	if askedAt.IsZero() {
		return Result{}, fmt.Errorf("due date: the time asked is missing")
	}
	local := askedAt.In(p.Location)
	asked := calendar.DateOf(local)
	if err := checkPauses(pauses, askedAt); err != nil {
		return Result{}, fmt.Errorf("due date: %w", err)
	}
	if err := checkExtensions(ext, askedAt, asked); err != nil {
		return Result{}, fmt.Errorf("due date: %w", err)
	}
	if !explain && len(pauses) == 0 && len(ext) == 0 {
		return plainDeadline(askedAt, asked, p, cal)
	}
	capHint := 0
	if explain {
		capHint = p.Days + p.Days/2 + 8
	}
	c := newClock(p, cal, pauses, capHint)
	r := Result{AskedDay: asked, Extensions: len(ext)}

	due, left, err := c.advance(asked, p.Days, StepCount)
	stopped := errors.Is(err, errStopped)
	if err != nil && !stopped {
		return Result{}, fmt.Errorf("due date: %w", err)
	}
	ordered := ext
	if len(ext) > 1 {
		ordered = slices.Clone(ext)
		slices.SortStableFunc(ordered, func(a, b Extension) int { return a.At.Compare(b.At) })
	}
	var notes []ExtensionNote
	if explain {
		notes = make([]ExtensionNote, 0, len(ordered))
	}
	for i, x := range ordered {
		c.ext = i + 1
		note := ExtensionNote{Extension: x}
		if !stopped {
			note.FromDue = due
		}
		switch {
		case x.Days > 0 && stopped:
			left += x.Days // counted once the pause ends
		case x.Days > 0:
			due, left, err = c.advance(due, x.Days, StepExtension)
		default:
			// An explicit date is taken as given, pauses and all; only a
			// day off moves it on.
			due, left, err = c.settleExplicit(x.NewDue)
		}
		stopped = errors.Is(err, errStopped)
		if err != nil && !stopped {
			return Result{}, fmt.Errorf("due date: extension of %s: %w", x.At.Format(time.RFC3339), err)
		}
		if !stopped {
			note.ToDue = due
		}
		if explain {
			notes = append(notes, note)
		}
	}

	if !explain {
		if stopped {
			r.Paused, r.Remaining = true, left
			return r, nil
		}
		r.DueDay = due
		r.BreachAt = time.Unix(c.zone.start(due.AddDays(1)), 0).In(p.Location)
		r.DueAt = r.BreachAt.Add(-time.Second)
		if r.Warnings, err = warnings(c, p.thresholds(), due, askedAt); err != nil {
			return Result{}, fmt.Errorf("due date: %w", err)
		}
		return r, nil
	}
	r.Explanation = Explanation{
		Policy:     PolicyInfo{Days: p.Days, Mode: p.Mode, TimeZone: p.Location.String(), Warnings: p.thresholds()},
		AskedAt:    local,
		AskedDay:   asked,
		Days:       c.notes,
		Pauses:     sortedPauses(pauses),
		Extensions: notes,
	}
	if stopped {
		r.Paused, r.Remaining = true, left
		r.Explanation.Paused, r.Explanation.Remaining = true, left
		return r, nil
	}
	r.DueDay = due
	r.BreachAt = time.Unix(c.zone.start(due.AddDays(1)), 0).In(p.Location)
	r.DueAt = r.BreachAt.Add(-time.Second)
	if r.Warnings, err = warnings(c, r.Explanation.Policy.Warnings, due, askedAt); err != nil {
		return Result{}, fmt.Errorf("due date: %w", err)
	}
	r.Explanation.DueDay, r.Explanation.DueAt, r.Explanation.BreachAt = due, r.DueAt, r.BreachAt
	r.Explanation.Warnings = r.Warnings
	return r, nil
}

// warnings places each threshold at WarningHour local time on the working
// day that many working days before the due day (0: the due day itself).
func warnings(c *clock, thresholds []int, due calendar.Date, askedAt time.Time) ([]Warning, error) {
	var out []Warning
	loc := c.p.Location
	for _, t := range thresholds {
		d, err := c.back(due, t)
		if err != nil {
			return nil, err
		}
		at := time.Date(d.Year, d.Month, d.Day, WarningHour, 0, 0, 0, loc)
		if at.After(askedAt) {
			out = append(out, Warning{Threshold: t, Day: d, At: at})
		}
	}
	return out, nil
}

func sortedPauses(pauses []Pause) []Pause {
	out := slices.Clone(pauses)
	slices.SortStableFunc(out, func(a, b Pause) int { return a.From.Compare(b.From) })
	return out
}
