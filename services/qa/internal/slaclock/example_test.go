package slaclock_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kept-ogp/kept/services/qa/internal/calendar"
	"github.com/kept-ogp/kept/services/qa/internal/slaclock"
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// A question asked on New Year's Eve in Taipei, under the default policy,
// with a bridge day off and the Saturday that makes it up.
func ExampleDue_workingDays() {
	fmt.Print(newYearInTaipei().Explanation)
	// Output:
	// Policy: 20 working days, dates in Asia/Taipei; warnings 5 and 1 working days before the due day, at 09:00.
	// Asked Wed 2025-12-31 19:30:00 (Asia/Taipei); that day is day 0.
	// Thu 2026-01-01: skipped, holiday 開國紀念日.
	// Fri 2026-01-02: skipped, holiday 彈性放假.
	// Sat 2026-01-03: skipped, weekend.
	// Sun 2026-01-04: skipped, weekend.
	// Days 1-5: Mon 2026-01-05 to Fri 2026-01-09.
	// Sat 2026-01-10: skipped, weekend.
	// Sun 2026-01-11: skipped, weekend.
	// Days 6-10: Mon 2026-01-12 to Fri 2026-01-16.
	// Day 11: Sat 2026-01-17 (extra working day 補行上班).
	// Sun 2026-01-18: skipped, weekend.
	// Days 12-16: Mon 2026-01-19 to Fri 2026-01-23.
	// Sat 2026-01-24: skipped, weekend.
	// Sun 2026-01-25: skipped, weekend.
	// Days 17-20: Mon 2026-01-26 to Thu 2026-01-29.
	// Due by Thu 2026-01-29 23:59:59 (Asia/Taipei); late from Fri 2026-01-30 00:00:00.
	// Warning 5 working days before: Thu 2026-01-22 09:00.
	// Warning 1 working day before: Wed 2026-01-28 09:00.
}

// Calendar-day mode in Toronto: day 20 is Canada Day, so the answer is due
// the next working day.
func ExampleDue_calendarDays() {
	to := must(time.LoadLocation("America/Toronto"))
	p := slaclock.Policy{Days: 20, Mode: slaclock.CalendarDays, Location: to}
	cal, _, _ := calendar.New([]calendar.Day{
		{Date: calendar.Date{Year: 2026, Month: 7, Day: 1}, Off: true, Name: "Canada Day / Fête du Canada", Source: calendar.SourceICS},
	})
	r := must(slaclock.Due(time.Date(2026, 6, 11, 12, 0, 0, 0, to), p, cal, nil, nil))
	fmt.Println(r.DueDay, r.DueAt.Format(time.RFC3339))
	for _, d := range r.Explanation.Days[18:] {
		fmt.Printf("%s count=%d kind=%s skip=%q step=%s\n", d.Date, d.Count, d.Kind, d.Skip, d.Step)
	}
	// Output:
	// 2026-07-02 2026-07-02T23:59:59-04:00
	// 2026-06-30 count=19 kind=working-day skip="" step=count
	// 2026-07-01 count=20 kind=holiday skip="" step=count
	// 2026-07-02 count=0 kind=working-day skip="" step=move
}

// Waiting for the asker: Wednesday is paused all day and does not count;
// Tuesday and Thursday are paused in part and do.
func ExampleDue_pause() {
	fmt.Print(pausedQuestion().Explanation)
	// Output:
	// Policy: 5 working days, dates in Asia/Taipei.
	// Asked Mon 2026-01-05 10:00:00 (Asia/Taipei); that day is day 0.
	// Paused from Tue 2026-01-06 15:00:00 to Thu 2026-01-08 11:00:00 by Ministry of Education editor: asked which school district the question is about.
	// Day 1: Tue 2026-01-06 (partly paused, so it counts).
	// Wed 2026-01-07: skipped, paused all day, waiting for the asker.
	// Day 2: Thu 2026-01-08 (partly paused, so it counts).
	// Day 3: Fri 2026-01-09.
	// Sat 2026-01-10: skipped, weekend.
	// Sun 2026-01-11: skipped, weekend.
	// Days 4-5: Mon 2026-01-12 to Tue 2026-01-13.
	// Due by Tue 2026-01-13 23:59:59 (Asia/Taipei); late from Wed 2026-01-14 00:00:00.
}

