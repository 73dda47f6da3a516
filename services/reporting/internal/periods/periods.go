// Package periods cuts a plan's life into reporting periods. Boundaries are
// whole days in the deployment's time zone, never UTC: a period is the
// half-open interval from local midnight of its first day to local midnight
// after its last day.
package periods

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Schemes.
const (
	// SixMonthly names each period by the month it ends ("2026-06" is
	// January to June 2026); EndMonths says which months end one (6 and 12
	// by default, as Canada reports).
	SixMonthly = "six_monthly"
	// CalendarHalves names periods "2026-H1" (January–June) and "2026-H2".
	CalendarHalves = "calendar_halves"
	// Explicit lists the plan's own periods with their first and last days.
	Explicit = "explicit"
)

// DefaultZone is the zone used when neither REPORTING_TIMEZONE nor
// KEPT_TIMEZONE is set.
const DefaultZone = "Asia/Taipei"

// Span is one explicitly configured period; Start and End are inclusive
// days, YYYY-MM-DD.
type Span struct {
	ID    string `bson:"id" json:"id"`
	Start string `bson:"start" json:"start"`
	End   string `bson:"end" json:"end"`
}

// Config is a plan's period scheme.
type Config struct {
	Scheme    string `bson:"scheme" json:"scheme"`
	EndMonths []int  `bson:"end_months,omitempty" json:"end_months,omitempty"`
	Periods   []Span `bson:"periods,omitempty" json:"periods,omitempty"`
}

// Default is six-monthly periods ending in June and December.
func Default() Config { return Config{Scheme: SixMonthly, EndMonths: []int{6, 12}} }

// Period is one reporting period. From is inclusive, To exclusive.
type Period struct {
	ID    string    `json:"id"`
	Start string    `json:"start"`
	End   string    `json:"end"`
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
}

// Contains reports whether t falls in the period.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.From) && t.Before(p.To) }

