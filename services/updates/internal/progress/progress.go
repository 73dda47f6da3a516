// Package progress is the updates service's domain: progress updates posted by
// implementing agencies and agreed (or disputed) by the commitment's working
// group. Nothing is overwritten: agreements and disputes are appended, and a
// new update supersedes an old one without changing it.
package progress

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kept-ogp/kept/services/kit/auth"
)

// States of an update.
const (
	StateDraft    = "draft"
	StateAgreed   = "agreed"
	StateDisputed = "disputed"
)

// Statuses are the IRM completion levels.
var Statuses = []string{"not_started", "limited", "substantial", "complete"}

// EvidenceKinds are the kinds of evidence a repository typically holds (DOMAIN.md).
var EvidenceKinds = []string{
	"consultation_calendar", "invitation", "msf_terms_of_reference", "msf_membership", "minutes",
	"participant_list", "written_submission", "government_response", "draft_law", "decree", "study",
	"procurement", "technical_documentation", "work_plan", "monitoring_report", "budget", "spending_record",
	"third_party_report", "civil_society_report", "audit", "photo", "video", "usage_statistics", "publication", "other",
}

// Text maps a language tag to text.
type Text map[string]string

// Evidence links a claim to its proof.
type Evidence struct {
	URL   string `bson:"url" json:"url"`
	Title Text   `bson:"title" json:"title"`
	Kind  string `bson:"kind" json:"kind"`
}

// Agreement is one working-group side's sign-off.
type Agreement struct {
	Side     string    `bson:"side" json:"side"`
	Member   string    `bson:"member" json:"member"`
	MemberID string    `bson:"member_id" json:"-"`
	At       time.Time `bson:"at" json:"at"`
}

// Dispute is one side's objection, published beside the agency's text.
type Dispute struct {
	Side     string    `bson:"side" json:"side"`
	Member   string    `bson:"member" json:"member"`
	MemberID string    `bson:"member_id" json:"-"`
	Reason   Text      `bson:"reason" json:"reason"`
	At       time.Time `bson:"at" json:"at"`
}

// Update is a progress update on one milestone or indicator for one period.
type Update struct {
	ID          string      `bson:"_id" json:"id"`
	Plan        string      `bson:"plan" json:"plan"`
	Commitment  string      `bson:"commitment" json:"commitment"`
	Item        string      `bson:"item" json:"item"`
	Level       string      `bson:"level" json:"level"`
	Period      string      `bson:"period" json:"period"`
	Status      string      `bson:"status" json:"status"`
	Progress    Text        `bson:"progress" json:"progress"`
	Evidence    []Evidence  `bson:"evidence" json:"evidence"`
	Challenges  Text        `bson:"challenges" json:"challenges"`
	DelayReason Text        `bson:"delay_reason" json:"delay_reason"`
	NextSteps   Text        `bson:"next_steps" json:"next_steps"`
	Agency      string      `bson:"agency" json:"agency"`
	PostedBy    string      `bson:"posted_by" json:"-"`
	PostedAt    time.Time   `bson:"posted_at" json:"posted_at"`
	State       string      `bson:"state" json:"state"`
	Agreements  []Agreement `bson:"agreements" json:"agreements"`
	Disputes    []Dispute   `bson:"disputes" json:"disputes"`
	PublishedAt *time.Time  `bson:"published_at,omitempty" json:"published_at,omitempty"`
	Version     int64       `bson:"version" json:"version"`
}

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
	return "invalid update: " + strings.Join(parts, "; ")
}

// Limits on text sizes, counted in characters.
const (
	MaxText     = 10000
	MaxTitle    = 500
	MaxEvidence = 50
)

var (
	periodRE = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)
	// langRE is the shape of a BCP 47 tag, in any case (tags are
	// case-insensitive): a language, then subtags of 2 to 8 letters or digits.
	langRE = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
)

// Plan is what a draft is checked against from its plan. A nil *Plan (the
// plan's event not read yet) skips these checks.
type Plan struct {
	ID        string
	Languages []string
	// Start and End are the plan's first and last months, YYYY-MM; the period
	// is not checked when either is missing or malformed.
	Start, End string
}

// language finds tag among the plan's languages and returns it in the plan's
// own spelling. Tags compare case-insensitively, as BCP 47 says ("zh-hant" is
// "zh-Hant"). A tag more specific than a plan language falls back to it, as
// in RFC 4647 lookup: "en-CA" is stored as "en" when the plan has "en" and
// not "en-CA". We map it rather than keep "en-CA" because the site, the
// dashboards and the reports pick text by the plan's own tags: text filed
// under "en-CA" would be missing from the plan's English pages and reports.
func (p *Plan) language(tag string) (string, bool) {
	for t := tag; ; {
		for _, l := range p.Languages {
			if strings.EqualFold(l, t) {
				return l, true
			}
		}
		i := strings.LastIndexByte(t, '-')
		if i < 0 {
			return "", false
		}
		t = t[:i]
	}
}

