package slaclock

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kept-ogp/kept/services/qa/internal/calendar"
)

// Pause is a stretch of waiting for the asker's clarification. It is public
// record: who paused, when and why.
type Pause struct {
	From   time.Time `json:"from"`
	To     time.Time `json:"to,omitzero"` // zero: still paused
	By     string    `json:"by"`
	Reason string    `json:"reason"`
}

// Open reports whether the pause has not ended.
func (p Pause) Open() bool { return p.To.IsZero() }

// Extension is any change of a due date other than the clock's own. Exactly
// one of Days and NewDue is set. Reassignment, edits and follow-ups are not
// extensions and never move the clock.
type Extension struct {
	// Days adds that many days, in the policy's unit, after the current
	// due day.
	Days int `json:"days,omitempty"`
	// NewDue sets the due day outright; a day that is not a working day
	// moves to the next one.
	NewDue calendar.Date `json:"newDue,omitzero"`
	Reason string        `json:"reason"` // public
	By     string        `json:"by"`
	At     time.Time     `json:"at"`
}

func checkPauses(pauses []Pause, askedAt time.Time) error {
	open := 0
	for i, p := range pauses {
		where := fmt.Sprintf("pause %d", i+1)
		switch {
		case p.From.IsZero():
			return fmt.Errorf("%s: no start time", where)
		case p.From.Before(askedAt):
			return fmt.Errorf("%s: starts %s, before the question was asked (%s)", where, p.From.Format(time.RFC3339), askedAt.Format(time.RFC3339))
		case !p.Open() && p.To.Before(p.From):
			return fmt.Errorf("%s: ends before it starts", where)
		case strings.TrimSpace(p.By) == "":
			return fmt.Errorf("%s: who paused the clock is missing", where)
		case strings.TrimSpace(p.Reason) == "":
			return fmt.Errorf("%s: the public reason is missing", where)
		}
		if p.Open() {
			open++
		}
	}
	if open > 1 {
		return fmt.Errorf("%d pauses are open at once; at most one can be", open)
	}
	return nil
}

func checkExtensions(ext []Extension, askedAt time.Time, askedDay calendar.Date) error {
	for i, e := range ext {
		where := fmt.Sprintf("extension %d", i+1)
		switch {
		case (e.Days != 0) == !e.NewDue.IsZero():
			return fmt.Errorf("%s: give either days or a new due date", where)
		case e.Days < 0 || e.Days > MaxDays:
			return fmt.Errorf("%s: %d days: want 1 to %d", where, e.Days, MaxDays)
		case !e.NewDue.IsZero() && !e.NewDue.IsValid():
			return fmt.Errorf("%s: new due date %d-%d-%d is not a real date", where, e.NewDue.Year, int(e.NewDue.Month), e.NewDue.Day)
		case !e.NewDue.IsZero() && !e.NewDue.After(askedDay):
			return fmt.Errorf("%s: new due date %s is not after the day asked (%s)", where, e.NewDue, askedDay)
		case strings.TrimSpace(e.Reason) == "":
			return fmt.Errorf("%s: the public reason is missing", where)
		case strings.TrimSpace(e.By) == "":
			return fmt.Errorf("%s: who extended is missing", where)
		case e.At.IsZero():
			return fmt.Errorf("%s: when it was granted is missing", where)
		case e.At.Before(askedAt):
			return fmt.Errorf("%s: granted %s, before the question was asked", where, e.At.Format(time.RFC3339))
		}
	}
	return nil
}

// span is a half-open interval of instants in Unix seconds; open pauses end
// at forever.
type span struct{ from, to int64 }

const forever = int64(1) << 62

// mergePauses turns pauses into sorted, disjoint spans of whole seconds
// (days start on a second). Starts round up and ends round down, so a
// fraction of a second never makes a day wholly paused.
func mergePauses(pauses []Pause) []span {
	out := make([]span, 0, len(pauses))
	for _, p := range pauses {
		s := span{from: ceilUnix(p.From), to: forever}
		if !p.Open() {
			s.to = p.To.Unix()
		}
		if s.to > s.from {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b span) int { return cmp.Compare(a.from, b.from) })
	merged := out[:0]
	for _, s := range out {
		if n := len(merged); n > 0 && s.from <= merged[n-1].to {
			merged[n-1].to = max(merged[n-1].to, s.to)
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

func ceilUnix(t time.Time) int64 {
	u := t.Unix()
	if t.Nanosecond() > 0 {
		u++
	}
	return u
}
