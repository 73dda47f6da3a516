package slaclock

import (
	"os"
	"testing"
	"time"
	_ "time/tzdata" // tests must not depend on the machine's zoneinfo

	"github.com/kept-ogp/kept/services/qa/internal/calendar"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func date(y int, m time.Month, d int) calendar.Date { return calendar.Date{Year: y, Month: m, Day: d} }

// at is a wall-clock time in loc, written "2026-01-02 15:04".
func at(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func policy(t testing.TB, days int, mode Mode, zoneName string, warnings ...int) Policy {
	return Policy{Days: days, Mode: mode, Location: zone(t, zoneName), Warnings: warnings}
}

// taiwan2026 is the calendar fixture: holidays, a bridge day 2026-01-02,
// the make-up working Saturday 2026-01-17 and a typhoon day 2026-07-29.
func taiwan2026(t testing.TB) *calendar.Calendar {
	t.Helper()
	f, err := os.Open("../calendar/testdata/taiwan-2026.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	days, err := calendar.ParseTaiwanCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	return mustCal(t, days...)
}

func canada2026(t testing.TB) *calendar.Calendar {
	t.Helper()
	f, err := os.Open("../calendar/testdata/canada-2026.ics")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	days, err := calendar.ParseICS(f, calendar.ICSOptions{Location: zone(t, "America/Toronto"), FirstYear: 2026, LastYear: 2027})
	if err != nil {
		t.Fatal(err)
	}
	return mustCal(t, days...)
}

func mustCal(t testing.TB, days ...calendar.Day) *calendar.Calendar {
	t.Helper()
	cal, _, err := calendar.New(days)
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func mustDue(t testing.TB, askedAt time.Time, p Policy, cal *calendar.Calendar, pauses []Pause, ext []Extension) Result {
	t.Helper()
	r, err := Due(askedAt, p, cal, pauses, ext)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func pause(from, to time.Time) Pause {
	return Pause{From: from, To: to, By: "agency editor", Reason: "which school district do you mean?"}
}
