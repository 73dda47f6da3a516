// Package readmodel is the reporting service's own view of plans, their
// working-group-agreed progress updates and the public questions, built from
// the commitments, updates and qa events alone. Plans, commitments and
// questions are replaced only by a newer aggregate version; every public
// version of an update is kept under a deterministic id and inserted once, so
// a redelivered event changes nothing. Drafts never reach this store.
package readmodel

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/mongox"
)

// Text maps a language tag to text.
type Text map[string]string

// Org is an organisation with its name in each language.
type Org struct {
	Code string `bson:"code" json:"code"`
	Name Text   `bson:"name" json:"name"`
}

// Deadline is an item's deadline as the plan gives it.
type Deadline struct {
	Original    Text   `bson:"original" json:"original"`
	Kind        string `bson:"kind" json:"kind"`
	Due         string `bson:"due,omitempty" json:"due,omitempty"`
	Approximate bool   `bson:"approximate" json:"approximate"`
}

// Indicator is the finest level of a plan.
type Indicator struct {
	Code     string   `bson:"code" json:"code"`
	Title    Text     `bson:"title" json:"title"`
	Deadline Deadline `bson:"deadline" json:"deadline"`
	LeadOrgs []Org    `bson:"lead_orgs" json:"lead_orgs"`
}

// Milestone groups indicators.
type Milestone struct {
	Code       string      `bson:"code" json:"code"`
	Title      Text        `bson:"title" json:"title"`
	Deadline   Deadline    `bson:"deadline" json:"deadline"`
	LeadOrgs   []Org       `bson:"lead_orgs" json:"lead_orgs"`
	Indicators []Indicator `bson:"indicators" json:"indicators"`
}

// Commitment as the reports see it.
type Commitment struct {
	ID         string      `bson:"_id" json:"-"`
	Plan       string      `bson:"plan" json:"plan"`
	Code       string      `bson:"code" json:"code"`
	Title      Text        `bson:"title" json:"title"`
	LeadOrgs   []Org       `bson:"lead_orgs" json:"lead_orgs"`
	Milestones []Milestone `bson:"milestones" json:"milestones"`
	Version    int64       `bson:"version" json:"-"`
}

// Plan as the reports see it.
type Plan struct {
	ID          string   `bson:"_id" json:"id"`
	Title       Text     `bson:"title" json:"title"`
	Start       string   `bson:"start" json:"start"`
	End         string   `bson:"end" json:"end"`
	Languages   []string `bson:"languages" json:"languages"`
	Commitments []string `bson:"commitments" json:"commitments"`
	Version     int64    `bson:"version" json:"-"`
}

// Evidence is one evidence link of an update.
type Evidence struct {
	URL   string `bson:"url" json:"url"`
	Title Text   `bson:"title" json:"title"`
	Kind  string `bson:"kind" json:"kind"`
}

// Agreement is one side's agreement to an update.
type Agreement struct {
	Side   string    `bson:"side" json:"side"`
	Member string    `bson:"member" json:"member"`
	At     time.Time `bson:"at" json:"at"`
}

// Dispute is one side's dispute of an update, with its reason.
type Dispute struct {
	Side   string    `bson:"side" json:"side"`
	Member string    `bson:"member" json:"member"`
	Reason Text      `bson:"reason" json:"reason"`
	At     time.Time `bson:"at" json:"at"`
}

// Update states kept here; drafts are never stored.
const (
	StateAgreed   = "agreed"
	StateDisputed = "disputed"
)

// UpdateVersion is one public version of a progress update.
type UpdateVersion struct {
	ID          string      `bson:"_id" json:"-"`
	Plan        string      `bson:"plan" json:"plan"`
	Commitment  string      `bson:"commitment" json:"commitment"`
	Item        string      `bson:"item" json:"item"`
	Level       string      `bson:"level" json:"level"`
	UpdateID    string      `bson:"update_id" json:"update_id"`
	Version     int64       `bson:"version" json:"version"`
	Period      string      `bson:"period" json:"period"`
	Status      string      `bson:"status" json:"status"`
	Progress    Text        `bson:"progress" json:"progress"`
	Evidence    []Evidence  `bson:"evidence" json:"evidence"`
	Challenges  Text        `bson:"challenges" json:"challenges"`
	DelayReason Text        `bson:"delay_reason" json:"delay_reason"`
	NextSteps   Text        `bson:"next_steps" json:"next_steps"`
	State       string      `bson:"state" json:"state"`
	Agreements  []Agreement `bson:"agreements" json:"agreements"`
	Disputes    []Dispute   `bson:"disputes" json:"disputes"`
	Agency      string      `bson:"agency" json:"agency"`
	PostedAt    time.Time   `bson:"posted_at" json:"posted_at"`
	// At is when this version became what it is: for an agreed update the
	// last agreement (the one that completed it), for a disputed one the
	// first dispute.
	At time.Time `bson:"at" json:"at"`
}

