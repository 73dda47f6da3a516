package slaclock

import (
	"fmt"
	"strings"
	"time"

	"github.com/kept-ogp/kept/services/qa/internal/calendar"
)

// DayKind is what the calendar says a day is.
type DayKind string

const (
	KindWorkingDay      DayKind = "working-day"
	KindExtraWorkingDay DayKind = "extra-working-day" // a Saturday or Sunday made a working day
	KindWeekend         DayKind = "weekend"
	KindHoliday         DayKind = "holiday" // a named day off, or any weekday off
	KindNoSuchDay       DayKind = "no-such-day"
)

func (k DayKind) working() bool { return k == KindWorkingDay || k == KindExtraWorkingDay }

// PauseState is how much of a day the pauses cover.
type PauseState string

const (
	NotPaused    PauseState = ""
	PartlyPaused PauseState = "partly" // still counts
	WhollyPaused PauseState = "wholly" // does not count
)

// Step is why a day was looked at.
type Step string

const (
	StepCount     Step = "count"     // counting the policy's days
	StepMove      Step = "move"      // calendar mode: day N was not a working day
	StepExtension Step = "extension" // counting an extension's days
)

// SkipReason is why a day did not count; empty for a day that counted.
type SkipReason string

const (
	SkipWeekend   SkipReason = "weekend"
	SkipHoliday   SkipReason = "holiday"
	SkipPaused    SkipReason = "paused"
	SkipNoSuchDay SkipReason = "no-such-day" // the zone skipped the date
)

// DayNote is one day of the counting, in order from the day after the ask.
type DayNote struct {
	Date   calendar.Date `json:"date"`
	Kind   DayKind       `json:"kind"`
	Name   string        `json:"name,omitempty"` // the calendar's name for the day
	Paused PauseState    `json:"paused,omitempty"`
	Step   Step          `json:"step"`
	// Count is the day's number (1 = the first day counted) or 0 when the day
	// was skipped, and then Skip says why. In calendar mode a day past day N
	// that is looked at only to find a working day has Step StepMove.
	Count int        `json:"count,omitempty"`
	Skip  SkipReason `json:"skip,omitempty"`
	// Extension is the 1-based index in Explanation.Extensions of the
	// extension this day was counted for; 0 for the policy's own days.
	Extension int `json:"extension,omitempty"`
}

// PolicyInfo is the policy as shown to the public.
type PolicyInfo struct {
	Days     int    `json:"days"`
	Mode     Mode   `json:"mode"`
	TimeZone string `json:"timeZone"`
	Warnings []int  `json:"warnings,omitempty"` // working days before the due day
}

// ExtensionNote is an extension and what it did to the due day.
type ExtensionNote struct {
	Extension
	FromDue calendar.Date `json:"fromDue,omitzero"` // zero if the clock was paused
	ToDue   calendar.Date `json:"toDue,omitzero"`   // zero if the clock is paused
}

// Explanation is "how this deadline was computed", structured for a page to
// render; String gives the same in plain English.
type Explanation struct {
	Policy     PolicyInfo      `json:"policy"`
	AskedAt    time.Time       `json:"askedAt"` // in the policy's zone
	AskedDay   calendar.Date   `json:"askedDay"`
	Days       []DayNote       `json:"days"`
	Pauses     []Pause         `json:"pauses,omitempty"`
	Extensions []ExtensionNote `json:"extensions,omitempty"`
	// Paused: an open pause stopped the clock with Remaining days to count
	// once it ends; there is no due day until then.
	Paused    bool          `json:"paused,omitempty"`
	Remaining int           `json:"remaining,omitempty"`
	DueDay    calendar.Date `json:"dueDay,omitzero"`
	DueAt     time.Time     `json:"dueAt,omitzero"`
	BreachAt  time.Time     `json:"breachAt,omitzero"`
	Warnings  []Warning     `json:"warnings,omitempty"`
}

const (
	dayLayout  = "Mon 2006-01-02"
	timeLayout = "Mon 2006-01-02 15:04:05"
)