var spanID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$`)

// Normalize fills defaults and says what is wrong, naming the field.
func (c Config) Normalize() (Config, error) {
	switch c.Scheme {
	case "", SixMonthly:
		c.Scheme = SixMonthly
		if len(c.EndMonths) == 0 {
			c.EndMonths = []int{6, 12}
		}
		if len(c.EndMonths) != 2 {
			return c, fmt.Errorf("end_months: want two months six months apart, such as [6, 12], got %v", c.EndMonths)
		}
		ms := append([]int(nil), c.EndMonths...)
		sort.Ints(ms)
		if ms[0] < 1 || ms[1] > 12 || ms[1]-ms[0] != 6 {
			return c, fmt.Errorf("end_months: want two months (1-12) six months apart, such as [6, 12], got %v", c.EndMonths)
		}
		c.EndMonths, c.Periods = ms, nil
	case CalendarHalves:
		c.EndMonths, c.Periods = nil, nil
	case Explicit:
		c.EndMonths = nil
		if len(c.Periods) == 0 {
			return c, fmt.Errorf("periods: an explicit scheme needs at least one period")
		}
		ps := append([]Span(nil), c.Periods...)
		seen := map[string]bool{}
		for i, p := range ps {
			if !spanID.MatchString(p.ID) {
				return c, fmt.Errorf("periods[%d].id: want 1-32 letters, digits, '.', '_' or '-', got %q", i, p.ID)
			}
			if seen[p.ID] {
				return c, fmt.Errorf("periods[%d].id: %q is used twice", i, p.ID)
			}
			seen[p.ID] = true
			s, err := time.Parse(time.DateOnly, p.Start)
			if err != nil {
				return c, fmt.Errorf("periods[%d].start: want YYYY-MM-DD, got %q", i, p.Start)
			}
			e, err := time.Parse(time.DateOnly, p.End)
			if err != nil {
				return c, fmt.Errorf("periods[%d].end: want YYYY-MM-DD, got %q", i, p.End)
			}
			if e.Before(s) {
				return c, fmt.Errorf("periods[%d]: end %s is before start %s", i, p.End, p.Start)
			}
		}
		sort.Slice(ps, func(i, j int) bool { return ps[i].Start < ps[j].Start })
		for i := 1; i < len(ps); i++ {
			if ps[i].Start <= ps[i-1].End {
				return c, fmt.Errorf("periods: %q (%s to %s) overlaps %q (%s to %s)", ps[i].ID, ps[i].Start, ps[i].End, ps[i-1].ID, ps[i-1].Start, ps[i-1].End)
			}
		}
		c.Periods = ps
	default:
		return c, fmt.Errorf("scheme: want %s, %s or %s, got %q", SixMonthly, CalendarHalves, Explicit, c.Scheme)
	}
	return c, nil
}

func day(y int, m time.Month, d int, loc *time.Location) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

func span(id string, from, to time.Time) Period {
	return Period{ID: id, Start: from.Format(time.DateOnly), End: to.AddDate(0, 0, -1).Format(time.DateOnly), From: from, To: to}
}

// month parses "YYYY-MM".
func month(s string) (int, time.Month, bool) {
	t, err := time.Parse("2006-01", strings.TrimSpace(s))
	if err != nil {
		return 0, 0, false
	}
	return t.Year(), t.Month(), true
}

// List returns the periods that overlap the plan's months (planStart and
// planEnd are YYYY-MM; when unreadable, 2000-01 to 2099-12 bounds a
// scheme), in order.
func (c Config) List(planStart, planEnd string, loc *time.Location) []Period {
	c, err := c.Normalize()
	if err != nil {
		c = Default()
	}
	sy, sm, ok1 := month(planStart)
	ey, em, ok2 := month(planEnd)
	if !ok1 || !ok2 {
		sy, sm, ey, em = 2000, 1, 2099, 12
	}
	planFrom := day(sy, sm, 1, loc)
	planTo := day(ey, em, 1, loc).AddDate(0, 1, 0)
	var out []Period
	switch c.Scheme {
	case Explicit:
		for _, s := range c.Periods {
			out = append(out, explicit(s, loc))
		}
		return out
	case CalendarHalves:
		for y := sy; y <= ey; y++ {
			for h, m := range []time.Month{time.January, time.July} {
				from := day(y, m, 1, loc)
				p := span(fmt.Sprintf("%d-H%d", y, h+1), from, from.AddDate(0, 6, 0))
				if p.To.After(planFrom) && p.From.Before(planTo) {
					out = append(out, p)
				}
			}
		}
		return out
	}
	for y := sy; y <= ey+1; y++ {
		for _, m := range c.EndMonths {
			p := sixMonth(y, time.Month(m), loc)
			if p.To.After(planFrom) && p.From.Before(planTo) {
				out = append(out, p)
			}
		}
	}
	return out
}

func sixMonth(y int, end time.Month, loc *time.Location) Period {
	to := day(y, end, 1, loc).AddDate(0, 1, 0)
	return span(fmt.Sprintf("%04d-%02d", y, int(end)), to.AddDate(0, -6, 0), to)
}

func explicit(s Span, loc *time.Location) Period {
	a, _ := time.Parse(time.DateOnly, s.Start)
	b, _ := time.Parse(time.DateOnly, s.End)
	return span(s.ID, day(a.Year(), a.Month(), a.Day(), loc), day(b.Year(), b.Month(), b.Day(), loc).AddDate(0, 0, 1))
}

// Find returns the period named id, or an error listing the valid names.
func (c Config) Find(id, planStart, planEnd string, loc *time.Location) (Period, error) {
	ps := c.List(planStart, planEnd, loc)
	for _, p := range ps {
		if p.ID == id {
			return p, nil
		}
	}
	names := make([]string, 0, len(ps))
	for _, p := range ps {
		names = append(names, p.ID)
	}
	if len(names) > 8 {
		names = append(names[:4], append([]string{"..."}, names[len(names)-2:]...)...)
	}
	return Period{}, fmt.Errorf("period %q is not one of this plan's reporting periods (%s)", id, strings.Join(names, ", "))
}

// Of returns the period containing t, if any.
func Of(ps []Period, t time.Time) (Period, bool) {
	for _, p := range ps {
		if p.Contains(t) {
			return p, true
		}
	}
	return Period{}, false
}

// Zone resolves REPORTING_TIMEZONE, else KEPT_TIMEZONE, else DefaultZone.
func Zone(getenv func(string) string) (*time.Location, error) {
	name := strings.TrimSpace(getenv("REPORTING_TIMEZONE"))
	key := "REPORTING_TIMEZONE"
	if name == "" {
		name, key = strings.TrimSpace(getenv("KEPT_TIMEZONE")), "KEPT_TIMEZONE"
	}
	if name == "" {
		name, key = DefaultZone, "default zone"
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", key, name, err)
	}
	return loc, nil
}
