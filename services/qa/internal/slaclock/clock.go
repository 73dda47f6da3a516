package slaclock

import (
	"errors"
	"fmt"
	"time"

	"github.com/kept-ogp/kept/services/qa/internal/calendar"
)

// maxScan bounds how many days one computation may look at, so a calendar
// that marks years as days off cannot make it loop for long.
const maxScan = 4 * 366

// errStopped is internal: an open pause swallowed every later day.
var errStopped = errors.New("clock stopped by an open pause")

// clock walks days under one policy, calendar and set of pauses, noting each
// day it looks at for the explanation.
type clock struct {
	p       Policy
	cal     *calendar.Calendar
	pauses  []span
	openDay calendar.Date // first day wholly inside the open pause
	hasOpen bool
	zone    zoneCache
	notes   []DayNote
	explain bool // keep notes for the explanation
	counted int
	scanned int
	ext     int // extension being counted, for the notes
}

func newClock(p Policy, cal *calendar.Calendar, pauses []Pause, capHint int) *clock {
	c := &clock{p: p, cal: cal, pauses: mergePauses(pauses), zone: zoneCache{loc: p.Location}, explain: capHint > 0}
	if c.explain {
		c.notes = make([]DayNote, 0, capHint)
	}
	if n := len(c.pauses); n > 0 && c.pauses[n-1].to == forever {
		from := c.pauses[n-1].from
		d := calendar.DateOf(time.Unix(from, 0).In(p.Location))
		if c.zone.start(d) < from {
			d = d.AddDays(1)
		}
		c.openDay, c.hasOpen = d, true
	}
	return c
}

// look describes day d: its kind under the calendar, and how much of it the
// pauses cover.
func (c *clock) look(d calendar.Date) DayNote {
	n := DayNote{Date: d}
	dn := d.DayNumber()
	s, e := c.zone.startN(dn), c.zone.startN(dn+1)
	if s >= e {
		n.Kind = KindNoSuchDay
		return n
	}
	n.Kind, n.Name = kindAt(c.cal, dn)
	for _, p := range c.pauses {
		if p.from <= s && p.to >= e {
			n.Paused = WhollyPaused
			break
		}
		if p.from < e && p.to > s {
			n.Paused = PartlyPaused
		}
	}
	return n
}

// counts: a wholly paused day never counts; otherwise every day counts in
// calendar mode and working days in working mode.
func (c *clock) counts(n DayNote) bool {
	if n.Kind == KindNoSuchDay || n.Paused == WhollyPaused {
		return false
	}
	return c.p.Mode == CalendarDays || n.Kind.working()
}

// canBeDue: a due day is a working day the asker is not holding up.
func canBeDue(n DayNote) bool { return n.Kind.working() && n.Paused != WhollyPaused }

func (c *clock) step(d calendar.Date, step Step) (DayNote, error) {
	if c.hasOpen && !d.Before(c.openDay) {
		return DayNote{}, errStopped
	}
	if c.scanned++; c.scanned > maxScan {
		return DayNote{}, fmt.Errorf("no due day within %d days: the calendar has too few working days", maxScan)
	}
	n := c.look(d)
	n.Step, n.Extension = step, c.ext
	return n, nil
}

// advance counts n days after from and returns the due day they reach. The
// remaining count is returned with errStopped.
func (c *clock) advance(from calendar.Date, n int, step Step) (calendar.Date, int, error) {
	d := from
	for left := n; left > 0; {
		d = d.Next()
		note, err := c.step(d, step)
		if err != nil {
			return d, left, err
		}
		if c.counts(note) {
			c.counted++
			left--
			note.Count = c.counted
		} else {
			note.Skip = c.skipReason(note)
		}
		c.note(note)
	}
	if c.p.Mode == CalendarDays {
		return c.settle(d)
	}
	return d, 0, nil
}

// settle moves d forward to a day that can be due. Day d itself has been
// noted already.
func (c *clock) settle(d calendar.Date) (calendar.Date, int, error) {
	if canBeDue(c.look(d)) {
		return d, 0, nil
	}
	return c.moveOn(d, canBeDue)
}

