package slaclock

import (
	"testing"
	"time"
)

// Toronto moves to EDT on Sun 2026-03-08 and back to EST on Sun 2026-11-01.
// "23:59:59 local" must use the offset of the due day, not of the ask.
func TestDaylightSavingToronto(t *testing.T) {
	to := zone(t, "America/Toronto")
	for _, c := range []struct {
		name, asked string
		days        int
		dueUTC      string
	}{
		{"spring forward between ask and due", "2026-02-27 10:00", 10, "2026-03-14T03:59:59Z"}, // EDT, -4
		{"fall back between ask and due", "2026-10-30 08:00", 1, "2026-11-03T04:59:59Z"},       // EST, -5
		{"no change", "2026-01-05 08:00", 1, "2026-01-07T04:59:59Z"},
	} {
		p := Policy{Days: c.days, Mode: WorkingDays, Location: to, Warnings: []int{1}}
		r := mustDue(t, at(t, to, c.asked), p, nil, nil, nil)
		if got := r.DueAt.UTC().Format(time.RFC3339); got != c.dueUTC {
			t.Errorf("%s: DueAt %s (%v), want %s", c.name, got, r.DueAt, c.dueUTC)
		}
		if r.DueAt.Format("15:04:05") != "23:59:59" || r.BreachAt.Format("15:04:05") != "00:00:00" {
			t.Errorf("%s: local DueAt %v, BreachAt %v", c.name, r.DueAt, r.BreachAt)
		}
		if w := r.Warnings[0].At; w.Format("15:04") != "09:00" {
			t.Errorf("%s: warning at %v", c.name, w)
		}
	}
	// Sun 03-08 is 23 hours long: a pause over exactly that day still covers
	// it wholly, in calendar mode where Sundays count.
	p := Policy{Days: 2, Mode: CalendarDays, Location: to}
	asked := at(t, to, "2026-03-06 10:00") // Fri; day 1 Sat, day 2 Sun -> Mon
	r := mustDue(t, asked, p, nil, []Pause{pause(at(t, to, "2026-03-08 00:00"), at(t, to, "2026-03-09 00:00"))}, nil)
	if r.DueDay != date(2026, 3, 9) || r.Explanation.Days[1].Skip != SkipPaused {
		t.Errorf("due %v\n%s", r.DueDay, r.Explanation)
	}
	r = mustDue(t, asked, Policy{Days: 3, Mode: CalendarDays, Location: to}, nil,
		[]Pause{pause(at(t, to, "2026-03-08 00:00"), at(t, to, "2026-03-09 00:00"))}, nil)
	if r.DueDay != date(2026, 3, 10) {
		t.Errorf("3 days with Sunday paused: due %v\n%s", r.DueDay, r.Explanation)
	}
}
