package slaclock

import (
	"testing"
	"time"

	"github.com/kept-ogp/kept/services/qa/internal/calendar"
)

func TestDueTable(t *testing.T) {
	taiwan := taiwan2026(t)
	canada := canada2026(t)
	for _, c := range []struct {
		name   string
		days   int
		mode   Mode
		zone   string
		cal    *calendar.Calendar
		asked  string // local wall clock in zone
		due    calendar.Date
		reason string
	}{
		{"working days over weekends", 20, WorkingDays, "Asia/Taipei", nil, "2026-01-02 10:00", date(2026, 1, 30),
			"four weeks of Mon-Fri"},
		{"make-up Saturday counts", 20, WorkingDays, "Asia/Taipei", taiwan, "2026-01-05 14:00", date(2026, 1, 30),
			"2026-01-17 補行上班 is day 10; without it the due day would be Mon 02-02"},
		{"holiday bridge is skipped", 1, WorkingDays, "Asia/Taipei", taiwan, "2025-12-31 16:00", date(2026, 1, 5),
			"Thu 01-01 holiday, Fri 01-02 bridge day, then the weekend"},
		{"Lunar New Year", 5, WorkingDays, "Asia/Taipei", taiwan, "2026-02-12 09:00", date(2026, 2, 26),
			"Fri 02-13 is day 1; 02-14..02-22 are off; 02-23..02-26 are days 2-5"},
		{"typhoon day", 1, WorkingDays, "Asia/Taipei", taiwan, "2026-07-28 11:00", date(2026, 7, 30),
			"Wed 07-29 颱風假 is skipped"},
		{"asked Saturday counts from Monday", 5, WorkingDays, "Asia/Taipei", nil, "2026-01-10 11:00", date(2026, 1, 16),
			"day 1 is Mon 01-12"},
		{"asked Sunday counts from Monday", 1, WorkingDays, "Asia/Taipei", nil, "2026-01-11 23:59", date(2026, 1, 12), ""},
		{"calendar days counts weekends", 10, CalendarDays, "Asia/Taipei", nil, "2026-01-05 09:00", date(2026, 1, 15), ""},
		{"calendar day N on Sunday moves to Monday", 20, CalendarDays, "Asia/Taipei", nil, "2026-01-05 09:00", date(2026, 1, 26),
			"day 20 is Sun 01-25"},
		{"calendar day N on a holiday moves on", 20, CalendarDays, "America/Toronto", canada, "2026-06-11 12:00", date(2026, 7, 2),
			"day 20 is Wed 07-01 Canada Day"},
		{"calendar day N on a long weekend moves on", 20, CalendarDays, "Asia/Taipei", taiwan, "2026-03-15 14:00", date(2026, 4, 7),
			"day 20 is Sat 04-04 兒童節, then 清明節 and 補假"},
		{"calendar mode due on make-up Saturday stays", 12, CalendarDays, "Asia/Taipei", taiwan, "2026-01-05 10:00", date(2026, 1, 17),
			"a make-up Saturday is a working day"},
		{"holidays count in calendar mode", 3, CalendarDays, "America/Toronto", canada, "2026-06-29 12:00", date(2026, 7, 2),
			"Canada Day is day 2"},
		{"working days in Canada", 5, WorkingDays, "America/Toronto", canada, "2026-06-29 12:00", date(2026, 7, 7),
			"Canada Day skipped"},
		{"one day", 1, WorkingDays, "UTC", nil, "2026-01-09 12:00", date(2026, 1, 12), ""},
		{"a year of days", 365, CalendarDays, "UTC", nil, "2026-01-01 12:00", date(2027, 1, 1), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := policy(t, c.days, c.mode, c.zone)
			r := mustDue(t, at(t, p.Location, c.asked), p, c.cal, nil, nil)
			if r.DueDay != c.due {
				t.Fatalf("due %v, want %v (%s)\n%s", r.DueDay, c.due, c.reason, r.Explanation)
			}
			if got := r.DueAt.Format("15:04:05"); got != "23:59:59" || calendar.DateOf(r.DueAt) != c.due {
				t.Errorf("DueAt %v", r.DueAt)
			}
			if !r.BreachAt.Equal(r.DueAt.Add(time.Second)) {
				t.Errorf("BreachAt %v, DueAt %v", r.BreachAt, r.DueAt)
			}
			if !c.cal.IsWorkingDay(r.DueDay) {
				t.Errorf("due on a day off %v", r.DueDay)
			}
		})
	}
}

// Taipei is UTC+8: 15:30Z and 16:10Z on Friday are both Friday in UTC, but
// the second is already Saturday in Taipei. The local date decides.
func TestLocalDateDecidesTheDayAsked(t *testing.T) {
	fri := time.Date(2026, 1, 9, 15, 30, 0, 0, time.UTC) // Fri 23:30 Taipei
	sat := time.Date(2026, 1, 9, 16, 10, 0, 0, time.UTC) // Sat 00:10 Taipei
	for _, c := range []struct {
		mode     Mode
		zone     string
		fri, sat calendar.Date
	}{
		{CalendarDays, "Asia/Taipei", date(2026, 1, 14), date(2026, 1, 15)},
		{WorkingDays, "Asia/Taipei", date(2026, 1, 16), date(2026, 1, 16)}, // both count from Monday
		{CalendarDays, "UTC", date(2026, 1, 14), date(2026, 1, 14)},        // both Friday in UTC
	} {
		p := policy(t, 5, c.mode, c.zone)
		rf := mustDue(t, fri, p, nil, nil, nil)
		rs := mustDue(t, sat, p, nil, nil, nil)
		if rf.DueDay != c.fri || rs.DueDay != c.sat {
			t.Errorf("%s %s: Friday ask due %v (want %v), Saturday ask due %v (want %v)", c.mode, c.zone, rf.DueDay, c.fri, rs.DueDay, c.sat)
		}
		if rs.DueAt.Location() != p.Location {
			t.Errorf("DueAt is not in the policy's zone: %v", rs.DueAt)
		}
	}
	// The same instant written in another zone gives the same result.
	p := policy(t, 5, CalendarDays, "Asia/Taipei")
	a := mustDue(t, sat, p, nil, nil, nil)
	b := mustDue(t, sat.In(zone(t, "America/Toronto")), p, nil, nil, nil)
	if a.DueDay != b.DueDay || !a.DueAt.Equal(b.DueAt) {
		t.Errorf("zone of the input changed the result: %v vs %v", a.DueAt, b.DueAt)
	}
}

