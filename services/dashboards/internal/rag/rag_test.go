package rag

import (
	"testing"
	"time"
)

func day(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

func TestEvaluate(t *testing.T) {
	// Late in the day, in a zone west of UTC, to show times and zones do not
	// move the date.
	toronto := time.FixedZone("EST", -5*3600)
	today := time.Date(2026, time.March, 10, 23, 30, 0, 0, toronto)
	yesterday := day(2026, time.March, 9)
	dueToday := day(2026, time.March, 10)
	tomorrow := day(2026, time.March, 11)
	at90 := day(2026, time.June, 8) // exactly 90 days on
	at91 := day(2026, time.June, 9)
	far := day(2027, time.January, 1)

	cases := []struct {
		name string
		it   Item
		r    Rules
		want Result
	}{
		{"complete", Item{Status: Complete, Due: far}, Rules{}, Result{Green, ReasonComplete}},
		{"complete after its due date stays green", Item{Status: Complete, Due: yesterday}, Rules{}, Result{Green, ReasonComplete}},
		{"complete without a date", Item{Status: Complete}, Rules{}, Result{Green, ReasonComplete}},

		{"due yesterday, substantial", Item{Status: Substantial, Due: yesterday}, Rules{}, Result{Red, ReasonOverdue}},
		{"due yesterday, no update", Item{Due: yesterday}, Rules{}, Result{Red, ReasonOverdue}},
		{"due yesterday, disputed: red wins", Item{Status: Limited, Due: yesterday, Disputed: true}, Rules{}, Result{Red, ReasonOverdue}},
		{"due yesterday, recurring", Item{Status: Substantial, Due: yesterday, Recurring: true}, Rules{}, Result{Red, ReasonOverdue}},
		{"due today is not late, substantial", Item{Status: Substantial, Due: dueToday}, Rules{}, Result{Green, ReasonOnTrack}},
		{"due today is not late, limited", Item{Status: Limited, Due: dueToday}, Rules{}, Result{Amber, ReasonDueSoonLowProgress}},

		{"disputed", Item{Status: Substantial, Due: far, Disputed: true}, Rules{}, Result{Amber, ReasonDisputed}},
		{"disputed completion", Item{Status: Complete, Disputed: true}, Rules{}, Result{Amber, ReasonDisputed}},
		{"disputed without status", Item{Disputed: true}, Rules{}, Result{Amber, ReasonDisputed}},

		{"due tomorrow, not started", Item{Status: NotStarted, Due: tomorrow}, Rules{}, Result{Amber, ReasonDueSoonLowProgress}},
		{"exactly DueSoon away, limited", Item{Status: Limited, Due: at90}, Rules{}, Result{Amber, ReasonDueSoonLowProgress}},
		{"exactly DueSoon away, no update", Item{Due: at90}, Rules{}, Result{Amber, ReasonDueSoonLowProgress}},
		{"one day past DueSoon, limited", Item{Status: Limited, Due: at91}, Rules{}, Result{Green, ReasonOnTrack}},
		{"one day past DueSoon, no update", Item{Due: at91}, Rules{}, Result{Grey, ReasonNotReported}},
		{"due soon, substantial", Item{Status: Substantial, Due: tomorrow}, Rules{}, Result{Green, ReasonOnTrack}},
		{"custom window, inside", Item{Status: NotStarted, Due: day(2026, time.March, 17)}, Rules{DueSoon: 7 * 24 * time.Hour}, Result{Amber, ReasonDueSoonLowProgress}},
		{"custom window, outside", Item{Status: NotStarted, Due: day(2026, time.March, 18)}, Rules{DueSoon: 7 * 24 * time.Hour}, Result{Green, ReasonOnTrack}},
		{"negative window means default", Item{Status: NotStarted, Due: at90}, Rules{DueSoon: -time.Hour}, Result{Amber, ReasonDueSoonLowProgress}},

		{"no update, no date", Item{}, Rules{}, Result{Grey, ReasonNotReported}},
		{"no update, far date", Item{Due: far}, Rules{}, Result{Grey, ReasonNotReported}},
		{"unknown status counts as none", Item{Status: "delayed"}, Rules{}, Result{Grey, ReasonNotReported}},
		{"unknown status due soon", Item{Status: "delayed", Due: tomorrow}, Rules{}, Result{Amber, ReasonDueSoonLowProgress}},

		{"recurring, not reported", Item{Recurring: true}, Rules{}, Result{Grey, ReasonRecurringNotReported}},
		{"recurring, not reported, end soon", Item{Recurring: true, Due: tomorrow}, Rules{}, Result{Grey, ReasonRecurringNotReported}},
		{"recurring, not started", Item{Recurring: true, Status: NotStarted}, Rules{}, Result{Amber, ReasonRecurringLowProgress}},
		{"recurring, limited", Item{Recurring: true, Status: Limited}, Rules{}, Result{Amber, ReasonRecurringLowProgress}},
		{"recurring, substantial", Item{Recurring: true, Status: Substantial}, Rules{}, Result{Green, ReasonRecurringReported}},
		{"recurring, complete", Item{Recurring: true, Status: Complete}, Rules{}, Result{Green, ReasonComplete}},
		{"recurring, disputed", Item{Recurring: true, Status: Substantial, Disputed: true}, Rules{}, Result{Amber, ReasonDisputed}},

		{"on track", Item{Status: Limited, Due: far}, Rules{}, Result{Green, ReasonOnTrack}},
		{"on track without a date", Item{Status: NotStarted}, Rules{}, Result{Green, ReasonOnTrack}},
	}
	for _, c := range cases {
		if got := Evaluate(c.it, today, c.r); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

// The due date's own time of day and zone must not matter either.
func TestEvaluateDueTimeIgnored(t *testing.T) {
	today := time.Date(2026, time.March, 10, 0, 0, 1, 0, time.UTC)
	due := time.Date(2026, time.March, 9, 23, 59, 59, 0, time.UTC)
	if got := Evaluate(Item{Status: Substantial, Due: &due}, today, Rules{}); got.Light != Red {
		t.Errorf("due 23:59 yesterday: got %+v, want red", got)
	}
	due = time.Date(2026, time.March, 10, 0, 0, 0, 0, time.UTC)
	today = time.Date(2026, time.March, 10, 23, 59, 59, 0, time.UTC)
	if got := Evaluate(Item{Status: Substantial, Due: &due}, today, Rules{}); got.Light != Green {
		t.Errorf("due midnight today, evening now: got %+v, want green", got)
	}
}

func results(lights ...Light) []Result {
	out := make([]Result, len(lights))
	for i, l := range lights {
		out[i] = Result{Light: l}
	}
	return out
}

func TestRollup(t *testing.T) {
	cases := []struct {
		name     string
		children []Result
		want     Result
	}{
		{"none", nil, Result{Grey, ReasonRollupEmpty}},
		{"all green", results(Green, Green), Result{Green, ReasonRollupGreen}},
		{"green and grey", results(Green, Grey, Grey), Result{Green, ReasonRollupGreen}},
		{"all grey", results(Grey, Grey), Result{Grey, ReasonRollupGrey}},
		{"unknown light counts as grey", results(Grey, ""), Result{Grey, ReasonRollupGrey}},
		{"one amber", results(Green, Green, Amber), Result{Amber, ReasonRollupAmber}},
		{"amber among grey", results(Grey, Amber), Result{Amber, ReasonRollupAmber}},
		{"exactly a quarter red is amber", results(Red, Green, Green, Green), Result{Amber, ReasonRollupAmber}},
		{"just over a quarter red", results(Red, Red, Green, Green, Green, Green, Green), Result{Red, ReasonRollupRed}},
		{"2 of 8 red is amber", results(Red, Red, Green, Green, Green, Green, Green, Green), Result{Amber, ReasonRollupAmber}},
		{"3 of 8 red", results(Red, Red, Red, Green, Green, Green, Green, Green), Result{Red, ReasonRollupRed}},
		{"single red", results(Red), Result{Red, ReasonRollupRed}},
		{"red and grey", results(Red, Grey, Grey, Grey, Grey), Result{Amber, ReasonRollupAmber}},
	}
	for _, c := range cases {
		if got := Rollup(c.children); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}
