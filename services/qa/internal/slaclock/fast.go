package slaclock

import (
	"fmt"
	"slices"
	"time"

	"github.com/kept-ogp/kept/services/qa/internal/calendar"
)

// plainDeadline is Deadline for the common question, never paused nor
// extended: the same rules as the clock walk, on day numbers and without
// notes, because the checker and every list of questions compute it for each
// open question (TestDeadlineAgreesWithDue holds the two to the same
// answers).
func plainDeadline(askedAt time.Time, asked calendar.Date, p Policy, cal *calendar.Calendar) (Result, error) {
	z := zoneCache{loc: p.Location}
	var r Result
	// exists: a zone may skip a whole date (Samoa skipped 30 December 2011);
	// within one zone period every date exists, so only dates near a
	// change ask the zone.
	exists := func(n int) bool {
		if z.ok {
			if s := int64(n)*86400 - z.off; s > z.from && s+86400 < z.to {
				return true
			}
		}
		return z.startN(n) < z.startN(n+1)
	}
	if len(p.Warnings) > 0 {
		r.Warnings = make([]Warning, 0, len(p.Warnings))
	}
	working := cal.WorkingAt
	start := asked.DayNumber()
	n, scanned := start, 0
	for left := p.Days; left > 0; {
		n++
		if scanned++; scanned > maxScan {
			return Result{}, fmt.Errorf("due date: no due day within %d days: the calendar has too few working days", maxScan)
		}
		if exists(n) && (p.Mode == CalendarDays || working(n)) {
			left--
		}
	}
	for !(exists(n) && working(n)) { // calendar mode: a day off moves on
		n++
		if scanned++; scanned > maxScan {
			return Result{}, fmt.Errorf("due date: no due day within %d days: the calendar has too few working days", maxScan)
		}
	}
	due := asked.AddDays(n - start)
	r.AskedDay, r.DueDay = asked, due
	r.BreachAt = time.Unix(z.startN(n+1), 0).In(p.Location)
	r.DueAt = r.BreachAt.Add(-time.Second)
	thresholds := p.Warnings
	if !slices.IsSortedFunc(thresholds, func(a, b int) int { return b - a }) {
		thresholds = p.thresholds()
	}
	for _, t := range thresholds {
		d := n
		for i, left := 0, t; left > 0; i++ {
			if i > maxScan {
				return Result{}, fmt.Errorf("due date: no working day within %d days before %s", maxScan, due)
			}
			d--
			if exists(d) && working(d) {
				left--
			}
		}
		day := asked.AddDays(d - start)
		var at time.Time
		// WarningHour local time: midnight plus the hours, unless the zone
		// changes its offset on that day before then.
		if mid := z.startN(d); mid+WarningHour*3600 < z.to && mid > z.from {
			at = time.Unix(mid+WarningHour*3600, 0).In(p.Location)
		} else {
			at = time.Date(day.Year, day.Month, day.Day, WarningHour, 0, 0, 0, p.Location)
		}
		if at.After(askedAt) {
			r.Warnings = append(r.Warnings, Warning{Threshold: t, Day: day, At: at})
		}
	}
	return r, nil
}
