package calendar

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// wallTime is an iCalendar date or date-time as a wall clock reading, held
// in a UTC time.Time only so that time arithmetic works on it. Holidays are
// dates, so the zone of a TZID is not needed: its wall clock already is the
// local date.
type wallTime struct {
	t        time.Time
	dateOnly bool
}

func (w wallTime) date() Date { return DateOf(w.t) }

// parseICSTime reads DATE ("20260101"), floating or TZID'd DATE-TIME
// ("20260101T090000") and UTC DATE-TIME ("20260101T010000Z"), the last
// reduced to its wall clock in loc.
func parseICSTime(v string, params map[string]string, loc *time.Location) (wallTime, error) {
	kind := strings.ToUpper(params["VALUE"])
	switch {
	case kind != "" && kind != "DATE" && kind != "DATE-TIME":
		return wallTime{}, fmt.Errorf("VALUE=%s is not supported; use DATE or DATE-TIME", kind)
	case len(v) == 8:
		if kind == "DATE-TIME" {
			return wallTime{}, fmt.Errorf("%q is a date but VALUE=DATE-TIME", v)
		}
		t, err := time.Parse("20060102", v)
		if err != nil {
			return wallTime{}, fmt.Errorf("%q is not a date (YYYYMMDD)", v)
		}
		return wallTime{t: t, dateOnly: true}, nil
	case kind == "DATE":
		return wallTime{}, fmt.Errorf("%q is not a date (YYYYMMDD) although VALUE=DATE", v)
	}
	utc := strings.HasSuffix(v, "Z")
	t, err := time.Parse("20060102T150405", strings.TrimSuffix(v, "Z"))
	if err != nil {
		return wallTime{}, fmt.Errorf("%q is not a date (YYYYMMDD) or date-time (YYYYMMDDTHHMMSS)", v)
	}
	if !utc {
		return wallTime{t: t}, nil
	}
	if loc == nil {
		return wallTime{}, fmt.Errorf("%q is a UTC time, whose date depends on the time zone: import with a location", v)
	}
	l := t.In(loc)
	return wallTime{t: time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)}, nil
}

// parseDateValue reads a value for its date alone.
func parseDateValue(v string, params map[string]string, loc *time.Location) (Date, bool, error) {
	w, err := parseICSTime(v, params, loc)
	return w.date(), w.dateOnly, err
}

// parseDuration reads an RFC 5545 dur-value: P1D, P2W, PT36H, P1DT12H.
func parseDuration(s string) (days int, rest time.Duration, err error) {
	bad := fmt.Errorf("%q is not a duration such as P1D or P2W", s)
	s = strings.TrimPrefix(s, "+")
	if strings.HasPrefix(s, "-") || !strings.HasPrefix(s, "P") || len(s) < 3 {
		return 0, 0, bad
	}
	s = s[1:]
	inTime := false
	for s != "" {
		if s[0] == 'T' {
			if inTime {
				return 0, 0, bad
			}
			inTime = true
			s = s[1:]
			continue
		}
		i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
		if i <= 0 {
			return 0, 0, bad
		}
		n, convErr := strconv.Atoi(s[:i])
		if convErr != nil || n > 100_000 {
			return 0, 0, bad
		}
		switch unit := s[i]; {
		case !inTime && unit == 'W':
			days += 7 * n
		case !inTime && unit == 'D':
			days += n
		case inTime && unit == 'H':
			rest += time.Duration(n) * time.Hour
		case inTime && unit == 'M':
			rest += time.Duration(n) * time.Minute
		case inTime && unit == 'S':
			rest += time.Duration(n) * time.Second
		default:
			return 0, 0, bad
		}
		s = s[i+1:]
	}
	return days, rest, nil
}
