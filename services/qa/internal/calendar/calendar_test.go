package calendar

import (
	"strings"
	"testing"
	"time"
)

func d(y int, m time.Month, day int) Date { return Date{y, m, day} }

func TestNilCalendarIsWeekendsOnly(t *testing.T) {
	var c *Calendar
	if !c.IsWorkingDay(d(2026, 1, 2)) || c.IsWorkingDay(d(2026, 1, 3)) || c.IsWorkingDay(d(2026, 1, 4)) {
		t.Error("nil calendar: Fri should work, Sat and Sun not")
	}
	if _, ok := c.Entry(d(2026, 1, 1)); ok || c.Len() != 0 || c.Days() != nil {
		t.Error("nil calendar has entries")
	}
}

func TestEntriesOverrideWeekends(t *testing.T) {
	c, conflicts, err := New([]Day{
		{Date: d(2026, 1, 1), Off: true, Name: "開國紀念日", Source: SourceCSV},
		{Date: d(2026, 1, 17), Off: false, Name: "補行上班", Source: SourceCSV},
		{Date: d(2026, 1, 24), Off: true, Source: SourceCSV}, // a plain Saturday, restated
	})
	if err != nil || len(conflicts) != 0 {
		t.Fatal(err, conflicts)
	}
	for _, c2 := range []struct {
		d    Date
		want bool
	}{
		{d(2026, 1, 1), false}, // Thursday holiday
		{d(2026, 1, 2), true},  // Friday, no entry
		{d(2026, 1, 17), true}, // make-up Saturday
		{d(2026, 1, 18), false},
		{d(2026, 1, 24), false},
	} {
		if got := c.IsWorkingDay(c2.d); got != c2.want {
			t.Errorf("IsWorkingDay(%v) = %v, want %v", c2.d, got, c2.want)
		}
	}
	if e, ok := c.Entry(d(2026, 1, 17)); !ok || e.Name != "補行上班" || e.Off {
		t.Errorf("Entry = %+v, %v", e, ok)
	}
}

func TestBuilderLaterSourceWinsAndReportsConflicts(t *testing.T) {
	var b Builder
	mustAdd(t, &b,
		Day{Date: d(2026, 7, 1), Off: true, Name: "Canada Day", Source: SourceICS},
		Day{Date: d(2026, 7, 29), Off: false, Source: SourceCSV},
	)
	mustAdd(t, &b,
		Day{Date: d(2026, 7, 1), Off: true, Name: "Canada Day", Source: SourceCSV}, // same meaning: no conflict
		Day{Date: d(2026, 7, 29), Off: true, Name: "颱風假", Source: SourceManual},
	)
	cal, conflicts := b.Build()
	if len(conflicts) != 1 {
		t.Fatalf("conflicts = %v", conflicts)
	}
	c := conflicts[0]
	if c.Date != d(2026, 7, 29) || c.Was.Off || !c.Now.Off || c.Now.Source != SourceManual {
		t.Errorf("conflict = %+v", c)
	}
	if !strings.Contains(c.String(), `day off "颱風假" (manual) replaced working day (csv)`) {
		t.Errorf("conflict text = %s", c)
	}
	if cal.IsWorkingDay(d(2026, 7, 29)) || cal.Len() != 2 {
		t.Error("the manual typhoon day should have won")
	}
	if e, _ := cal.Entry(d(2026, 7, 1)); e.Source != SourceCSV {
		t.Errorf("identical repeat: later entry should be kept, got %+v", e)
	}

	// The calendar built is a snapshot: later additions do not change it.
	mustAdd(t, &b, Day{Date: d(2026, 8, 3), Off: true, Name: "Civic Holiday"})
	if _, ok := cal.Entry(d(2026, 8, 3)); ok {
		t.Error("calendar changed after Build")
	}
	if days := cal.Days(); len(days) != 2 || !days[0].Date.Before(days[1].Date) {
		t.Errorf("Days() = %v", days)
	}
}

func TestBuilderAddIsAllOrNothing(t *testing.T) {
	var b Builder
	err := b.Add(
		Day{Date: d(2026, 1, 1), Off: true, Name: "ok"},
		Day{Date: d(2026, 2, 30), Off: true},
	)
	if err == nil || !strings.Contains(err.Error(), "entry 2") {
		t.Fatalf("err = %v", err)
	}
	if cal, _ := b.Build(); cal.Len() != 0 {
		t.Error("a failed Add left entries behind")
	}
	for _, name := range []string{"bad\ufffd", "bell\a", string([]byte{0xff}), strings.Repeat("長", 201)} {
		if _, _, err := New([]Day{{Date: d(2026, 1, 1), Name: name}}); err == nil {
			t.Errorf("name %q accepted", name)
		}
	}
}

func mustAdd(t *testing.T, b *Builder, days ...Day) {
	t.Helper()
	if err := b.Add(days...); err != nil {
		t.Fatal(err)
	}
}

// Calendars spanning centuries skip the dense index; lookups must agree.
func TestSparseCalendar(t *testing.T) {
	c, _, err := New([]Day{
		{Date: d(1800, 1, 1), Off: true, Name: "old"},
		{Date: d(2026, 1, 17), Off: false, Name: "補行上班"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.index != nil {
		t.Fatal("expected no dense index")
	}
	if c.IsWorkingDay(d(1800, 1, 1)) || !c.IsWorkingDay(d(2026, 1, 17)) || c.IsWorkingDay(d(2026, 1, 18)) {
		t.Error("sparse lookups wrong")
	}
	if days := c.Days(); len(days) != 2 || days[0].Name != "old" {
		t.Errorf("Days() = %v", days)
	}
}