func TestWarnings(t *testing.T) {
	p := policy(t, 20, WorkingDays, "Asia/Taipei", 1, 5, 0)
	r := mustDue(t, at(t, p.Location, "2026-01-05 14:00"), p, taiwan2026(t), nil, nil)
	// Due Fri 01-30; 5 working days before is Fri 01-23, 1 is Thu 01-29.
	want := []Warning{
		{Threshold: 5, Day: date(2026, 1, 23), At: at(t, p.Location, "2026-01-23 09:00")},
		{Threshold: 1, Day: date(2026, 1, 29), At: at(t, p.Location, "2026-01-29 09:00")},
		{Threshold: 0, Day: date(2026, 1, 30), At: at(t, p.Location, "2026-01-30 09:00")},
	}
	if len(r.Warnings) != len(want) {
		t.Fatalf("warnings %v", r.Warnings)
	}
	for i, w := range r.Warnings {
		if w.Threshold != want[i].Threshold || w.Day != want[i].Day || !w.At.Equal(want[i].At) {
			t.Errorf("warning %d = %+v, want %+v", i, w, want[i])
		}
	}
	// Warnings skip days off: due Mon 01-05 after New Year and the bridge
	// day, "1 working day before" is Wed 12-31.
	p = policy(t, 3, WorkingDays, "Asia/Taipei", 1, 3)
	r = mustDue(t, at(t, p.Location, "2025-12-29 08:00"), p, taiwan2026(t), nil, nil)
	if r.DueDay != date(2026, 1, 5) || len(r.Warnings) != 2 || r.Warnings[1].Day != date(2025, 12, 31) {
		t.Errorf("due %v, warnings %+v", r.DueDay, r.Warnings)
	}
	// 3 working days before Mon 01-05 is Mon 12-29 09:00, after the ask at
	// 08:00; asked at 10:00 that warning is already past and is left out.
	r = mustDue(t, at(t, p.Location, "2025-12-29 10:00"), p, taiwan2026(t), nil, nil)
	if len(r.Warnings) != 1 || r.Warnings[0].Threshold != 1 {
		t.Errorf("warnings %+v", r.Warnings)
	}
}

func TestPolicyValidation(t *testing.T) {
	tp := zone(t, "Asia/Taipei")
	for _, p := range []Policy{
		{Days: 0, Mode: WorkingDays, Location: tp},
		{Days: 366, Mode: WorkingDays, Location: tp},
		{Days: 20, Mode: "business-days", Location: tp},
		{Days: 20, Mode: WorkingDays},
		{Days: 20, Mode: WorkingDays, Location: tp, Warnings: []int{5, 5}},
		{Days: 20, Mode: WorkingDays, Location: tp, Warnings: []int{-1}},
	} {
		if _, err := Due(time.Now(), p, nil, nil, nil); err == nil {
			t.Errorf("policy %+v accepted", p)
		}
	}
	def, err := DefaultPolicy()
	if err != nil || def.Validate() != nil || def.Days != 20 || def.Mode != WorkingDays || def.Location.String() != "Asia/Taipei" {
		t.Errorf("DefaultPolicy = %+v, %v", def, err)
	}
	if _, err := Due(time.Time{}, def, nil, nil, nil); err == nil {
		t.Error("zero askedAt accepted")
	}
}

// A calendar that has no working day for years must fail, not spin.
func TestNoWorkingDayIsAnError(t *testing.T) {
	var days []calendar.Day
	for d := date(2026, 1, 1); d.Before(date(2031, 1, 1)); d = d.AddDays(1) {
		days = append(days, calendar.Day{Date: d, Off: true, Name: "closed"})
	}
	cal := mustCal(t, days...)
	for _, mode := range []Mode{WorkingDays, CalendarDays} {
		p := policy(t, 5, mode, "UTC")
		if _, err := Due(at(t, p.Location, "2026-01-01 10:00"), p, cal, nil, nil); err == nil {
			t.Errorf("%s: no error", mode)
		}
	}
}

// Samoa skipped 2011-12-30 when it crossed the date line; that date cannot
// be day 1.
func TestSkippedDateInZone(t *testing.T) {
	p := policy(t, 1, CalendarDays, "Pacific/Apia")
	r := mustDue(t, at(t, p.Location, "2011-12-29 12:00"), p, nil, nil, nil)
	if r.DueDay != date(2012, 1, 2) || r.Explanation.Days[0].Skip != SkipNoSuchDay {
		t.Errorf("due %v\n%s", r.DueDay, r.Explanation)
	}
}
