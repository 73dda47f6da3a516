// Package questions is the qa service's domain: public questions on a
// commitment, their thread, their SLA clock (see ../../SLA.md) and alerts.
// Nothing is deleted: hiding and redacting keep the record and say so.
package questions

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/kept-ogp/kept/services/qa/internal/calendar"
	"github.com/kept-ogp/kept/services/qa/internal/slaclock"
)

// Stored statuses. "late" and "hidden" are shown, not stored: late is open
// past the due time, hidden is a flag beside the status.
const (
	StatusOpen     = "open"
	StatusPaused   = "paused"
	StatusAnswered = "answered"
	StatusLate     = "late"
	StatusHidden   = "hidden"
)

// Limits, counted in characters.
const (
	MaxText   = 5000
	MaxName   = 100
	MaxReason = 1000
	MaxEmail  = 254
)

// Text maps a language tag to text.
type Text map[string]string

// Assignment records who routed the question where.
type Assignment struct {
	Agency string    `bson:"agency" json:"agency"`
	By     string    `bson:"by" json:"by"` // token name; "routing" for the lead agency
	At     time.Time `bson:"at" json:"at"`
}

// Pause is a public record of the clock waiting for the asker.
type Pause struct {
	From     time.Time  `bson:"from" json:"from"`
	To       *time.Time `bson:"to,omitempty" json:"to,omitempty"`
	By       string     `bson:"by" json:"by"`
	Reason   string     `bson:"reason" json:"reason"`
	ResumeBy string     `bson:"resumed_by,omitempty" json:"resumed_by,omitempty"`
}

// Extension is a public, counted change of the due date.
type Extension struct {
	Days   int       `bson:"days" json:"days"`
	Reason string    `bson:"reason" json:"reason"`
	By     string    `bson:"by" json:"by"`
	At     time.Time `bson:"at" json:"at"`
}

// Answer is an agency's (or the PoC's) reply.
type Answer struct {
	Text   Text      `bson:"text" json:"text"`
	Agency string    `bson:"agency" json:"agency"`
	By     string    `bson:"by" json:"by"`
	At     time.Time `bson:"at" json:"at"`
}

// Followup is a message anyone adds to the thread; it never moves the clock.
type Followup struct {
	Text        string    `bson:"text" json:"text"`
	Language    string    `bson:"language" json:"language"`
	DisplayName string    `bson:"display_name" json:"display_name"`
	At          time.Time `bson:"at" json:"at"`
}

// Moderation is a public act of a moderator.
type Moderation struct {
	Reason string    `bson:"reason" json:"reason"`
	By     string    `bson:"by" json:"by"`
	At     time.Time `bson:"at" json:"at"`
}

// Question is one public question and everything that happened to it.
type Question struct {
	ID          string       `bson:"_id"`
	Plan        string       `bson:"plan"`
	Commitment  string       `bson:"commitment"`
	Text        string       `bson:"text"`
	Language    string       `bson:"language"`
	DisplayName string       `bson:"display_name"` // empty: anonymous
	AskedAt     time.Time    `bson:"asked_at"`
	Agency      string       `bson:"agency"`
	Assignments []Assignment `bson:"assignments"`
	Pauses      []Pause      `bson:"pauses"`
	Extensions  []Extension  `bson:"extensions"`
	Answers     []Answer     `bson:"answers"`
	Followups   []Followup   `bson:"followups"`
	Hidden      *Moderation  `bson:"hidden,omitempty"`
	Redactions  []Moderation `bson:"redactions"`
	Status      string       `bson:"status"` // open, paused, answered
	AnsweredAt  *time.Time   `bson:"answered_at,omitempty"`
	DaysTaken   int          `bson:"days_taken"`
	OnTime      bool         `bson:"on_time"`

	// Policy is the SLA policy the question was asked under.
	Policy *PolicySnapshot `bson:"policy,omitempty"`

	// The clock, computed by Compute.
	DueAt           *time.Time `bson:"due_at,omitempty"`
	DueDay          string     `bson:"due_day,omitempty"`
	BreachAt        *time.Time `bson:"breach_at,omitempty"`
	Remaining       int        `bson:"remaining"` // days left to count while paused
	DueVersion      int64      `bson:"due_version"`
	ExplanationText string     `bson:"explanation_text"`
	ExplanationJSON string     `bson:"explanation_json"`
	// The next alert to send: NextAlertAt, with threshold NextAlertThreshold
	// (working days before the due day; -1 for the breach). Unset when none
	// is pending (answered, paused, every alert sent).
	NextAlertAt        *time.Time `bson:"next_alert_at,omitempty"`
	NextAlertThreshold int        `bson:"next_alert_threshold"`
	BreachSent         bool       `bson:"breach_sent"`

	// SearchTerms index the public text (see internal/search); empty while
	// the question is hidden, so hidden text is never found.
	SearchTerms []string `bson:"search_terms"`

	Version int64 `bson:"version"`
}

