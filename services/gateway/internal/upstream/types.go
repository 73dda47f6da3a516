package upstream

import "time"

// Text maps a language tag to text, as every kept service writes it.
type Text map[string]string

// Org is an organisation with its code and names.
type Org struct {
	Code string `json:"code"`
	Name Text   `json:"name"`
}

// Deadline keeps the words of the plan and the date derived from them.
type Deadline struct {
	Original    Text   `json:"original"`
	Kind        string `json:"kind"`
	Due         string `json:"due,omitempty"`
	Precision   string `json:"precision,omitempty"`
	Approximate bool   `json:"approximate"`
	Source      string `json:"source,omitempty"`
	Note        string `json:"note,omitempty"`
	NeedsDate   bool   `json:"needs_date"`
}

// Indicator is the finest level of a plan.
type Indicator struct {
	Code     string   `json:"code"`
	Title    Text     `json:"title"`
	Deadline Deadline `json:"deadline"`
	LeadOrgs []Org    `json:"lead_orgs"`
}

// Milestone groups indicators.
type Milestone struct {
	Code       string      `json:"code"`
	Title      Text        `json:"title"`
	Deadline   Deadline    `json:"deadline"`
	LeadOrgs   []Org       `json:"lead_orgs"`
	Indicators []Indicator `json:"indicators"`
}

// Commitment is one commitment of a plan.
type Commitment struct {
	Code       string      `json:"code"`
	Title      Text        `json:"title"`
	LeadOrgs   []Org       `json:"lead_orgs"`
	Milestones []Milestone `json:"milestones"`
}

// Counts are a plan's sizes.
type Counts struct {
	Commitments int `json:"commitments"`
	Milestones  int `json:"milestones"`
	Indicators  int `json:"indicators"`
}

// PlanSummary is a plan without its commitments.
type PlanSummary struct {
	ID        string   `json:"id"`
	Title     Text     `json:"title"`
	Start     string   `json:"start"`
	End       string   `json:"end"`
	Languages []string `json:"languages"`
	Revision  int64    `json:"revision"`
	Counts    Counts   `json:"counts"`
	UpdatedAt string   `json:"updated_at"`
}

// Plan is a plan with its commitments.
type Plan struct {
	Plan        PlanSummary  `json:"plan"`
	Commitments []Commitment `json:"commitments"`
}

// Commitment looks a commitment up by code.
func (p *Plan) Commitment(code string) (*Commitment, bool) {
	for i := range p.Commitments {
		if p.Commitments[i].Code == code {
			return &p.Commitments[i], true
		}
	}
	return nil, false
}

// Evidence links a claim to its proof.
type Evidence struct {
	URL   string `json:"url"`
	Title Text   `json:"title"`
	Kind  string `json:"kind"`
}

// Agreement is one side's agreement.
type Agreement struct {
	Side   string    `json:"side"`
	Member string    `json:"member"`
	At     time.Time `json:"at"`
}

// Dispute is one side's disagreement with its reason.
type Dispute struct {
	Side   string    `json:"side"`
	Member string    `json:"member"`
	Reason Text      `json:"reason"`
	At     time.Time `json:"at"`
}

// Update is a progress update (public ones are agreed or disputed).
type Update struct {
	ID          string      `json:"id"`
	Plan        string      `json:"plan"`
	Commitment  string      `json:"commitment"`
	Item        string      `json:"item"`
	Level       string      `json:"level"`
	Period      string      `json:"period"`
	Status      string      `json:"status"`
	Progress    Text        `json:"progress"`
	Evidence    []Evidence  `json:"evidence"`
	Challenges  Text        `json:"challenges"`
	DelayReason Text        `json:"delay_reason"`
	NextSteps   Text        `json:"next_steps"`
	Agency      string      `json:"agency"`
	PostedAt    time.Time   `json:"posted_at"`
	State       string      `json:"state"`
	Agreements  []Agreement `json:"agreements"`
	Disputes    []Dispute   `json:"disputes"`
	PublishedAt *time.Time  `json:"published_at,omitempty"`
}

// Draft is the body of a new update.
type Draft struct {
	Plan        string     `json:"plan"`
	Item        string     `json:"item"`
	Period      string     `json:"period"`
	Status      string     `json:"status"`
	Progress    Text       `json:"progress"`
	Evidence    []Evidence `json:"evidence"`
	Challenges  Text       `json:"challenges,omitempty"`
	DelayReason Text       `json:"delay_reason,omitempty"`
	NextSteps   Text       `json:"next_steps,omitempty"`
	Agency      string     `json:"agency,omitempty"`
}

// Light is a traffic light with its reason code.
type Light struct {
	Light  string `json:"light"`
	Reason string `json:"reason"`
}

// DashCounts counts items by light and status.
type DashCounts struct {
	Total    int            `json:"total"`
	Complete int            `json:"complete"`
	ByLight  map[string]int `json:"by_light"`
	ByStatus map[string]int `json:"by_status"`
}

