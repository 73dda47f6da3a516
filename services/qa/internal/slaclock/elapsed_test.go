package slaclock

import (
	"testing"
	"time"
)

func TestElapsed(t *testing.T) {
	tp := zone(t, "Asia/Taipei")
	work := Policy{Days: 5, Mode: WorkingDays, Location: tp}
	cal := Policy{Days: 5, Mode: CalendarDays, Location: tp}
	taiwan := taiwan2026(t)
	for _, c := range []struct {
		name            string
		p               Policy
		asked, answered string
		days            int
		onTime          bool
	}{
		{"same day", work, "2026-01-05 09:00", "2026-01-05 17:00", 0, true},
		{"Saturday ask, Sunday answer, working", work, "2026-01-10 09:00", "2026-01-11 17:00", 0, true},
		{"Saturday ask, Sunday answer, calendar", cal, "2026-01-10 09:00", "2026-01-11 17:00", 1, true},
		{"Friday to Monday", work, "2026-01-09 09:00", "2026-01-12 08:00", 1, true},
		{"on the due day", work, "2026-01-05 09:00", "2026-01-12 23:59", 5, true},
		{"a day late", work, "2026-01-05 09:00", "2026-01-13 00:00", 6, false},
		{"make-up Saturday counts", work, "2026-01-16 09:00", "2026-01-19 09:00", 2, true},
	} {
		tk, err := Elapsed(at(t, tp, c.asked), at(t, tp, c.answered), c.p, taiwan, nil, nil)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if tk.Days != c.days || tk.OnTime != c.onTime || tk.Mode != c.p.Mode {
			t.Errorf("%s: took %+v, want %d days, on time %v", c.name, tk, c.days, c.onTime)
		}
	}
	if _, err := Elapsed(at(t, tp, "2026-01-05 09:00"), at(t, tp, "2026-01-05 08:59"), work, nil, nil, nil); err == nil {
		t.Error("an answer before the question was accepted")
	}
}

func TestLateByOneSecond(t *testing.T) {
	tp := zone(t, "Asia/Taipei")
	p := Policy{Days: 5, Mode: WorkingDays, Location: tp}
	asked := at(t, tp, "2026-01-05 09:00")
	r := mustDue(t, asked, p, nil, nil, nil)
	for _, c := range []struct {
		answered time.Time
		onTime   bool
	}{
		{r.DueAt, true},
		{r.BreachAt.Add(-time.Nanosecond), true}, // 23:59:59.999999999 is still 23:59:59
		{r.BreachAt, false},
		{r.DueAt.Add(time.Second), false},
	} {
		tk, err := Elapsed(asked, c.answered, p, nil, nil, nil)
		if err != nil || tk.OnTime != c.onTime || !tk.DueAt.Equal(r.DueAt) {
			t.Errorf("answered %v: %+v, %v; want on time %v", c.answered, tk, err, c.onTime)
		}
	}
}

// Answers either side of local midnight while UTC is still on the earlier date.
func TestElapsedAcrossLocalMidnight(t *testing.T) {
	tp := zone(t, "Asia/Taipei")
	p := Policy{Days: 1, Mode: WorkingDays, Location: tp}
	asked := time.Date(2026, 1, 5, 1, 0, 0, 0, time.UTC)     // Mon 09:00 Taipei, due Tue
	before := time.Date(2026, 1, 6, 15, 59, 59, 0, time.UTC) // Tue 23:59:59 Taipei
	after := time.Date(2026, 1, 6, 16, 0, 0, 0, time.UTC)    // Wed 00:00:00 Taipei, still Tue in UTC
	for answered, want := range map[time.Time]bool{before: true, after: false} {
		tk, err := Elapsed(asked, answered, p, nil, nil, nil)
		if err != nil || tk.OnTime != want {
			t.Errorf("answered %v: %+v %v", answered, tk, err)
		}
	}
}

func TestElapsedWithPauseAndLateExtension(t *testing.T) {
	tp := zone(t, "Asia/Taipei")
	p := Policy{Days: 5, Mode: WorkingDays, Location: tp}
	asked := at(t, tp, "2026-01-05 10:00")
	// Wed 01-07 wholly paused: due moves from Mon 01-12 to Tue 01-13.
	ps := []Pause{pause(at(t, tp, "2026-01-06 15:00"), at(t, tp, "2026-01-08 11:00"))}
	tk, err := Elapsed(asked, at(t, tp, "2026-01-13 12:00"), p, nil, ps, nil)
	if err != nil || tk.Days != 5 || !tk.OnTime {
		t.Errorf("%+v %v", tk, err)
	}
	// Answered while still paused: the pause ends with the answer.
	open := []Pause{{From: at(t, tp, "2026-01-06 15:00"), By: "x", Reason: "y"}}
	tk, err = Elapsed(asked, at(t, tp, "2026-01-20 12:00"), p, nil, open, nil)
	if err != nil || tk.Days != 2 || !tk.OnTime {
		t.Errorf("open pause: %+v %v", tk, err)
	}
	// An extension granted after a late answer does not make it on time.
	late := at(t, tp, "2026-01-14 12:00")
	ext := []Extension{{Days: 5, Reason: "r", By: "b", At: late.Add(time.Hour)}}
	if tk, _ = Elapsed(asked, late, p, nil, nil, ext); tk.OnTime {
		t.Error("a retroactive extension made a late answer on time")
	}
	ext[0].At = late.Add(-24 * time.Hour)
	if tk, _ = Elapsed(asked, late, p, nil, nil, ext); !tk.OnTime {
		t.Error("an extension granted in time did not count")
	}
}