// settleExplicit moves an explicitly set due day off days off, but not off
// pauses: whoever set the date has seen them.
func (c *clock) settleExplicit(d calendar.Date) (calendar.Date, int, error) {
	first := c.look(d)
	if first.Kind.working() {
		return d, 0, nil
	}
	first.Step, first.Extension = StepMove, c.ext
	first.Skip = c.skipReason(first)
	c.note(first)
	open := c.hasOpen
	c.hasOpen = false
	defer func() { c.hasOpen = open }()
	return c.moveOn(d, func(n DayNote) bool { return n.Kind.working() })
}

func (c *clock) moveOn(d calendar.Date, ok func(DayNote) bool) (calendar.Date, int, error) {
	for {
		d = d.Next()
		note, err := c.step(d, StepMove)
		if err != nil {
			return d, 0, err
		}
		if ok(note) {
			c.note(note)
			return d, 0, nil
		}
		note.Skip = c.skipReason(note)
		c.note(note)
	}
}

// back steps t working days back from the due day (days wholly paused do
// not count), for warnings.
func (c *clock) back(due calendar.Date, t int) (calendar.Date, error) {
	d := due
	for i := 0; t > 0; i++ {
		if i > maxScan {
			return d, fmt.Errorf("no working day within %d days before %s", maxScan, due)
		}
		d = d.AddDays(-1)
		if canBeDue(c.look(d)) {
			t--
		}
	}
	return d, nil
}

// note keeps n for the explanation, when there is one.
func (c *clock) note(n DayNote) {
	if c.explain {
		c.notes = append(c.notes, n)
	}
}

func kindAt(cal *calendar.Calendar, dn int) (DayKind, string) {
	e, ok := cal.EntryAt(dn)
	weekend := calendar.WeekendDay(dn)
	switch {
	case ok && !e.Off && weekend:
		return KindExtraWorkingDay, e.Name
	case ok && e.Off && (e.Name != "" || !weekend):
		return KindHoliday, e.Name
	case weekend:
		return KindWeekend, e.Name
	}
	return KindWorkingDay, e.Name
}

// skipReason names the reason a person would give: a weekend is skipped for
// being a weekend in working mode even if it was paused too, while in
// calendar mode weekends count and only the pause explains a skip.
func (c *clock) skipReason(n DayNote) SkipReason {
	dayOff := SkipWeekend
	if n.Kind == KindHoliday {
		dayOff = SkipHoliday
	}
	switch {
	case n.Kind == KindNoSuchDay:
		return SkipNoSuchDay
	case !n.Kind.working() && (c.p.Mode == WorkingDays || n.Step == StepMove):
		return dayOff
	case n.Paused == WhollyPaused:
		return SkipPaused
	}
	return dayOff
}

// zoneCache finds the first instant of a date without calling into the time
// zone database for every day: within one zone period, midnight is simple
// arithmetic. Only days near a clock change take the slow path.
type zoneCache struct {
	loc      *time.Location
	off      int64 // seconds east of UTC in the cached period
	from, to int64 // the period, Unix seconds
	ok       bool
}

func (z *zoneCache) start(d calendar.Date) int64 {
	if z.ok {
		if s := int64(d.DayNumber())*86400 - z.off; s > z.from && s < z.to {
			return s
		}
	}
	return z.slow(d)
}

// startN is start by day number.
func (z *zoneCache) startN(n int) int64 {
	if z.ok {
		if s := int64(n)*86400 - z.off; s > z.from && s < z.to {
			return s
		}
	}
	return z.slow(calendar.Date{Year: 1970, Month: time.January, Day: 1}.AddDays(n))
}

func (z *zoneCache) slow(d calendar.Date) int64 {
	if z.ok {
		s := int64(d.DayNumber())*86400 - z.off
		// s > from: the second before midnight must be in the same period,
		// or midnight may not be where the day begins.
		if s > z.from && s < z.to {
			return s
		}
	}
	t := d.Start(z.loc)
	_, off := t.Zone()
	from, to := t.ZoneBounds()
	z.off, z.from, z.to, z.ok = int64(off), -forever, forever, true
	if !from.IsZero() {
		z.from = from.Unix()
	}
	if !to.IsZero() {
		z.to = to.Unix()
	}
	return t.Unix()
}