// ItemStatus is a milestone or indicator on the dashboard.
type ItemStatus struct {
	Code     string       `json:"code"`
	Level    string       `json:"level"`
	Status   string       `json:"status"`
	Disputed bool         `json:"disputed"`
	Light    Light        `json:"light"`
	Children []ItemStatus `json:"indicators,omitempty"`
}

// DashCommitment is a commitment's dashboard summary.
type DashCommitment struct {
	Plan            string       `json:"plan"`
	Code            string       `json:"code"`
	Title           Text         `json:"title"`
	Light           Light        `json:"light"`
	Disputed        int          `json:"disputed"`
	Counts          DashCounts   `json:"counts"`
	PercentComplete int          `json:"percent_complete"`
	Milestones      []ItemStatus `json:"milestones"`
	LastUpdate      *time.Time   `json:"last_update,omitempty"`
}

// DashPlan is a plan's dashboard summary.
type DashPlan struct {
	ID              string           `json:"id"`
	Light           Light            `json:"light"`
	Counts          DashCounts       `json:"counts"`
	PercentComplete int              `json:"percent_complete"`
	Commitments     []DashCommitment `json:"commitments"`
}

// Assignment records who routed a question where.
type Assignment struct {
	Agency string    `json:"agency"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// Pause is a public wait for the asker.
type Pause struct {
	From   time.Time  `json:"from"`
	To     *time.Time `json:"to,omitempty"`
	By     string     `json:"by"`
	Reason string     `json:"reason"`
}

// Extension is a public, counted change of the due date.
type Extension struct {
	Days   int       `json:"days"`
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// Answer is an agency's reply.
type Answer struct {
	Text   Text      `json:"text"`
	Agency string    `json:"agency"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// Followup is a message added to a thread.
type Followup struct {
	Text        string    `json:"text"`
	Language    string    `json:"language"`
	DisplayName string    `json:"display_name"`
	At          time.Time `json:"at"`
}

// Moderation is a public act of a moderator.
// QuestionPolicy is the SLA policy a question was asked under.
type QuestionPolicy struct {
	Days     int    `json:"days"`
	Mode     string `json:"mode"` // "working-days" or "calendar-days"
	TimeZone string `json:"time_zone"`
	Source   string `json:"source"` // "deployment", "plan" or "agency"
}

type Moderation struct {
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// Question is the public form of a question.
type Question struct {
	ID          string      `json:"id"`
	Plan        string      `json:"plan"`
	Commitment  string      `json:"commitment"`
	Status      string      `json:"status"`
	Text        string      `json:"text"`
	Language    string      `json:"language"`
	DisplayName string      `json:"display_name"`
	Anonymous   bool        `json:"anonymous"`
	Hidden      *Moderation `json:"hidden,omitempty"`
	// Policy is the answer-time policy the question's clock uses.
	Policy      *QuestionPolicy `json:"policy,omitempty"`
	Redacted    bool            `json:"redacted"`
	Redactions  []Moderation    `json:"redactions"`
	Agency      string          `json:"agency"`
	Assignments []Assignment    `json:"assignments"`
	AskedAt     time.Time       `json:"asked_at"`
	AnsweredAt  *time.Time      `json:"answered_at,omitempty"`
	DaysTaken   int             `json:"days_taken"`
	OnTime      *bool           `json:"on_time,omitempty"`
	DueAt       *time.Time      `json:"due_at,omitempty"`
	DueDay      string          `json:"due_day,omitempty"`
	Remaining   int             `json:"remaining_days,omitempty"`
	Pauses      []Pause         `json:"pauses"`
	Extensions  []Extension     `json:"extensions"`
	Answers     []Answer        `json:"answers"`
	Followups   []Followup      `json:"followups"`
	HowComputed string          `json:"how_computed,omitempty"`
}

// Ask is the body of a new question.
// Comment is a public comment on a published update.
type Comment struct {
	ID           string     `json:"id"`
	Plan         string     `json:"plan"`
	Commitment   string     `json:"commitment"`
	Update       string     `json:"update"`
	Item         string     `json:"item"`
	Text         *string    `json:"text"`
	Language     string     `json:"language"`
	DisplayName  *string    `json:"display_name"`
	CreatedAt    time.Time  `json:"created_at"`
	State        string     `json:"state"`
	HiddenReason *string    `json:"hidden_reason"`
	Redacted     bool       `json:"redacted"`
	Redactions   []Redacted `json:"redactions"`
}

// Redacted is one moderation step with its public reason.
type Redacted struct {
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// CommentForm is a citizen's comment.
type CommentForm struct {
	Text        string `json:"text"`
	Language    string `json:"language"`
	DisplayName string `json:"display_name,omitempty"`
	Anonymous   bool   `json:"anonymous,omitempty"`
	Website     string `json:"website,omitempty"`
}

type Ask struct {
	Text        string `json:"text"`
	Language    string `json:"language"`
	DisplayName string `json:"display_name,omitempty"`
	Anonymous   bool   `json:"anonymous,omitempty"`
	Email       string `json:"email,omitempty"`
	Website     string `json:"website,omitempty"`
}
