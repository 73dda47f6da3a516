package calendar

import (
	"fmt"
	"time"
)

// Date is a civil date with no time zone: the same "1 January" everywhere.
// Holidays are dates, not instants, so calendars and due days use this type;
// a time zone only comes in when a date is turned into an instant (Start).
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date of t in t's own location: callers choose the zone
// with t.In(loc) first.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads an ISO 8601 calendar date, "2026-01-01".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("parsing date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// IsValid reports whether d names a real day of the Gregorian calendar.
func (d Date) IsValid() bool {
	return d.Month >= time.January && d.Month <= time.December &&
		d.Day >= 1 && d.Day <= daysIn(d.Year, d.Month)
}

// IsZero reports whether d is the zero Date, which callers use for "none".
func (d Date) IsZero() bool { return d == Date{} }

func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Weekday is computed from the day number, so it needs no time zone.
func (d Date) Weekday() time.Weekday {
	// Day 0 (1970-01-01) was a Thursday.
	return time.Weekday(((d.days()+4)%7 + 7) % 7)
}

// Next is the day after d, without the day-number round trip AddDays makes
// (a due-date walk steps one day at a time).
func (d Date) Next() Date {
	if d.Day < 28 || d.Day < daysIn(d.Year, d.Month) {
		d.Day++
		return d
	}
	d.Day = 1
	if d.Month == time.December {
		d.Month, d.Year = time.January, d.Year+1
	} else {
		d.Month++
	}
	return d
}

// DayNumber is the number of days from 1970-01-01 to d.
func (d Date) DayNumber() int { return d.days() }

// WeekendDay reports whether day number n is a Saturday or Sunday.
func WeekendDay(n int) bool {
	w := (n + 4) % 7 // day 0, 1970-01-01, was a Thursday
	if w < 0 {
		w += 7
	}
	return w == int(time.Saturday) || w == int(time.Sunday)
}

// AddDays returns the date n days after d (before, if n is negative).
func (d Date) AddDays(n int) Date { return fromDays(d.days() + n) }

// Sub returns the number of days from e to d.
func (d Date) Sub(e Date) int { return d.days() - e.days() }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch a, b := d.days(), e.days(); {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// Start returns the first instant of d in loc: local midnight, except where
// a clock change skips or repeats midnight (Chile, Cuba and Lebanon have
// done so), where it is the first instant whose local date is d. A date that
// a zone skipped entirely (Samoa skipped 2011-12-30) starts where the next
// one does, so its day is empty.
func (d Date) Start(loc *time.Location) time.Time {
	t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
	if DateOf(t) == d && DateOf(t.Add(-time.Second)).Before(d) {
		return t
	}
	// Rare: search the two days around t for the first second on or after
	// d. Local dates only move forward across real zone changes near
	// midnight, so the search is well defined.
	lo, hi := t.Add(-48*time.Hour).Unix(), t.Add(48*time.Hour).Unix()
	for lo < hi {
		mid := lo + (hi-lo)/2
		if DateOf(time.Unix(mid, 0).In(loc)).Before(d) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return time.Unix(lo, 0).In(loc)
}

// MarshalText writes the ISO form, so JSON shows "2026-01-01".
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads the ISO form.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func daysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// days is the number of days since 1970-01-01 (Howard Hinnant's
// days_from_civil), so date arithmetic needs no time.Time and no zone.
func (d Date) days() int {
	y, m := d.Year, int(d.Month)
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d.Day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func fromDays(z int) Date {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return Date{y, time.Month(m), d}
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