// SearchTexts is the public text a search looks at: the question, its
// answers in every language and its follow-ups. Hidden questions have none.
func (q *Question) SearchTexts() []string {
	if q.Hidden != nil {
		return nil
	}
	out := []string{q.Text}
	for _, a := range q.Answers {
		for _, lang := range sortedKeys(a.Text) {
			out = append(out, a.Text[lang])
		}
	}
	for _, f := range q.Followups {
		out = append(out, f.Text)
	}
	return out
}

func sortedKeys(t Text) []string {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Breach is the threshold value of the breach alert.
const Breach = -1

// FieldError names a bad field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// InvalidError lists every problem of a request.
type InvalidError struct{ Errors []FieldError }

func (e *InvalidError) Error() string {
	parts := make([]string, 0, len(e.Errors))
	for _, f := range e.Errors {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return "invalid request: " + strings.Join(parts, "; ")
}

var (
	langRE  = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
	emailRE = regexp.MustCompile(`^[^@\s<>"]+@[^@\s<>"]+\.[^@\s<>"]+$`)
)

// Ask is what an asker sends.
type Ask struct {
	Text        string `json:"text"`
	Language    string `json:"language"`
	DisplayName string `json:"display_name"`
	Anonymous   bool   `json:"anonymous"`
	Email       string `json:"email"`
	// Website is a honeypot: hidden from people by the form, filled by bots.
	Website string `json:"website"`
}

// CheckText says what is wrong with a user text of at most max characters.
func CheckText(field, s string, max int, required bool) []FieldError {
	switch {
	case !utf8.ValidString(s):
		return []FieldError{{field, "is not valid UTF-8"}}
	case strings.TrimSpace(s) == "":
		if required {
			return []FieldError{{field, "is required"}}
		}
		return nil
	case utf8.RuneCountInString(s) > max:
		return []FieldError{{field, fmt.Sprintf("is %d characters; at most %d", utf8.RuneCountInString(s), max)}}
	}
	for _, r := range s {
		if r != '\n' && r != '\t' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029') {
			return []FieldError{{field, fmt.Sprintf("contains the control character %U", r)}}
		}
		if isBidiControl(r) {
			return []FieldError{{field, fmt.Sprintf("contains the bidirectional control character %U, which can disguise text", r)}}
		}
	}
	return nil
}

// isBidiControl reports the explicit bidirectional embeddings, overrides
// and isolates (U+202A to U+202E, U+2066 to U+2069), which can make text
// read differently from what it holds (a name that reverses the rest of the
// line). The marks (U+200E, U+200F, U+061C) that right-to-left writing
// needs are allowed.
func isBidiControl(r rune) bool { return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) }

var emailLike = regexp.MustCompile(`[^\s@]+@[^\s@]+\.[^\s@]+`)

// LooksLikeEmail reports whether a display name holds an email address,
// which would then be published.
func LooksLikeEmail(s string) bool { return emailLike.MatchString(s) }

// CheckLanguage says what is wrong with a language tag: it must be well
// formed and its subtags registered ("xx" is well formed but no language).
func CheckLanguage(field, s string) []FieldError {
	if !langRE.MatchString(s) {
		return []FieldError{{field, `must be a language tag such as "en", "fr" or "zh-Hant"`}}
	}
	if _, err := language.Parse(s); err != nil {
		return []FieldError{{field, fmt.Sprintf("%q is not a known language; give a tag such as \"en\", \"fr\" or \"zh-Hant\"", s)}}
	}
	return nil
}

// Validate checks an ask, all fields at once.
func (a *Ask) Validate() error {
	a.Email = strings.TrimSpace(a.Email)
	a.Text = strings.ReplaceAll(a.Text, "\r\n", "\n") // a form's line breaks
	var errs []FieldError
	errs = append(errs, CheckText("text", a.Text, MaxText, true)...)
	errs = append(errs, CheckLanguage("language", a.Language)...)
	if a.Anonymous && a.DisplayName != "" {
		errs = append(errs, FieldError{"display_name", "must be empty for an anonymous question"})
	}
	if !a.Anonymous && strings.TrimSpace(a.DisplayName) == "" {
		errs = append(errs, FieldError{"display_name", `is required unless "anonymous" is true`})
	}
	errs = append(errs, CheckText("display_name", a.DisplayName, MaxName, false)...)
	if strings.ContainsAny(a.DisplayName, "\n\t") {
		errs = append(errs, FieldError{"display_name", "must be one line"})
	} else if LooksLikeEmail(a.DisplayName) {
		// Never echo it: the name is published, an address never is.
		errs = append(errs, FieldError{"display_name", "must not be an email address: contact details are never shown (give it in the email field to be told of the answer)"})
	}
	if a.Email != "" && (len(a.Email) > MaxEmail || !emailRE.MatchString(a.Email)) {
		errs = append(errs, FieldError{"email", "is not an email address"}) // never echo it
	}
	if len(errs) > 0 {
		return &InvalidError{errs}
	}
	return nil
}