// String explains the deadline in plain English, one fact per line.
func (e Explanation) String() string {
	var b strings.Builder
	p := Policy{Days: e.Policy.Days, Mode: e.Policy.Mode}
	zone := e.Policy.TimeZone
	fmt.Fprintf(&b, "Policy: %d %s, dates in %s", p.Days, p.unit(p.Days), zone)
	if len(e.Policy.Warnings) > 0 {
		fmt.Fprintf(&b, "; warnings %s working days before the due day, at %02d:00", joinInts(e.Policy.Warnings), WarningHour)
	}
	b.WriteString(".\n")
	fmt.Fprintf(&b, "Asked %s (%s); that day is day 0.\n", e.AskedAt.Format(timeLayout), zone)
	for _, ps := range e.Pauses {
		if ps.Open() {
			fmt.Fprintf(&b, "Paused since %s by %s: %s.\n", ps.From.In(e.AskedAt.Location()).Format(timeLayout), ps.By, ps.Reason)
			continue
		}
		fmt.Fprintf(&b, "Paused from %s to %s by %s: %s.\n", ps.From.In(e.AskedAt.Location()).Format(timeLayout),
			ps.To.In(e.AskedAt.Location()).Format(timeLayout), ps.By, ps.Reason)
	}
	writeDays(&b, daysOf(e.Days, 0))
	for i, x := range e.Extensions {
		what := fmt.Sprintf("%d more %s", x.Days, p.unit(x.Days))
		if x.Days == 0 {
			what = "due date set to " + x.NewDue.String()
		}
		fmt.Fprintf(&b, "Extension on %s by %s: %s, because %s", x.At.In(e.AskedAt.Location()).Format(timeLayout), x.By, what, x.Reason)
		if !x.FromDue.IsZero() && !x.ToDue.IsZero() {
			fmt.Fprintf(&b, "; the due day moves from %s to %s", x.FromDue.String(), x.ToDue.String())
		}
		b.WriteString(".\n")
		writeDays(&b, daysOf(e.Days, i+1))
	}
	if e.Paused {
		fmt.Fprintf(&b, "The clock is paused with %d %s left to count; the due day is set when the pause ends.\n", e.Remaining, p.unit(e.Remaining))
		return b.String()
	}
	fmt.Fprintf(&b, "Due by %s (%s); late from %s.\n", e.DueAt.Format(timeLayout), zone, e.BreachAt.Format(timeLayout))
	for _, w := range e.Warnings {
		when := fmt.Sprintf("%d working %s before", w.Threshold, plural(w.Threshold, "day"))
		if w.Threshold == 0 {
			when = "on the due day"
		}
		fmt.Fprintf(&b, "Warning %s: %s.\n", when, w.At.Format("Mon 2006-01-02 15:04"))
	}
	return b.String()
}

// writeDays prints plain counted days in runs ("Days 1-5: ...") and every
// other day on its own line.
func writeDays(b *strings.Builder, days []DayNote) {
	for i := 0; i < len(days); {
		n := days[i]
		if plainCount(n) {
			j := i
			for j+1 < len(days) && plainCount(days[j+1]) && days[j+1].Step == n.Step {
				j++
			}
			if j > i {
				fmt.Fprintf(b, "Days %d-%d: %s to %s.\n", n.Count, days[j].Count, dayStr(n.Date), dayStr(days[j].Date))
				i = j + 1
				continue
			}
		}
		line := dayLine(n)
		if n.Count > 0 && i+1 < len(days) && days[i+1].Step == StepMove {
			line = strings.TrimSuffix(line, ".") + ", not a working day, so the due day moves to the next working day."
		}
		b.WriteString(line + "\n")
		i++
	}
}

func daysOf(days []DayNote, ext int) []DayNote {
	var out []DayNote
	for _, d := range days {
		if d.Extension == ext {
			out = append(out, d)
		}
	}
	return out
}

func plainCount(n DayNote) bool {
	return n.Count > 0 && n.Kind == KindWorkingDay && n.Name == "" && n.Paused == NotPaused
}

func dayLine(n DayNote) string {
	what := describeKind(n)
	if n.Count > 0 {
		var notes []string
		if what != "" {
			notes = append(notes, what)
		}
		if n.Paused == PartlyPaused {
			notes = append(notes, "partly paused, so it counts")
		}
		s := fmt.Sprintf("Day %d: %s", n.Count, dayStr(n.Date))
		if len(notes) > 0 {
			s += " (" + strings.Join(notes, "; ") + ")"
		}
		return s + "."
	}
	if n.Skip == "" {
		return fmt.Sprintf("%s: the next working day, so the answer is due then.", dayStr(n.Date))
	}
	why := map[SkipReason]string{
		SkipWeekend:   "weekend",
		SkipHoliday:   what,
		SkipPaused:    "paused all day, waiting for the asker",
		SkipNoSuchDay: "this date does not exist in the time zone",
	}[n.Skip]
	if n.Skip == SkipWeekend && n.Name != "" {
		why += " (" + n.Name + ")"
	}
	return fmt.Sprintf("%s: skipped, %s.", dayStr(n.Date), why)
}

func describeKind(n DayNote) string {
	switch n.Kind {
	case KindHoliday:
		if n.Name == "" {
			return "day off"
		}
		return "holiday " + n.Name
	case KindExtraWorkingDay:
		if n.Name == "" {
			return "extra working day"
		}
		return "extra working day " + n.Name
	case KindWeekend:
		return "weekend"
	}
	return n.Name
}

func dayStr(d calendar.Date) string { return d.Weekday().String()[:3] + " " + d.String() }

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
