// Package report assembles, from the read model and working-group-agreed
// updates only, the two documents a point of contact publishes: the joint
// progress update of a reporting period and the Self-Assessment Report (SAR)
// draft. Everything here is a pure function of its inputs and sorted, so the
// same data always gives the same document.
package report

import "time"

// Completion levels, as the IRM uses them.
const (
	NotStarted  = "not_started"
	Limited     = "limited"
	Substantial = "substantial"
	Complete    = "complete"
)

// Sign is one side's agreement to an update.
type Sign struct {
	Side   string    `json:"side"`
	Member string    `json:"member"`
	At     time.Time `json:"at"`
}

// Objection is one side's dispute of an update, with its reason.
type Objection struct {
	Side   string    `json:"side"`
	Member string    `json:"member"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// Link is one evidence link.
type Link struct {
	URL   string `json:"url"`
	Title string `json:"title"`
	Kind  string `json:"kind"`
}

// UpdateLine is one public version of an update with its provenance.
type UpdateLine struct {
	UpdateID    string      `json:"update_id"`
	Version     int64       `json:"version"`
	ReportedFor string      `json:"reported_for"`
	Agency      string      `json:"agency"`
	State       string      `json:"state"`
	Status      string      `json:"status"`
	StatusLabel string      `json:"status_label"`
	Progress    string      `json:"progress"`
	Challenges  string      `json:"challenges"`
	DelayReason string      `json:"delay_reason"`
	NextSteps   string      `json:"next_steps"`
	Evidence    []Link      `json:"evidence"`
	Agreements  []Sign      `json:"agreements"`
	Disputes    []Objection `json:"disputes"`
	// At is when it became agreed (last agreement) or disputed (first dispute).
	At time.Time `json:"at"`
}

// ItemLine is one milestone or indicator in a period report.
type ItemLine struct {
	Code     string   `json:"code"`
	Level    string   `json:"level"`
	Title    string   `json:"title"`
	Deadline string   `json:"deadline"`
	LeadOrgs []string `json:"lead_orgs"`
	// Agreed is the latest update agreed in the period, if any.
	Agreed *UpdateLine `json:"agreed"`
	// Disputed lists updates disputed in the period and still disputed at
	// its end.
	Disputed []UpdateLine `json:"disputed"`
	// NoAgreedUpdate marks an item with no agreed update in the period (for a
	// milestone with indicators: neither it nor any of its indicators).
	NoAgreedUpdate bool `json:"no_agreed_update"`
	// PreviousAgreed names the latest update agreed before the period, for context.
	PreviousAgreed *Ref `json:"previous_agreed,omitempty"`
}

// Ref points at an update version.
type Ref struct {
	UpdateID string    `json:"update_id"`
	Version  int64     `json:"version"`
	Status   string    `json:"status"`
	At       time.Time `json:"at"`
}

// CommitmentProgress is one commitment of a period report.
type CommitmentProgress struct {
	Number       int        `json:"number"`
	Code         string     `json:"code"`
	Title        string     `json:"title"`
	LeadAgencies []string   `json:"lead_agencies"`
	Completion   string     `json:"completion"`
	Items        []ItemLine `json:"items"`
}

// QAFigures are the question counts of one agency (or of all).
type QAFigures struct {
	Agency         string `json:"agency"`
	Asked          int    `json:"asked"`
	AnsweredOnTime int    `json:"answered_on_time"`
	AnsweredLate   int    `json:"answered_late"`
	Open           int    `json:"open"`
	Overdue        int    `json:"overdue"`
	// Hidden questions (moderated away) are not in the other counts.
	Hidden int `json:"hidden"`
	// DaysTaken sums the days taken by the answers counted here.
	DaysTaken int `json:"days_taken"`
}

// Counts sums a period report's lines.
type Counts struct {
	Items    int `json:"items"`
	Agreed   int `json:"agreed"`
	Disputed int `json:"disputed"`
	Missing  int `json:"no_agreed_update"`
}

// PeriodRef names a period and its local days.
type PeriodRef struct {
	ID    string `json:"id"`
	Start string `json:"start"`
	End   string `json:"end"`
}

// Progress is the joint progress update of one plan, period and language.
type Progress struct {
	Plan        string               `json:"plan"`
	PlanTitle   string               `json:"plan_title"`
	Language    string               `json:"language"`
	Languages   []string             `json:"languages"`
	Period      PeriodRef            `json:"period"`
	TimeZone    string               `json:"time_zone"`
	Rule        string               `json:"rule"`
	Counts      Counts               `json:"counts"`
	Commitments []CommitmentProgress `json:"commitments"`
	QA          []QAFigures          `json:"qa_by_agency"`
	QATotal     QAFigures            `json:"qa_total"`
}

// Sections are the SAR texts the PoC writes, in each language.
type Sections struct {
	Introduction       map[string]string             `bson:"introduction" json:"introduction"`
	ForumMeetings      map[string]string             `bson:"forum_meetings" json:"forum_meetings"`
	Participation      map[string]string             `bson:"participation" json:"participation"`
	IRMRecommendations map[string]string             `bson:"irm_recommendations" json:"irm_recommendations"`
	Commitments        map[string]CommitmentSections `bson:"commitments" json:"commitments"`
}

// CommitmentSections are the per-commitment SAR fields the plan file lacks.
type CommitmentSections struct {
	Problem    map[string]string `bson:"problem" json:"problem"`
	WhatItDoes map[string]string `bson:"what_it_does" json:"what_it_does"`
	OGPValues  []string          `bson:"ogp_values" json:"ogp_values"`
	// Start and End (YYYY-MM-DD or YYYY-MM) override the plan's dates.
	Start string `bson:"start" json:"start"`
	End   string `bson:"end" json:"end"`
}

// OGP values a commitment may serve.
var OGPValues = []string{"access_to_information", "civic_participation", "public_accountability", "technology_and_innovation"}

// Result is the latest agreed update of one item, for the SAR.
type Result struct {
	Item        string `json:"item"`
	ItemTitle   string `json:"item_title"`
	Status      string `json:"status"`
	StatusLabel string `json:"status_label"`
	Progress    string `json:"progress"`
	NextSteps   string `json:"next_steps"`
	UpdateID    string `json:"update_id"`
	Version     int64  `json:"version"`
	ReportedFor string `json:"reported_for"`
	Agreements  []Sign `json:"agreements"`
}

// MilestoneLevel is a milestone's completion level and how it was found.
type MilestoneLevel struct {
	Code       string `json:"code"`
	Title      string `json:"title"`
	Completion string `json:"completion"`
	Label      string `json:"label"`
	// Basis is "update" (its own agreed update), "indicators" or "none".
	Basis string `json:"basis"`
}

// SARCommitment is one commitment of the SAR draft.
type SARCommitment struct {
	Number          int              `json:"number"`
	Code            string           `json:"code"`
	Title           string           `json:"title"`
	Start           string           `json:"start"`
	End             string           `json:"end"`
	LeadAgencies    []string         `json:"lead_agencies"`
	Problem         string           `json:"problem"`
	WhatItDoes      string           `json:"what_it_does"`
	OGPValues       []string         `json:"ogp_values"`
	Completion      string           `json:"completion"`
	CompletionLabel string           `json:"completion_label"`
	Milestones      []MilestoneLevel `json:"milestones"`
	Results         []Result         `json:"results"`
	Evidence        []Link           `json:"evidence"`
}

// DisputedLine is a disputed update for the SAR annex.
type DisputedLine struct {
	Commitment string     `json:"commitment"`
	Item       string     `json:"item"`
	Update     UpdateLine `json:"update"`
}

// PeriodQA is the Q&A total of one period.
type PeriodQA struct {
	Period  string    `json:"period"`
	Figures QAFigures `json:"figures"`
}

// SAR is the Self-Assessment Report draft of one plan in one language.
type SAR struct {
	Plan               string          `json:"plan"`
	PlanTitle          string          `json:"plan_title"`
	PlanStart          string          `json:"plan_start"`
	PlanEnd            string          `json:"plan_end"`
	Language           string          `json:"language"`
	Languages          []string        `json:"languages"`
	TimeZone           string          `json:"time_zone"`
	Introduction       string          `json:"introduction"`
	ForumMeetings      string          `json:"forum_meetings"`
	Participation      string          `json:"participation"`
	IRMRecommendations string          `json:"irm_recommendations"`
	Commitments        []SARCommitment `json:"commitments"`
	QAByAgency         []QAFigures     `json:"qa_by_agency"`
	QAByPeriod         []PeriodQA      `json:"qa_by_period"`
	QATotal            QAFigures       `json:"qa_total"`
	Disputed           []DisputedLine  `json:"disputed_updates"`
}