// conventionalCase writes a well-formed tag in BCP 47's conventional case
// (RFC 5646 section 2.1.1): the language in lower case, a script in title
// case, a region in upper case, anything else in lower case: "EN-us" is
// "en-US", "zh-hant" "zh-Hant". It is how a tag is stored while the plan's
// own spelling is not known.
func conventionalCase(tag string) string {
	parts := strings.Split(tag, "-")
	for i, p := range parts {
		switch {
		case i > 0 && len(p) == 2:
			parts[i] = strings.ToUpper(p)
		case i > 0 && len(p) == 4 && isLetters(p):
			parts[i] = strings.ToUpper(p[:1]) + strings.ToLower(p[1:])
		default:
			parts[i] = strings.ToLower(p)
		}
	}
	return strings.Join(parts, "-")
}

func isLetters(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}

// Draft is what an agency posts.
type Draft struct {
	Plan        string     `json:"plan"`
	Item        string     `json:"item"`
	Period      string     `json:"period"`
	Status      string     `json:"status"`
	Progress    Text       `json:"progress"`
	Evidence    []Evidence `json:"evidence"`
	Challenges  Text       `json:"challenges"`
	DelayReason Text       `json:"delay_reason"`
	NextSteps   Text       `json:"next_steps"`
	// Agency is the organisation posting, when the token edits for several.
	Agency string `json:"agency"`
}

// Validate checks a draft against the item's due date (late and not complete
// needs a reason for the delay) and, when plan is not nil, against its plan:
// every text in one of the plan's languages, the period within the plan's
// months. It rewrites the language tags of d's texts in their stored form:
// the plan's own spelling, or while plan is nil the conventional case.
func (d *Draft) Validate(due string, plan *Plan, today time.Time) error {
	var errs []FieldError
	add := func(f, m string) { errs = append(errs, FieldError{Field: f, Message: m}) }
	if d.Plan == "" {
		add("plan", "required")
	}
	if d.Item == "" {
		add("item", "required: the code of an indicator or milestone")
	}
	if !periodRE.MatchString(d.Period) {
		add("period", "must be the reporting period as YYYY-MM, e.g. 2026-06")
	} else if plan != nil && periodRE.MatchString(plan.Start) && periodRE.MatchString(plan.End) &&
		(d.Period < plan.Start || d.Period > plan.End) {
		add("period", fmt.Sprintf("%s is outside plan %s (%s to %s)", d.Period, plan.ID, plan.Start, plan.End))
	}
	if !contains(Statuses, d.Status) {
		add("status", "must be one of "+strings.Join(Statuses, ", "))
	}
	d.Progress = checkText(add, "progress", d.Progress, MaxText, true, plan)
	d.Challenges = checkText(add, "challenges", d.Challenges, MaxText, false, plan)
	d.DelayReason = checkText(add, "delay_reason", d.DelayReason, MaxText, false, plan)
	d.NextSteps = checkText(add, "next_steps", d.NextSteps, MaxText, false, plan)
	if len(d.Evidence) > MaxEvidence {
		add("evidence", fmt.Sprintf("at most %d links", MaxEvidence))
	}
	for i, e := range d.Evidence {
		f := fmt.Sprintf("evidence[%d]", i)
		u, err := url.Parse(e.URL)
		switch {
		case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
			add(f+".url", "must be an absolute http or https URL")
		case strings.ContainsAny(e.URL, "\"<>`\\ \t\r\n"):
			// Characters a URL never holds unescaped: they are a sign of
			// markup pasted in, and would travel raw into CSV and feeds.
			add(f+".url", `contains a space, quote, backslash or < >; percent-encode it (%20, %22, ...)`)
		}
		if !contains(EvidenceKinds, e.Kind) {
			add(f+".kind", "must be one of "+strings.Join(EvidenceKinds, ", "))
		}
		d.Evidence[i].Title = checkText(add, f+".title", e.Title, MaxTitle, true, plan)
	}
	if due != "" && d.Status != "complete" && today.Format("2006-01-02") > due && empty(d.DelayReason) {
		add("delay_reason", fmt.Sprintf("required: the item was due %s and is not complete", due))
	}
	if len(errs) > 0 {
		return &InvalidError{Errors: errs}
	}
	return nil
}

