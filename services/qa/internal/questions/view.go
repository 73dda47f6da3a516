package questions

import (
	"encoding/json"
	"time"
)

// View is the public form of a question: never the asker's email.
type View struct {
	ID          string       `json:"id"`
	Plan        string       `json:"plan"`
	Commitment  string       `json:"commitment"`
	Status      string       `json:"status"`
	Text        string       `json:"text"`
	Language    string       `json:"language"`
	DisplayName string       `json:"display_name"`
	Anonymous   bool         `json:"anonymous"`
	Hidden      *Moderation  `json:"hidden,omitempty"`
	Redacted    bool         `json:"redacted"`
	Redactions  []Moderation `json:"redactions"`
	Agency      string       `json:"agency"`
	Assignments []Assignment `json:"assignments"`
	AskedAt     time.Time    `json:"asked_at"`
	AnsweredAt  *time.Time   `json:"answered_at,omitempty"`
	// DaysTaken counts in the policy's unit: up to the answer, or up to now
	// while open.
	DaysTaken  int         `json:"days_taken"`
	OnTime     *bool       `json:"on_time,omitempty"`
	DueAt      *time.Time  `json:"due_at,omitempty"`
	DueDay     string      `json:"due_day,omitempty"`
	Remaining  int         `json:"remaining_days,omitempty"`
	Pauses     []Pause     `json:"pauses"`
	Extensions []Extension `json:"extensions"`
	Answers    []Answer    `json:"answers"`
	Followups  []Followup  `json:"followups"`
	// Policy is the SLA policy the question was asked under, and where it
	// came from ("deployment + plan tw-nap3").
	Policy *PolicySnapshot `json:"policy,omitempty"`
	// HowComputed is "how this deadline was computed", as text and as data.
	HowComputed     string          `json:"how_computed,omitempty"`
	HowComputedData json.RawMessage `json:"how_computed_data,omitempty"`
}

// HiddenText is shown instead of a hidden question's text.
func HiddenText(reason string) string { return "hidden by moderator: " + reason }

// PublicStatus is the status shown at now.
func (q *Question) PublicStatus(now time.Time) string {
	switch {
	case q.Hidden != nil:
		return StatusHidden
	case q.Status == StatusOpen && q.BreachAt != nil && !now.Before(*q.BreachAt):
		return StatusLate
	}
	return q.Status
}

// View returns the public form at now; full adds the explanation.
func (q *Question) View(now time.Time, full bool) View {
	v := View{ID: q.ID, Plan: q.Plan, Commitment: q.Commitment, Status: q.PublicStatus(now), Text: q.Text,
		Language: q.Language, DisplayName: q.DisplayName, Anonymous: q.DisplayName == "", Hidden: q.Hidden,
		Redacted: len(q.Redactions) > 0, Redactions: nonNil(q.Redactions), Agency: q.Agency,
		Assignments: nonNil(q.Assignments), AskedAt: q.AskedAt, AnsweredAt: q.AnsweredAt, DaysTaken: q.DaysTaken,
		DueAt: q.DueAt, DueDay: q.DueDay, Remaining: q.Remaining, Pauses: nonNil(q.Pauses),
		Extensions: nonNil(q.Extensions), Answers: nonNil(q.Answers), Followups: nonNil(q.Followups), Policy: q.Policy}
	if q.Hidden != nil {
		v.Text = HiddenText(q.Hidden.Reason)
		v.Followups = []Followup{}
	}
	if q.AnsweredAt != nil {
		ot := q.OnTime
		v.OnTime = &ot
	}
	if full {
		v.HowComputed = q.ExplanationText
		if q.ExplanationJSON != "" {
			v.HowComputedData = json.RawMessage(q.ExplanationJSON)
		}
	}
	return v
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
