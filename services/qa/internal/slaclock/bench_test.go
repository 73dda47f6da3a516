package slaclock

import (
	"testing"

	"github.com/kept-ogp/kept/services/qa/internal/calendar"
)

// tenYears is a Taiwan-like calendar for 2026-2035: the fixture's year
// repeated, so lookups see a realistic number of entries.
func tenYears(b *testing.B) *calendar.Calendar {
	var days []calendar.Day
	for _, d := range taiwan2026(b).Days() {
		for y := 0; y < 10; y++ {
			nd := d
			nd.Date.Year += y
			if nd.Date.IsValid() {
				days = append(days, nd)
			}
		}
	}
	return mustCal(b, days...)
}

func BenchmarkDue(b *testing.B) {
	cal := tenYears(b)
	p := policy(b, 20, WorkingDays, "Asia/Taipei", 5, 1)
	asked := at(b, p.Location, "2030-01-05 14:00")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Due(asked, p, cal, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDueCalendarModeWithPause(b *testing.B) {
	cal := tenYears(b)
	p := policy(b, 20, CalendarDays, "America/Toronto", 5, 1)
	asked := at(b, p.Location, "2030-03-01 14:00")
	ps := []Pause{pause(asked.Add(50*3600e9), asked.Add(100*3600e9))}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Due(asked, p, cal, ps, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDeadline is the computation the checker and day counts use:
// the goal is a million a second on one core (at most 1 µs/op).
func BenchmarkDeadline(b *testing.B) {
	cal := tenYears(b)
	p := policy(b, 20, WorkingDays, "Asia/Taipei", 5, 1)
	asked := at(b, p.Location, "2030-01-05 14:00")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Deadline(asked, p, cal, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deadlines/s")
}
