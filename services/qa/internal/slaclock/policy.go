package slaclock

import (
	"fmt"
	"slices"
	"time"
)

// Mode is the unit a policy counts in.
type Mode string

const (
	// WorkingDays counts only working days of the calendar.
	WorkingDays Mode = "working-days"
	// CalendarDays counts every day; a due day that is not a working day
	// moves to the next working day.
	CalendarDays Mode = "calendar-days"
)

// Limits of a policy. A year is far beyond any real SLA; the bound keeps
// every computation small.
const (
	MaxDays = 365
	// DefaultDays is the OGP standard's 20 days.
	DefaultDays = 20
	// DefaultZone is where kept was first deployed.
	DefaultZone = "Asia/Taipei"
	// WarningHour is the local hour at which a warning falls due: the start
	// of an office day, so nobody is alerted at midnight.
	WarningHour = 9
)

// Policy says how long an answer may take. Set it per deployment, plan or
// agency; the clock only reads it.
type Policy struct {
	Days     int            // 1..MaxDays
	Mode     Mode           // WorkingDays or CalendarDays
	Location *time.Location // the zone whose dates count
	// Warnings are thresholds in working days before the due day (see
	// Warning). Order does not matter; duplicates are refused.
	Warnings []int
}

// DefaultPolicy is 20 working days in Asia/Taipei with warnings 5 and 1
// working days before, the toolkit's reading of the standard. It fails only
// where the time zone database is missing (a binary can embed one by
// importing time/tzdata).
func DefaultPolicy() (Policy, error) {
	loc, err := time.LoadLocation(DefaultZone)
	if err != nil {
		return Policy{}, fmt.Errorf("default SLA policy: loading time zone %s: %w", DefaultZone, err)
	}
	return Policy{Days: DefaultDays, Mode: WorkingDays, Location: loc, Warnings: []int{5, 1}}, nil
}

// Validate says what is wrong with p, if anything.
func (p Policy) Validate() error {
	switch {
	case p.Days < 1 || p.Days > MaxDays:
		return fmt.Errorf("SLA policy: %d days: want 1 to %d", p.Days, MaxDays)
	case p.Mode != WorkingDays && p.Mode != CalendarDays:
		return fmt.Errorf("SLA policy: mode %q: want %q or %q", p.Mode, WorkingDays, CalendarDays)
	case p.Location == nil:
		return fmt.Errorf("SLA policy: no time zone")
	}
	for i, w := range p.Warnings {
		if w < 0 || w > MaxDays {
			return fmt.Errorf("SLA policy: warning %d working days before: want 0 to %d", w, MaxDays)
		}
		if slices.Contains(p.Warnings[:i], w) {
			return fmt.Errorf("SLA policy: warning %d given twice", w)
		}
	}
	return nil
}

// thresholds returns the warnings, earliest first (largest threshold first).
func (p Policy) thresholds() []int {
	t := slices.Clone(p.Warnings)
	slices.Sort(t)
	slices.Reverse(t)
	return t
}

// unit names the policy's unit in plain English.
func (p Policy) unit(n int) string {
	s := "working day"
	if p.Mode == CalendarDays {
		s = "calendar day"
	}
	if n != 1 {
		s += "s"
	}
	return s
}
