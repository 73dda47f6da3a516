package slaclock

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kept-ogp/kept/services/qa/internal/calendar"
)

var fuzzZones = []string{"Asia/Taipei", "America/Toronto", "UTC", "America/Santiago", "Pacific/Apia",
	"Australia/Lord_Howe", "America/Havana", "Europe/London"}

// randomCase builds a question from r: a random ask in 2011-2030 in a
// random zone, policy, calendar of holidays and make-up Saturdays around it,
// and closed pauses.
type randomCase struct {
	asked  time.Time
	p      Policy
	days   []calendar.Day
	pauses []Pause
}

func newRandomCase(t testing.TB, r *rand.Rand) randomCase {
	loc := zone(t, fuzzZones[r.IntN(len(fuzzZones))])
	asked := time.Unix(time.Date(2011, 1, 1, 0, 0, 0, 0, time.UTC).Unix()+r.Int64N(20*365*86400), 0).In(loc)
	mode := WorkingDays
	if r.IntN(2) == 0 {
		mode = CalendarDays
	}
	c := randomCase{asked: asked, p: Policy{Days: 1 + r.IntN(40), Mode: mode, Location: loc, Warnings: []int{5, 1, 0}}}
	day0 := calendar.DateOf(asked)
	for i := 0; i < r.IntN(15); i++ {
		d := day0.AddDays(r.IntN(60) - 5)
		off := !calendar.IsWeekend(d) || r.IntN(3) > 0
		c.days = append(c.days, calendar.Day{Date: d, Off: off, Name: "random"})
	}
	from := asked
	for i := 0; i < r.IntN(3); i++ {
		from = from.Add(time.Duration(r.Int64N(int64(10 * 24 * time.Hour))))
		to := from.Add(time.Duration(r.Int64N(int64(5 * 24 * time.Hour))))
		c.pauses = append(c.pauses, pause(from, to))
		from = to
	}
	return c
}

func (c randomCase) due(t testing.TB) Result {
	t.Helper()
	return mustDue(t, c.asked, c.p, mustCal(t, c.days...), c.pauses, nil)
}

func TestProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 3000; i++ {
		c := newRandomCase(t, r)
		cal := mustCal(t, c.days...)
		res := c.due(t)
		checkResult(t, c.asked, c.p, cal, res)

		// Adding a holiday never makes the due date earlier.
		more := c
		more.days = append(append([]calendar.Day(nil), c.days...),
			calendar.Day{Date: res.AskedDay.AddDays(1 + r.IntN(c.p.Days+5)), Off: true, Name: "added"})
		if later := more.due(t); later.DueDay.Before(res.DueDay) {
			t.Fatalf("case %d: a holiday moved the due day earlier: %v -> %v", i, res.DueDay, later.DueDay)
		}
		// Nor does a pause.
		morePause := c
		start := c.asked.Add(time.Duration(r.Int64N(int64(30 * 24 * time.Hour))))
		morePause.pauses = append(append([]Pause(nil), c.pauses...), pause(start, start.Add(time.Duration(r.Int64N(int64(4*24*time.Hour))))))
		if later := morePause.due(t); later.DueDay.Before(res.DueDay) {
			t.Fatalf("case %d: a pause moved the due day earlier: %v -> %v", i, res.DueDay, later.DueDay)
		}
		// An answer at the due second took exactly the policy's days in
		// working mode, at least as many in calendar mode, and is on time.
		tk, err := Elapsed(c.asked, res.DueAt, c.p, cal, c.pauses, nil)
		if err != nil || !tk.OnTime || c.p.Mode == WorkingDays && tk.Days != c.p.Days || tk.Days < c.p.Days {
			t.Fatalf("case %d: answered at DueAt: %+v, %v (policy %d %s)\n%s", i, tk, err, c.p.Days, c.p.Mode, res.Explanation)
		}
	}
}

// checkResult asserts what must hold for every computed deadline.
func checkResult(t testing.TB, asked time.Time, p Policy, cal *calendar.Calendar, r Result) {
	t.Helper()
	if r.Paused {
		if !r.DueAt.IsZero() || r.Remaining < 0 {
			t.Fatalf("paused result %+v", r)
		}
		return
	}
	switch {
	case !r.DueDay.After(r.AskedDay):
		t.Fatalf("due day %v not after the day asked %v", r.DueDay, r.AskedDay)
	case r.DueAt.Before(asked):
		t.Fatalf("DueAt %v before askedAt %v", r.DueAt, asked)
	case calendar.DateOf(r.DueAt) != r.DueDay:
		t.Fatalf("DueAt %v is not on the due day %v", r.DueAt, r.DueDay)
	case !r.BreachAt.Equal(r.DueAt.Add(time.Second)) || calendar.DateOf(r.BreachAt) == r.DueDay:
		t.Fatalf("BreachAt %v, DueAt %v", r.BreachAt, r.DueAt)
	case !cal.IsWorkingDay(r.DueDay):
		t.Fatalf("due on a day off: %v", r.DueDay)
	}
	prev := asked
	for _, w := range r.Warnings {
		if !w.At.After(prev) || !w.At.Before(r.BreachAt) {
			t.Fatalf("warnings out of order or late: %+v (due %v)", r.Warnings, r.DueAt)
		}
		prev = w.At
	}
	n := 0
	for _, d := range r.Explanation.Days {
		if d.Count > 0 {
			if n++; d.Count != n {
				t.Fatalf("day numbers jump at %v: %d after %d", d.Date, d.Count, n-1)
			}
		} else if d.Skip == "" && d.Step != StepMove {
			t.Fatalf("day %v neither counted nor skipped", d.Date)
		}
	}
	if n != p.Days {
		t.Fatalf("counted %d days, policy says %d", n, p.Days)
	}
}