// Open reports whether the question still waits for an answer.
func (q *Question) Open() bool { return q.Status != StatusAnswered }

// openPause returns the pause still running, if any.
func (q *Question) openPause() *Pause {
	for i := range q.Pauses {
		if q.Pauses[i].To == nil {
			return &q.Pauses[i]
		}
	}
	return nil
}

func (q *Question) clockInputs() ([]slaclock.Pause, []slaclock.Extension) {
	ps := make([]slaclock.Pause, 0, len(q.Pauses))
	for _, p := range q.Pauses {
		sp := slaclock.Pause{From: p.From, By: p.By, Reason: p.Reason}
		if p.To != nil {
			sp.To = *p.To
		}
		ps = append(ps, sp)
	}
	xs := make([]slaclock.Extension, 0, len(q.Extensions))
	for _, x := range q.Extensions {
		xs = append(xs, slaclock.Extension{Days: x.Days, Reason: x.Reason, By: x.By, At: x.At})
	}
	return ps, xs
}

// Compute sets the question's deadline and next alert from its inputs, the
// policy and the calendar, at time now. It reports whether the due date moved
// (which starts a new due-date version: its alerts may be sent again).
// Warnings whose time is already past at now are not sent; the breach is,
// unless it was sent before and is still past.
func (q *Question) Compute(p slaclock.Policy, cal *calendar.Calendar, now time.Time) (bool, error) {
	ps, xs := q.clockInputs()
	r, err := slaclock.Due(q.AskedAt, p, cal, ps, xs)
	if err != nil {
		return false, err
	}
	ej, err := json.Marshal(r.Explanation)
	if err != nil {
		return false, err
	}
	q.ExplanationJSON, q.ExplanationText = string(ej), r.Explanation.String()
	q.Remaining = r.Remaining
	var oldDue time.Time
	if q.DueAt != nil {
		oldDue = *q.DueAt
	}
	if r.Paused {
		q.DueAt, q.BreachAt, q.DueDay, q.NextAlertAt = nil, nil, "", nil
		return !oldDue.IsZero(), nil
	}
	moved := !oldDue.Equal(r.DueAt)
	due, breach := r.DueAt.UTC(), r.BreachAt.UTC()
	q.DueAt, q.BreachAt, q.DueDay = &due, &breach, r.DueDay.String()
	if moved || q.DueVersion == 0 {
		q.DueVersion++
		q.NextAlertAt, q.NextAlertThreshold = nil, 0
		for _, w := range r.Warnings {
			if w.At.After(now) {
				at := w.At.UTC()
				q.NextAlertAt, q.NextAlertThreshold = &at, w.Threshold
				break
			}
		}
		if q.NextAlertAt == nil && (!q.BreachSent || breach.After(now)) {
			q.NextAlertAt, q.NextAlertThreshold = &breach, Breach
		}
		if breach.After(now) {
			q.BreachSent = false
		}
	}
	if q.Hidden != nil {
		q.NextAlertAt = nil // a hidden question (spam, abuse) raises no alerts
	}
	return moved, nil
}

// advanceAlert moves the next alert past the one just sent (at sentAt with
// threshold t): the next warning of the same due date, else the breach.
func (q *Question) advanceAlert(p slaclock.Policy, cal *calendar.Calendar) error {
	if q.NextAlertThreshold == Breach {
		q.BreachSent, q.NextAlertAt = true, nil
		return nil
	}
	ps, xs := q.clockInputs()
	r, err := slaclock.Deadline(q.AskedAt, p, cal, ps, xs)
	if err != nil {
		return err
	}
	sent := *q.NextAlertAt
	q.NextAlertAt = nil
	for _, w := range r.Warnings {
		if w.At.After(sent) {
			at := w.At.UTC()
			q.NextAlertAt, q.NextAlertThreshold = &at, w.Threshold
			return nil
		}
	}
	if q.BreachAt != nil {
		b := *q.BreachAt
		q.NextAlertAt, q.NextAlertThreshold = &b, Breach
	}
	return nil
}
