// Package rag turns a milestone's or indicator's agreed progress into a
// traffic light (red / amber / green, plus grey for "not yet reported") and
// rolls lights up from indicators to milestones, commitments and plans.
//
// The rules are written out for the public in ../../RULES.md; keep the two in
// step, since ministries show these lights on their own sites.
package rag

import "time"

// Light is the colour shown for an item. The values double as i18n keys.
type Light string

// The lights.
const (
	Green Light = "green"
	Amber Light = "amber"
	Red   Light = "red"
	Grey  Light = "grey"
)

// Status values, the IRM completion levels. "" means no agreed update yet.
const (
	NotStarted  = "not_started"
	Limited     = "limited"
	Substantial = "substantial"
	Complete    = "complete"
)

// Reason codes. They are stable: the widgets translate them and callers may
// store them.
const (
	ReasonComplete             = "complete"
	ReasonOverdue              = "overdue"
	ReasonDisputed             = "disputed"
	ReasonDueSoonLowProgress   = "due_soon_low_progress"
	ReasonNotReported          = "not_reported"
	ReasonOnTrack              = "on_track"
	ReasonRecurringNotReported = "recurring_not_reported"
	ReasonRecurringReported    = "recurring_reported"
	ReasonRecurringLowProgress = "recurring_low_progress"
	ReasonRollupRed            = "rollup_red"
	ReasonRollupAmber          = "rollup_amber"
	ReasonRollupGrey           = "rollup_grey"
	ReasonRollupGreen          = "rollup_green"
	ReasonRollupEmpty          = "rollup_empty"
)

// DefaultDueSoon is how far ahead a deadline counts as "due soon" when
// Rules.DueSoon is not set.
const DefaultDueSoon = 90 * 24 * time.Hour

// Item is what the rules need to know about one milestone or indicator.
type Item struct {
	Status    string     // "" (no agreed update yet), "not_started", "limited", "substantial", "complete"
	Disputed  bool       // latest public update is disputed
	Due       *time.Time // nil when no single due date (recurring, unreadable, none)
	Recurring bool
}

// Rules holds the tunable parts of the rules.
type Rules struct {
	DueSoon time.Duration // zero or negative means DefaultDueSoon
}

// Result is a light with the code of the rule that gave it.
type Result struct {
	Light  Light
	Reason string
}

// Evaluate applies the rules to one item. Dates are compared as calendar
// dates, each read in its own location, so the whole due day counts and the
// time of day never matters: pass today in the plan's time zone.
func Evaluate(it Item, today time.Time, r Rules) Result {
	status := it.Status
	switch status {
	case NotStarted, Limited, Substantial, Complete:
	default:
		// An unknown status is not an agreed level, so it counts as none.
		status = ""
	}
	lowProgress := status == "" || status == NotStarted || status == Limited

	daysLeft, hasDue := 0, it.Due != nil
	if hasDue {
		daysLeft = daysBetween(today, *it.Due)
	}

	switch {
	case status != Complete && hasDue && daysLeft < 0:
		return Result{Red, ReasonOverdue}
	case it.Disputed:
		// A disputed claim, even of completion, must not read as settled.
		return Result{Amber, ReasonDisputed}
	case status == Complete:
		return Result{Green, ReasonComplete}
	case it.Recurring && status == "":
		return Result{Grey, ReasonRecurringNotReported}
	case it.Recurring && lowProgress:
		return Result{Amber, ReasonRecurringLowProgress}
	case it.Recurring:
		return Result{Green, ReasonRecurringReported}
	case hasDue && lowProgress && time.Duration(daysLeft)*24*time.Hour <= r.dueSoon():
		return Result{Amber, ReasonDueSoonLowProgress}
	case status == "":
		return Result{Grey, ReasonNotReported}
	}
	return Result{Green, ReasonOnTrack}
}

func (r Rules) dueSoon() time.Duration {
	if r.DueSoon <= 0 {
		return DefaultDueSoon
	}
	return r.DueSoon
}

// daysBetween counts calendar days from a to b (negative when b is before
// a). Both dates are moved to UTC midnight first so that daylight-saving
// changes and times of day cannot shift the count.
func daysBetween(a, b time.Time) int {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	da := time.Date(ay, am, ad, 0, 0, 0, 0, time.UTC)
	db := time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC)
	return int(db.Sub(da) / (24 * time.Hour))
}

// Rollup combines the results of an item's parts: indicators into a
// milestone, milestones into a commitment, commitments into a plan.
func Rollup(children []Result) Result {
	if len(children) == 0 {
		return Result{Grey, ReasonRollupEmpty}
	}
	var red, amber, grey int
	for _, c := range children {
		switch c.Light {
		case Red:
			red++
		case Amber:
			amber++
		case Green:
		default:
			// An unknown light carries no information, like grey.
			grey++
		}
	}
	n := len(children)
	switch {
	case red*4 > n:
		return Result{Red, ReasonRollupRed}
	case red > 0 || amber > 0:
		return Result{Amber, ReasonRollupAmber}
	case grey == n:
		return Result{Grey, ReasonRollupGrey}
	}
	return Result{Green, ReasonRollupGreen}
}
