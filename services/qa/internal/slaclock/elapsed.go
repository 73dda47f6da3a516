package slaclock

import (
	"fmt"
	"time"

	"github.com/kept-ogp/kept/services/qa/internal/calendar"
)

// maxElapsedDays bounds Elapsed's walk; an answer a century late is a data
// error, not a statistic.
const maxElapsedDays = 100 * 366

// Taken is how long an answer took, for the public record and statistics.
type Taken struct {
	// Days counts the days after the day asked, up to and including the day
	// answered, that count under the policy: the same counting as Due, so a
	// question answered on its due day took at most Policy.Days (calendar
	// mode may show more when the due day moved past a weekend). Same day,
	// or a weekend ask answered that weekend in working mode, is 0.
	Days   int       `json:"days"`
	Mode   Mode      `json:"mode"`
	OnTime bool      `json:"onTime"`
	DueAt  time.Time `json:"dueAt"`
}

// Elapsed measures a question answered at answeredAt. A pause still open at
// the answer ends with it, and extensions granted after the answer are
// ignored: they cannot make a late answer on time.
func Elapsed(askedAt, answeredAt time.Time, p Policy, cal *calendar.Calendar, pauses []Pause, ext []Extension) (Taken, error) {
	if err := p.Validate(); err != nil {
		return Taken{}, err
	}
	if answeredAt.Before(askedAt) {
		return Taken{}, fmt.Errorf("elapsed: answered %s, before it was asked (%s)",
			answeredAt.Format(time.RFC3339), askedAt.Format(time.RFC3339))
	}
	var closed []Pause
	for _, ps := range pauses {
		if !ps.From.Before(answeredAt) {
			continue
		}
		if ps.Open() || ps.To.After(answeredAt) {
			ps.To = answeredAt
		}
		closed = append(closed, ps)
	}
	var granted []Extension
	for _, x := range ext {
		if !x.At.After(answeredAt) {
			granted = append(granted, x)
		}
	}
	due, err := Deadline(askedAt, p, cal, closed, granted)
	if err != nil {
		return Taken{}, fmt.Errorf("elapsed: %w", err)
	}
	asked := calendar.DateOf(askedAt.In(p.Location))
	answered := calendar.DateOf(answeredAt.In(p.Location))
	if answered.Sub(asked) > maxElapsedDays {
		return Taken{}, fmt.Errorf("elapsed: answered more than %d days after it was asked", maxElapsedDays)
	}
	c := newClock(p, cal, closed, 0)
	days := 0
	for d := asked.AddDays(1); !d.After(answered); d = d.AddDays(1) {
		if c.counts(c.look(d)) {
			days++
		}
	}
	return Taken{Days: days, Mode: p.Mode, OnTime: answeredAt.Before(due.BreachAt), DueAt: due.DueAt}, nil
}