// Question is the part of a public question the reports count.
type Question struct {
	ID         string     `bson:"_id" json:"id"`
	Plan       string     `bson:"plan" json:"plan"`
	Commitment string     `bson:"commitment" json:"commitment"`
	Status     string     `bson:"status" json:"status"`
	Agency     string     `bson:"agency" json:"agency"`
	AskedAt    time.Time  `bson:"asked_at" json:"asked_at"`
	DueAt      *time.Time `bson:"due_at,omitempty" json:"due_at,omitempty"`
	DueDay     string     `bson:"due_day" json:"due_day"`
	AnsweredAt *time.Time `bson:"answered_at,omitempty" json:"answered_at,omitempty"`
	OnTime     bool       `bson:"on_time" json:"on_time"`
	DaysTaken  int32      `bson:"days_taken" json:"days_taken"`
	Hidden     bool       `bson:"hidden" json:"hidden"`
	Version    int64      `bson:"version" json:"-"`
}

// Store is the reporting read model.
type Store struct {
	plans, commitments, updates, questions *mongo.Collection
}

// New uses db, which the reporting service owns.
func New(db *mongo.Database) *Store {
	return &Store{plans: db.Collection("plans"), commitments: db.Collection("commitments"),
		updates: db.Collection("updates"), questions: db.Collection("questions")}
}

// EnsureIndexes creates the indexes the reads use, one per call (FerretDB).
func (s *Store) EnsureIndexes(ctx context.Context) error {
	for _, c := range []*mongo.Collection{s.commitments, s.updates, s.questions} {
		if _, err := c.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "plan", Value: 1}}}); err != nil {
			return fmt.Errorf("index %s: %w", c.Name(), err)
		}
	}
	return nil
}

// Apply handles one event of kept:commitments, kept:updates or kept:qa;
// events of other kinds are ignored.
func (s *Store) Apply(ctx context.Context, env *eventsv1.Envelope) error {
	v := env.GetAggregateVersion()
	switch b := env.GetBody().(type) {
	case *eventsv1.Envelope_PlanUpserted:
		p := b.PlanUpserted
		doc := Plan{ID: p.GetPlanId(), Title: p.GetTitle().GetValues(), Start: p.GetStart(), End: p.GetEnd(),
			Languages: nonNil(p.GetLanguages()), Commitments: nonNil(p.GetCommitmentCodes()), Version: v}
		return mongox.ReplaceIfNewer(ctx, s.plans, doc.ID, v, doc)
	case *eventsv1.Envelope_CommitmentUpserted:
		c := b.CommitmentUpserted
		doc := Commitment{ID: c.GetPlanId() + "/" + c.GetCode(), Plan: c.GetPlanId(), Code: c.GetCode(),
			Title: c.GetTitle().GetValues(), LeadOrgs: orgs(c.GetLeadOrgs()), Milestones: milestones(c.GetMilestones()), Version: v}
		return mongox.ReplaceIfNewer(ctx, s.commitments, doc.ID, v, doc)
	case *eventsv1.Envelope_UpdateChanged:
		return s.applyUpdate(ctx, b.UpdateChanged, v)
	case *eventsv1.Envelope_QuestionChanged:
		q := b.QuestionChanged
		doc := Question{ID: q.GetQuestionId(), Plan: q.GetPlanId(), Commitment: q.GetCommitmentCode(), Status: q.GetStatus(),
			Agency: q.GetAssignedAgency(), AskedAt: q.GetAskedAt().AsTime().UTC(), DueDay: q.GetDueDay(),
			OnTime: q.GetOnTime(), DaysTaken: q.GetDaysTaken(), Hidden: q.GetHidden(), Version: v}
		if q.GetDueAt() != nil {
			t := q.GetDueAt().AsTime().UTC()
			doc.DueAt = &t
		}
		if q.GetAnsweredAt() != nil {
			t := q.GetAnsweredAt().AsTime().UTC()
			doc.AnsweredAt = &t
		}
		return mongox.ReplaceIfNewer(ctx, s.questions, doc.ID, v, doc)
	}
	return nil
}

// applyUpdate stores one public version of an update once; drafts and
// unknown states are dropped.
func (s *Store) applyUpdate(ctx context.Context, u *eventsv1.UpdateChanged, version int64) error {
	state := u.GetState()
	if state != StateAgreed && state != StateDisputed {
		return nil
	}
	doc := UpdateVersion{ID: fmt.Sprintf("%s@%019d", u.GetUpdateId(), version), Plan: u.GetPlanId(),
		Commitment: u.GetCommitmentCode(), Item: u.GetItemCode(), Level: u.GetItemLevel(), UpdateID: u.GetUpdateId(),
		Version: version, Period: u.GetPeriod(), Status: u.GetStatus(), Progress: u.GetProgress().GetValues(),
		Challenges: u.GetChallenges().GetValues(), DelayReason: u.GetDelayReason().GetValues(),
		NextSteps: u.GetNextSteps().GetValues(), State: state, Agency: u.GetAgency(),
		PostedAt: u.GetPostedAt().AsTime().UTC(), Evidence: []Evidence{}, Agreements: []Agreement{}, Disputes: []Dispute{}}
	for _, e := range u.GetEvidence() {
		doc.Evidence = append(doc.Evidence, Evidence{URL: e.GetUrl(), Title: e.GetTitle().GetValues(), Kind: e.GetKind()})
	}
	for _, a := range u.GetAgreements() {
		doc.Agreements = append(doc.Agreements, Agreement{Side: a.GetSide(), Member: a.GetMember(), At: a.GetAt().AsTime().UTC()})
	}
	for _, d := range u.GetDisputes() {
		doc.Disputes = append(doc.Disputes, Dispute{Side: d.GetSide(), Member: d.GetMember(), Reason: d.GetReason().GetValues(), At: d.GetAt().AsTime().UTC()})
	}
	doc.At = becameAt(doc)
	_, err := s.updates.InsertOne(ctx, doc)
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("store update %s: %w", doc.ID, err)
	}
	return nil
}

