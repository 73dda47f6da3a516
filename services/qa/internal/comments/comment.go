// Package comments is the public's comments on published progress updates:
// anyone may comment, without an account, on an update its working group
// agreed or disputed. Comments are not answered, so no email address is
// taken, and no address of the commenter is stored. Nothing is deleted:
// hiding and redacting keep the record and say publicly who did it, when and
// why, as for questions.
package comments

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/kept-ogp/kept/services/qa/internal/questions"
)

// Public states of a comment.
const (
	StateVisible = "visible"
	StateHidden  = "hidden"
)

// Limits, counted in characters (the questions' limits).
const (
	MaxText   = questions.MaxText
	MaxName   = questions.MaxName
	MaxReason = questions.MaxReason
	// MaxList bounds one listing: the newest MaxList comments, oldest first.
	MaxList = 1000
)

// ErrNotFound means no such comment (on this commitment).
var ErrNotFound = errors.New("no such comment")

// Comment is one public comment on a progress update.
type Comment struct {
	ID          string                 `bson:"_id"`
	Plan        string                 `bson:"plan"`
	Commitment  string                 `bson:"commitment"`
	Update      string                 `bson:"update"`
	Item        string                 `bson:"item"`
	Text        string                 `bson:"text"`
	Language    string                 `bson:"language"`
	DisplayName string                 `bson:"display_name"` // empty: anonymous
	CreatedAt   time.Time              `bson:"created_at"`
	Hidden      *questions.Moderation  `bson:"hidden,omitempty"`
	Redactions  []questions.Moderation `bson:"redactions"`
	Version     int64                  `bson:"version"`
}

// View is the public form of a comment. A hidden one keeps its reason and
// loses its text and name.
type View struct {
	ID           string                 `json:"id"`
	Plan         string                 `json:"plan"`
	Commitment   string                 `json:"commitment"`
	Update       string                 `json:"update"`
	Item         string                 `json:"item"`
	Text         *string                `json:"text"`
	Language     string                 `json:"language"`
	DisplayName  *string                `json:"display_name"`
	CreatedAt    time.Time              `json:"created_at"`
	State        string                 `json:"state"`
	HiddenReason *string                `json:"hidden_reason"`
	Hidden       *questions.Moderation  `json:"hidden"`
	Redacted     bool                   `json:"redacted"`
	Redactions   []questions.Moderation `json:"redactions"`
}

// View returns the public form.
func (c *Comment) View() View {
	v := View{ID: c.ID, Plan: c.Plan, Commitment: c.Commitment, Update: c.Update, Item: c.Item, Language: c.Language,
		CreatedAt: c.CreatedAt, State: StateVisible, Hidden: c.Hidden, Redacted: len(c.Redactions) > 0,
		Redactions: c.Redactions}
	if v.Redactions == nil {
		v.Redactions = []questions.Moderation{}
	}
	if c.Hidden != nil {
		reason := c.Hidden.Reason
		v.State, v.HiddenReason = StateHidden, &reason
		return v
	}
	text := c.Text
	v.Text = &text
	if c.DisplayName != "" {
		name := c.DisplayName
		v.DisplayName = &name
	}
	return v
}

// Post is what a commenter sends. There is no email: comments are not
// answered. Email is read only to refuse it, and never echoed.
type Post struct {
	Text        string `json:"text"`
	Language    string `json:"language"`
	DisplayName string `json:"display_name"`
	Anonymous   bool   `json:"anonymous"`
	// Website is a honeypot: hidden from people by the form, filled by bots.
	Website string `json:"website"`
	Email   string `json:"email"`
}

// CheckText is questions.CheckText: valid UTF-8, length, no control or
// bidirectional control characters.
var CheckText = questions.CheckText

// Validate checks a post, all fields at once; languages are the plan's.
// On success Text has a form's line breaks as "\n", DisplayName is trimmed
// and Language is spelt as the plan spells it.
func (p *Post) Validate(languages []string) error {
	p.Text = strings.ReplaceAll(p.Text, "\r\n", "\n")
	var errs []questions.FieldError
	errs = append(errs, CheckText("text", p.Text, MaxText, true)...)
	// Like a question, a comment may be in any language people write (a
	// reader of the Chinese site comments in Chinese on a Canadian plan);
	// a plan language is stored as the plan spells it.
	if lang, ok := planLanguage(p.Language, languages); ok {
		p.Language = lang
	} else {
		errs = append(errs, questions.CheckLanguage("language", p.Language)...)
	}
	nameErrs := CheckText("display_name", p.DisplayName, MaxName, false)
	errs = append(errs, nameErrs...)
	switch {
	case p.Anonymous && strings.TrimSpace(p.DisplayName) != "":
		errs = append(errs, questions.FieldError{Field: "display_name", Message: "must be empty for an anonymous comment"})
	case len(nameErrs) == 0 && strings.ContainsAny(p.DisplayName, "\n\t"):
		errs = append(errs, questions.FieldError{Field: "display_name", Message: "must be one line"})
	case len(nameErrs) == 0 && questions.LooksLikeEmail(p.DisplayName):
		// Never echo it: contact details are never published.
		errs = append(errs, questions.FieldError{Field: "display_name", Message: "must not be an email address: contact details are never shown"})
	}
	if strings.TrimSpace(p.Email) != "" {
		errs = append(errs, questions.FieldError{Field: "email", Message: "comments take no email address (they are not answered); leave it out, or ask a question to get an answer"})
	}
	if len(errs) > 0 {
		return &questions.InvalidError{Errors: errs}
	}
	p.DisplayName = strings.TrimSpace(p.DisplayName)
	return nil
}

// planLanguage finds tag among the plan's languages (tags are
// case-insensitive: "zh-hant" is "zh-Hant").
func planLanguage(tag string, languages []string) (string, bool) {
	for _, l := range languages {
		if strings.EqualFold(l, tag) {
			return l, true
		}
	}
	return "", false
}

// Hide hides the comment from the public, with a public reason; the stored
// text stays for the record.
func Hide(reason, by string) func(*Comment, time.Time) error {
	return func(c *Comment, now time.Time) error {
		if errs := CheckText("reason", reason, MaxReason, true); len(errs) > 0 {
			return &questions.InvalidError{Errors: errs}
		}
		if c.Hidden != nil {
			return &questions.ActionError{Status: http.StatusConflict, Code: "hidden", Message: "the comment is already hidden"}
		}
		c.Hidden = &questions.Moderation{Reason: strings.TrimSpace(reason), By: by, At: now}
		return nil
	}
}

// Redact replaces the comment's text (personal data the commenter typed)
// and notes publicly who redacted it, when and why. The earlier text is not
// kept: keeping it would keep the personal data the redaction removes.
func Redact(text, reason, by string) func(*Comment, time.Time) error {
	return func(c *Comment, now time.Time) error {
		text = strings.ReplaceAll(text, "\r\n", "\n")
		errs := CheckText("text", text, MaxText, true)
		errs = append(errs, CheckText("reason", reason, MaxReason, true)...)
		if len(errs) > 0 {
			return &questions.InvalidError{Errors: errs}
		}
		c.Text = text
		c.Redactions = append(c.Redactions, questions.Moderation{Reason: strings.TrimSpace(reason), By: by, At: now})
		return nil
	}
}
