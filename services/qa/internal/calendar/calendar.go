// Package calendar holds holiday calendars: for each date, whether it is a
// working day. Saturdays and Sundays are days off unless an entry says
// otherwise; entries come from iCalendar files, Taiwan's government office
// calendar CSV, or manual input.
package calendar

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Sources of an entry, kept so a page can say where a holiday came from.
const (
	SourceICS    = "ics"
	SourceCSV    = "csv"
	SourceManual = "manual"
)

// maxNameRunes bounds a day's name; real ones are a few words.
const maxNameRunes = 200

// Day is one calendar entry. Off says whether the date is a day off; an
// entry with Off false on a Saturday or Sunday is an extra working day.
type Day struct {
	Date   Date   `json:"date"`
	Off    bool   `json:"off"`
	Name   string `json:"name,omitempty"`
	Source string `json:"source,omitempty"`
}

// Conflict records a date given twice with different meaning: Now replaced
// Was, because the later entry wins.
type Conflict struct {
	Date Date `json:"date"`
	Was  Day  `json:"was"`
	Now  Day  `json:"now"`
}

func (c Conflict) String() string {
	return fmt.Sprintf("%s: %s replaced %s", c.Date, describe(c.Now), describe(c.Was))
}

func describe(d Day) string {
	kind := "working day"
	if d.Off {
		kind = "day off"
	}
	s := kind
	if d.Name != "" {
		s += fmt.Sprintf(" %q", d.Name)
	}
	if d.Source != "" {
		s += " (" + d.Source + ")"
	}
	return s
}

// Calendar is an immutable set of entries. A nil *Calendar is valid and means
// "weekends only", so callers without a calendar need no special case.
type Calendar struct {
	entries map[int]Day // keyed by day number, when there is no index
	// index makes the hot lookup (a due-date walk asks about every day) an
	// array access: index[n-first] is 1 + the entry's position in days, or
	// 0 for no entry. Left nil for calendars spanning centuries.
	first int
	index []int32
	days  []Day // in date order
}

// maxIndexSpan bounds the dense index to about 200 years (290 KiB).
const maxIndexSpan = 200 * 366

// New builds a calendar from days in order; see Builder for the merge rule.
func New(days []Day) (*Calendar, []Conflict, error) {
	var b Builder
	if err := b.Add(days...); err != nil {
		return nil, nil, err
	}
	cal, conflicts := b.Build()
	return cal, conflicts, nil
}

// IsWorkingDay reports whether d is a working day: its entry decides if it
// has one, otherwise Monday to Friday work and weekends do not.
func (c *Calendar) IsWorkingDay(d Date) bool {
	if e, ok := c.Entry(d); ok {
		return !e.Off
	}
	return !IsWeekend(d)
}

// Entry returns the entry for d, if the calendar has one.
func (c *Calendar) Entry(d Date) (Day, bool) { return c.EntryAt(d.days()) }

// WorkingAt reports whether day number n is a working day, as IsWorkingDay
// does, without copying the entry (the due-date hot loop asks it per day).
func (c *Calendar) WorkingAt(n int) bool {
	if c != nil {
		if c.index != nil {
			if i := n - c.first; i >= 0 && i < len(c.index) && c.index[i] > 0 {
				return !c.days[c.index[i]-1].Off
			}
			return !WeekendDay(n)
		}
		if e, ok := c.entries[n]; ok {
			return !e.Off
		}
	}
	return !WeekendDay(n)
}

// EntryAt is Entry by day number (see Date.DayNumber).
func (c *Calendar) EntryAt(n int) (Day, bool) {
	if c == nil {
		return Day{}, false
	}
	if c.index != nil {
		if i := n - c.first; i >= 0 && i < len(c.index) && c.index[i] > 0 {
			return c.days[c.index[i]-1], true
		}
		return Day{}, false
	}
	e, ok := c.entries[n]
	return e, ok
}

// Len is the number of entries.
func (c *Calendar) Len() int {
	if c == nil {
		return 0
	}
	return len(c.days)
}

// Days returns every entry, in date order.
func (c *Calendar) Days() []Day {
	if c == nil {
		return nil
	}
	return append([]Day(nil), c.days...)
}

// IsWeekend reports whether d is a Saturday or Sunday.
func IsWeekend(d Date) bool {
	w := d.Weekday()
	return w == time.Saturday || w == time.Sunday
}

// Builder merges entries from several sources. The same date twice is one
// day: the entry added later wins (add sources from least to most
// authoritative, e.g. ics, then csv, then manual), and a Conflict is
// reported whenever the later entry differs in Off or Name. Identical
// repeats are silently one day. The zero Builder is ready to use.
type Builder struct {
	entries   map[int]Day
	conflicts []Conflict
}

// Add checks all days first and adds none if any is bad, so a failed Add
// leaves the builder as it was.
func (b *Builder) Add(days ...Day) error {
	for i, d := range days {
		if err := checkDay(d); err != nil {
			return fmt.Errorf("calendar entry %d (%s): %w", i+1, d.Date, err)
		}
	}
	if b.entries == nil {
		b.entries = make(map[int]Day, len(days))
	}
	for _, d := range days {
		k := d.Date.days()
		if old, ok := b.entries[k]; ok && (old.Off != d.Off || old.Name != d.Name) {
			b.conflicts = append(b.conflicts, Conflict{Date: d.Date, Was: old, Now: d})
		}
		b.entries[k] = d
	}
	return nil
}

// Build returns the calendar so far and the conflicts seen. The builder may
// go on being used; the calendar does not change with it.
func (b *Builder) Build() (*Calendar, []Conflict) {
	c := &Calendar{days: make([]Day, 0, len(b.entries))}
	for _, v := range b.entries {
		c.days = append(c.days, v)
	}
	sort.Slice(c.days, func(i, j int) bool { return c.days[i].Date.Before(c.days[j].Date) })
	if n := len(c.days); n > 0 {
		first, last := c.days[0].Date.days(), c.days[n-1].Date.days()
		if last-first < maxIndexSpan {
			c.first, c.index = first, make([]int32, last-first+1)
			for i, d := range c.days {
				c.index[d.Date.days()-first] = int32(i + 1)
			}
		} else {
			c.entries = make(map[int]Day, n)
			for _, d := range c.days {
				c.entries[d.Date.days()] = d
			}
		}
	}
	return c, append([]Conflict(nil), b.conflicts...)
}

func checkDay(d Day) error {
	if !d.Date.IsValid() {
		return fmt.Errorf("%d-%d-%d is not a real date", d.Date.Year, int(d.Date.Month), d.Date.Day)
	}
	return checkName(d.Name)
}

// checkName refuses text that shows a decoding accident: a name with U+FFFD
// would be published as a question mark in a diamond.
func checkName(s string) error {
	switch {
	case !utf8.ValidString(s):
		return fmt.Errorf("name is not valid UTF-8")
	case strings.ContainsRune(s, utf8.RuneError):
		return fmt.Errorf("name contains U+FFFD (a character lost in decoding)")
	case utf8.RuneCountInString(s) > maxNameRunes:
		return fmt.Errorf("name is longer than %d characters", maxNameRunes)
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' || r == 0x7f {
			return fmt.Errorf("name contains control character U+%04X", r)
		}
	}
	return nil
}