// An extension with its public reason.
func ExampleDue_extension() {
	fmt.Print(extendedQuestion().Explanation)
	// Output:
	// Policy: 5 working days, dates in Asia/Taipei.
	// Asked Mon 2026-01-05 10:00:00 (Asia/Taipei); that day is day 0.
	// Days 1-4: Tue 2026-01-06 to Fri 2026-01-09.
	// Sat 2026-01-10: skipped, weekend.
	// Sun 2026-01-11: skipped, weekend.
	// Day 5: Mon 2026-01-12.
	// Extension on Fri 2026-01-09 16:00:00 by OGP point of contact: 3 more working days, because the answer needs figures from the Ministry of Finance; the due day moves from 2026-01-12 to 2026-01-15.
	// Days 6-8: Tue 2026-01-13 to Thu 2026-01-15.
	// Due by Thu 2026-01-15 23:59:59 (Asia/Taipei); late from Fri 2026-01-16 00:00:00.
}

// How long answers took, counted the same way.
func ExampleElapsed() {
	tp := must(time.LoadLocation("Asia/Taipei"))
	p := slaclock.Policy{Days: 20, Mode: slaclock.WorkingDays, Location: tp}
	sat := time.Date(2026, 1, 10, 9, 0, 0, 0, tp)
	same := must(slaclock.Elapsed(sat, sat.Add(30*time.Hour), p, nil, nil, nil)) // answered Sunday
	fri := time.Date(2026, 1, 9, 9, 0, 0, 0, tp)
	mon := must(slaclock.Elapsed(fri, fri.Add(73*time.Hour), p, nil, nil, nil)) // answered Monday 10:00
	fmt.Println(same.Days, same.OnTime)
	fmt.Println(mon.Days, mon.OnTime)
	// Output:
	// 0 true
	// 1 true
}

// The scenarios below are shared with TestSLAMarkdown, which checks that
// SLA.md shows what they print.

func newYearInTaipei() slaclock.Result {
	p := must(slaclock.DefaultPolicy()) // 20 working days, Asia/Taipei, warnings 5 and 1
	cal, _, _ := calendar.New([]calendar.Day{
		{Date: calendar.Date{Year: 2026, Month: 1, Day: 1}, Off: true, Name: "開國紀念日", Source: calendar.SourceCSV},
		{Date: calendar.Date{Year: 2026, Month: 1, Day: 2}, Off: true, Name: "彈性放假", Source: calendar.SourceCSV},
		{Date: calendar.Date{Year: 2026, Month: 1, Day: 17}, Off: false, Name: "補行上班", Source: calendar.SourceCSV},
	})
	asked := time.Date(2025, 12, 31, 19, 30, 0, 0, p.Location)
	return must(slaclock.Due(asked, p, cal, nil, nil))
}

func pausedQuestion() slaclock.Result {
	tp := must(time.LoadLocation("Asia/Taipei"))
	p := slaclock.Policy{Days: 5, Mode: slaclock.WorkingDays, Location: tp}
	pauses := []slaclock.Pause{{
		From:   time.Date(2026, 1, 6, 15, 0, 0, 0, tp),
		To:     time.Date(2026, 1, 8, 11, 0, 0, 0, tp),
		By:     "Ministry of Education editor",
		Reason: "asked which school district the question is about",
	}}
	return must(slaclock.Due(time.Date(2026, 1, 5, 10, 0, 0, 0, tp), p, nil, pauses, nil))
}

func extendedQuestion() slaclock.Result {
	tp := must(time.LoadLocation("Asia/Taipei"))
	p := slaclock.Policy{Days: 5, Mode: slaclock.WorkingDays, Location: tp}
	ext := []slaclock.Extension{{
		Days:   3,
		Reason: "the answer needs figures from the Ministry of Finance",
		By:     "OGP point of contact",
		At:     time.Date(2026, 1, 9, 16, 0, 0, 0, tp),
	}}
	return must(slaclock.Due(time.Date(2026, 1, 5, 10, 0, 0, 0, tp), p, nil, nil, ext))
}

// TestSLAMarkdown keeps SLA.md honest: every fenced block in it must be
// printed, line for line, by one of the scenarios above.
func TestSLAMarkdown(t *testing.T) {
	doc, err := os.ReadFile("../../SLA.md")
	if err != nil {
		t.Fatal(err)
	}
	var outputs []string
	for _, r := range []slaclock.Result{newYearInTaipei(), pausedQuestion(), extendedQuestion()} {
		outputs = append(outputs, r.Explanation.String())
	}
	parts := strings.Split(string(doc), "```")
	blocks := 0
	for i := 1; i < len(parts); i += 2 {
		block := strings.TrimPrefix(parts[i], "\n")
		blocks++
		found := false
		for _, out := range outputs {
			found = found || strings.Contains(out, block)
		}
		if !found {
			t.Errorf("SLA.md block %d is not what the code prints:\n%s", blocks, block)
		}
	}
	if blocks != 3 {
		t.Errorf("SLA.md has %d code blocks, want 3", blocks)
	}
}