// becameAt is when a version became agreed (its last agreement) or disputed
// (its first dispute); the posting time when neither is recorded.
func becameAt(u UpdateVersion) time.Time {
	if u.State == StateDisputed && len(u.Disputes) > 0 {
		first := u.Disputes[0].At
		for _, d := range u.Disputes[1:] {
			if d.At.Before(first) {
				first = d.At
			}
		}
		return first
	}
	at := u.PostedAt
	for _, a := range u.Agreements {
		if a.At.After(at) {
			at = a.At
		}
	}
	return at
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func orgs(in []*eventsv1.Organisation) []Org {
	out := make([]Org, 0, len(in))
	for _, o := range in {
		out = append(out, Org{Code: o.GetCode(), Name: o.GetName().GetValues()})
	}
	return out
}

func milestones(in []*eventsv1.Milestone) []Milestone {
	out := make([]Milestone, 0, len(in))
	for _, m := range in {
		mm := Milestone{Code: m.GetCode(), Title: m.GetTitle().GetValues(), Deadline: deadline(m.GetDeadline()),
			LeadOrgs: orgs(m.GetLeadOrgs()), Indicators: []Indicator{}}
		for _, i := range m.GetIndicators() {
			mm.Indicators = append(mm.Indicators, Indicator{Code: i.GetCode(), Title: i.GetTitle().GetValues(),
				Deadline: deadline(i.GetDeadline()), LeadOrgs: orgs(i.GetLeadOrgs())})
		}
		out = append(out, mm)
	}
	return out
}

var kindNames = map[eventsv1.Deadline_Kind]string{
	eventsv1.Deadline_KIND_DATE: "date", eventsv1.Deadline_KIND_RECURRING: "recurring",
	eventsv1.Deadline_KIND_UNREADABLE: "unreadable", eventsv1.Deadline_KIND_NONE: "none",
}

func deadline(d *eventsv1.Deadline) Deadline {
	return Deadline{Original: d.GetOriginal().GetValues(), Kind: kindNames[d.GetKind()], Due: d.GetDueDate(), Approximate: d.GetApproximate()}
}

// Snapshot is everything about one plan the reports need, sorted: commitments
// in plan order, update versions by item, update id and version, questions
// by id.
type Snapshot struct {
	Plan        Plan
	Commitments []Commitment
	Updates     []UpdateVersion
	Questions   []Question
}

// ErrNotFound means the plan is unknown to the reporting service.
var ErrNotFound = errors.New("plan not found")

// Plan reads one plan.
func (s *Store) Plan(ctx context.Context, plan string) (*Plan, error) {
	var p Plan
	err := s.plans.FindOne(ctx, bson.M{"_id": plan}).Decode(&p)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load plan %s: %w", plan, err)
	}
	return &p, nil
}

// Load reads a plan with its commitments, update versions and questions.
func (s *Store) Load(ctx context.Context, plan string) (*Snapshot, error) {
	p, err := s.Plan(ctx, plan)
	if err != nil {
		return nil, err
	}
	snap := &Snapshot{Plan: *p}
	var cs []Commitment
	if err := findAll(ctx, s.commitments, plan, &cs); err != nil {
		return nil, err
	}
	byCode := map[string]Commitment{}
	for _, c := range cs {
		byCode[c.Code] = c
	}
	for _, code := range p.Commitments {
		if c, ok := byCode[code]; ok {
			snap.Commitments = append(snap.Commitments, c)
		}
	}
	if err := findAll(ctx, s.updates, plan, &snap.Updates); err != nil {
		return nil, err
	}
	sort.Slice(snap.Updates, func(i, j int) bool { return snap.Updates[i].ID < snap.Updates[j].ID })
	if err := findAll(ctx, s.questions, plan, &snap.Questions); err != nil {
		return nil, err
	}
	sort.Slice(snap.Questions, func(i, j int) bool { return snap.Questions[i].ID < snap.Questions[j].ID })
	return snap, nil
}

func findAll[T any](ctx context.Context, c *mongo.Collection, plan string, out *[]T) error {
	cur, err := c.Find(ctx, bson.M{"plan": plan}, options.Find())
	if err != nil {
		return fmt.Errorf("load %s of %s: %w", c.Name(), plan, err)
	}
	if err := cur.All(ctx, out); err != nil {
		return fmt.Errorf("load %s of %s: %w", c.Name(), plan, err)
	}
	return nil
}