// checkText checks t and returns it keyed by its stored tags: each tag in the
// plan's spelling, or in the conventional case while plan is nil. Tags are
// read in order, so that the errors do not depend on the map's order.
func checkText(add func(string, string), field string, t Text, max int, required bool, plan *Plan) Text {
	if required && empty(t) {
		add(field, "required in at least one language")
	}
	if t == nil {
		return nil
	}
	out := make(Text, len(t))
	given := make(map[string]string, len(t)) // stored tag -> tag as written
	for _, lang := range slices.Sorted(maps.Keys(t)) {
		v := t[lang]
		tag := lang
		switch {
		case !langRE.MatchString(lang):
			add(field, fmt.Sprintf("%q is not a language tag such as en, fr or zh-Hant", lang))
		case plan != nil:
			var ok bool
			if tag, ok = plan.language(lang); !ok {
				add(field+"."+lang, fmt.Sprintf("%q is not a language of plan %s (%s)", lang, plan.ID, strings.Join(plan.Languages, ", ")))
				tag = lang
			}
		default:
			tag = conventionalCase(lang)
		}
		if first, dup := given[tag]; dup {
			add(field+"."+lang, fmt.Sprintf("%q and %q are both stored as %s; give the text once", first, lang, tag))
		}
		given[tag] = lang
		out[tag] = v
		if !utf8.ValidString(v) {
			add(field+"."+lang, "is not valid UTF-8")
		}
		if n := utf8.RuneCountInString(v); n > max {
			add(field+"."+lang, fmt.Sprintf("is %d characters; the limit is %d", n, max))
		}
		if i, r, ok := controlChar(v); ok {
			add(field+"."+lang, fmt.Sprintf("contains the control character U+%04X at character %d; only line breaks and tabs are allowed", r, i+1))
		}
	}
	return out
}

// controlChar finds a control character other than a line break or tab:
// such text would corrupt terminals, CSV exports and feeds downstream.
func controlChar(s string) (int, rune, bool) {
	i := 0
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return i, r, true
		}
		i++
	}
	return 0, 0, false
}

func empty(t Text) bool {
	for _, v := range t {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// DecisionError explains why an agreement or dispute was refused.
type DecisionError struct {
	Status  int
	Code    string
	Message string
}

func (e *DecisionError) Error() string { return e.Message }

// Agree records side's agreement by p; both sides agreeing makes it agreed.
func (u *Update) Agree(p *auth.Principal, side string, now time.Time) error {
	side, err := u.sideOf(p, side)
	if err != nil {
		return err
	}
	if u.State != StateDraft {
		return &DecisionError{409, "not_draft", fmt.Sprintf("update is %s; only drafts can be agreed", u.State)}
	}
	for _, a := range u.Agreements {
		if a.MemberID == p.TokenID && a.Side == side {
			return &DecisionError{409, "already_agreed", "you have already agreed this update for the " + side + " side"}
		}
		if a.MemberID == p.TokenID {
			return &DecisionError{403, "both_sides", "a member cannot agree for both sides (already agreed as " + a.Side + ")"}
		}
		if a.Side == side {
			return &DecisionError{409, "already_agreed", "the " + side + " side has already agreed this update"}
		}
	}
	u.Agreements = append(u.Agreements, Agreement{Side: side, Member: p.Name, MemberID: p.TokenID, At: now})
	if len(u.Agreements) == 2 {
		u.State = StateAgreed
		u.PublishedAt = &now
	}
	return nil
}

// Dispute records side's objection; the update is then published as disputed.
func (u *Update) Dispute(p *auth.Principal, side string, reason Text, now time.Time) error {
	side, err := u.sideOf(p, side)
	if err != nil {
		return err
	}
	if u.State == StateAgreed {
		return &DecisionError{409, "already_agreed", "update was agreed by both sides; post a new update to change it"}
	}
	if empty(reason) {
		return &InvalidError{Errors: []FieldError{{Field: "reason", Message: "required in at least one language"}}}
	}
	var errs []FieldError
	reason = checkText(func(f, m string) { errs = append(errs, FieldError{f, m}) }, "reason", reason, MaxText, true, nil)
	if len(errs) > 0 {
		return &InvalidError{Errors: errs}
	}
	for _, d := range u.Disputes {
		if d.MemberID == p.TokenID {
			return &DecisionError{409, "already_disputed", "you have already disputed this update"}
		}
	}
	u.Disputes = append(u.Disputes, Dispute{Side: side, Member: p.Name, MemberID: p.TokenID, Reason: reason, At: now})
	if u.State == StateDraft {
		u.State = StateDisputed
		u.PublishedAt = &now
	}
	return nil
}

// sideOf picks the side p acts for on this update's commitment.
func (u *Update) sideOf(p *auth.Principal, asked string) (string, error) {
	sides := p.Sides(u.Plan, u.Commitment)
	switch {
	case len(sides) == 0:
		return "", &DecisionError{403, "forbidden", fmt.Sprintf("only working-group members of %s/%s may agree or dispute its updates", u.Plan, u.Commitment)}
	case asked == "" && len(sides) == 1:
		return sides[0], nil
	case asked == "":
		return "", &DecisionError{400, "side_required", "your token holds both sides; say which side you act for"}
	case contains(sides, asked):
		return asked, nil
	}
	return "", &DecisionError{403, "forbidden", "your token does not hold the " + asked + " side of this commitment"}
}

// Public reports whether the update may be shown to everyone.
func (u *Update) Public() bool { return u.State == StateAgreed || u.State == StateDisputed }