func FuzzDue(f *testing.F) {
	f.Add(int64(1767322800), uint16(20), false, uint8(0), int64(3600), int64(86400), false, uint64(0x5555), uint8(0))
	f.Add(int64(1325152800), uint16(1), true, uint8(4), int64(0), int64(0), true, uint64(0), uint8(3))
	f.Add(int64(1772960400), uint16(365), true, uint8(1), int64(-5), int64(1<<40), false, ^uint64(0), uint8(255))
	f.Fuzz(func(t *testing.T, askedUnix int64, days uint16, calendarMode bool, zoneIdx uint8,
		pauseAfter, pauseLen int64, open bool, holidays uint64, extDays uint8) {
		loc := zone(t, fuzzZones[int(zoneIdx)%len(fuzzZones)])
		asked := time.Unix(askedUnix%(200*365*86400), 0)
		p := Policy{Days: int(days % 400), Mode: WorkingDays, Location: loc, Warnings: []int{5, 1}}
		if calendarMode {
			p.Mode = CalendarDays
		}
		// Holidays: one bit per day from the day asked on.
		var entries []calendar.Day
		day0 := calendar.DateOf(asked.In(loc))
		for i := 0; i < 64; i++ {
			if holidays&(1<<i) != 0 {
				entries = append(entries, calendar.Day{Date: day0.AddDays(i), Off: true})
			}
		}
		cal, _, err := calendar.New(entries)
		if err != nil {
			t.Fatal(err)
		}
		var pauses []Pause
		if pauseAfter != 0 || pauseLen != 0 {
			from := asked.Add(time.Duration(pauseAfter))
			ps := Pause{From: from, To: from.Add(time.Duration(pauseLen)), By: "f", Reason: "f"}
			if open {
				ps.To = time.Time{}
			}
			pauses = append(pauses, ps)
		}
		var ext []Extension
		if extDays > 0 {
			ext = append(ext, Extension{Days: int(extDays), Reason: "f", By: "f", At: asked})
		}
		r, err := Due(asked, p, cal, pauses, ext)
		if err != nil {
			return
		}
		if !r.Paused && r.DueAt.Before(asked) {
			t.Fatalf("DueAt %v before askedAt %v", r.DueAt, asked)
		}
		if !r.Paused && !cal.IsWorkingDay(r.DueDay) {
			t.Fatalf("due on a day off")
		}
		_ = r.Explanation.String()
	})
}

// Deadline is Due without the explanation: the same dates, warnings and
// pause state for every input.
func TestDeadlineAgreesWithDue(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 3000; i++ {
		c := newRandomCase(t, r)
		cal := mustCal(t, c.days...)
		pauses := c.pauses
		if r.IntN(4) == 0 {
			pauses = append(pauses, Pause{From: c.asked.Add(time.Duration(r.Int64N(int64(30 * 24 * time.Hour))))})
		}
		var ext []Extension
		if r.IntN(3) == 0 {
			ext = append(ext, Extension{Days: 1 + r.IntN(10), At: c.asked.Add(time.Hour)})
		}
		full, err1 := Due(c.asked, c.p, cal, pauses, ext)
		fast, err2 := Deadline(c.asked, c.p, cal, pauses, ext)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("case %d: errors %v and %v", i, err1, err2)
		}
		full.Explanation = Explanation{}
		if full.DueDay != fast.DueDay || !full.DueAt.Equal(fast.DueAt) || !full.BreachAt.Equal(fast.BreachAt) ||
			full.Paused != fast.Paused || full.Remaining != fast.Remaining || len(full.Warnings) != len(fast.Warnings) {
			t.Fatalf("case %d (%v, %+v): Due %+v, Deadline %+v", i, c.asked, c.p, full, fast)
		}
		for j := range full.Warnings {
			if full.Warnings[j].Day != fast.Warnings[j].Day || full.Warnings[j].Threshold != fast.Warnings[j].Threshold || !full.Warnings[j].At.Equal(fast.Warnings[j].At) {
				t.Fatalf("case %d: warnings %v and %v", i, full.Warnings, fast.Warnings)
			}
		}
	}
}
