// Package readmodel is the dashboards service's own view of plans and their
// progress, built from the commitments and updates events alone. Every write
// is guarded by the event's aggregate version, so a redelivered event changes
// nothing.
package readmodel

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/mongox"
)

// Text maps a language tag to text.
type Text map[string]string

// Deadline is an item's deadline as the plan gives it.
type Deadline struct {
	Original    Text   `bson:"original" json:"original"`
	Kind        string `bson:"kind" json:"kind"`
	Due         string `bson:"due,omitempty" json:"due,omitempty"`
	Approximate bool   `bson:"approximate" json:"approximate"`
}

// Indicator is the finest level.
type Indicator struct {
	Code     string   `bson:"code" json:"code"`
	Title    Text     `bson:"title" json:"title"`
	Deadline Deadline `bson:"deadline" json:"deadline"`
	LeadOrgs []string `bson:"lead_orgs" json:"lead_orgs"`
}

// Milestone groups indicators.
type Milestone struct {
	Code       string      `bson:"code" json:"code"`
	Title      Text        `bson:"title" json:"title"`
	Deadline   Deadline    `bson:"deadline" json:"deadline"`
	LeadOrgs   []string    `bson:"lead_orgs" json:"lead_orgs"`
	Indicators []Indicator `bson:"indicators" json:"indicators"`
}

// Commitment as the dashboards see it.
type Commitment struct {
	ID         string      `bson:"_id" json:"-"`
	Plan       string      `bson:"plan" json:"plan"`
	Code       string      `bson:"code" json:"code"`
	Title      Text        `bson:"title" json:"title"`
	Milestones []Milestone `bson:"milestones" json:"milestones"`
	Version    int64       `bson:"version" json:"-"`
}

// Plan as the dashboards see it.
type Plan struct {
	ID          string   `bson:"_id" json:"id"`
	Title       Text     `bson:"title" json:"title"`
	Start       string   `bson:"start" json:"start"`
	End         string   `bson:"end" json:"end"`
	Languages   []string `bson:"languages" json:"languages"`
	Commitments []string `bson:"commitments" json:"commitments"`
	Version     int64    `bson:"version" json:"-"`
}

// Status is the latest public update of an item.
type Status struct {
	ID          string    `bson:"_id" json:"-"`
	Plan        string    `bson:"plan" json:"-"`
	Commitment  string    `bson:"commitment" json:"-"`
	Item        string    `bson:"item" json:"item"`
	UpdateID    string    `bson:"update_id" json:"update_id"`
	Period      string    `bson:"period" json:"period"`
	Status      string    `bson:"status" json:"status"`
	State       string    `bson:"state" json:"state"`
	Progress    Text      `bson:"progress" json:"progress"`
	PublishedAt time.Time `bson:"published_at" json:"published_at"`
	Version     int64     `bson:"version" json:"-"`
}

// Store is the dashboards database.
type Store struct {
	plans, commitments, statuses *mongo.Collection
	// idOnly writes statuses by _id alone: on FerretDB a longer filter reads
	// the whole collection and is not atomic anyway; one consumer per process
	// applies events in order, so nothing races there.
	idOnly bool
}

// UseIDOnlyFilters is for FerretDB; see Store.idOnly.
func (s *Store) UseIDOnlyFilters() { s.idOnly = true }

// New uses db, which the dashboards service owns.
func New(db *mongo.Database) *Store {
	return &Store{plans: db.Collection("plans"), commitments: db.Collection("commitments"), statuses: db.Collection("statuses")}
}

// EnsureIndexes creates the indexes the reads use.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	for _, c := range []*mongo.Collection{s.commitments, s.statuses} {
		if _, err := c.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "plan", Value: 1}}}); err != nil {
			return fmt.Errorf("index %s: %w", c.Name(), err)
		}
	}
	return nil
}

// Change says what an applied event touched.
type Change struct {
	Plan string
	// Structure is true when the plan or a commitment changed, not just progress.
	Structure bool
}

// Apply handles one event and reports what it touched (Plan "" if nothing).
func (s *Store) Apply(ctx context.Context, env *eventsv1.Envelope) (Change, error) {
	v := env.GetAggregateVersion()
	switch b := env.GetBody().(type) {
	case *eventsv1.Envelope_PlanUpserted:
		p := b.PlanUpserted
		doc := Plan{ID: p.GetPlanId(), Title: p.GetTitle().GetValues(), Start: p.GetStart(), End: p.GetEnd(),
			Languages: p.GetLanguages(), Commitments: p.GetCommitmentCodes(), Version: v}
		return Change{p.GetPlanId(), true}, mongox.ReplaceIfNewer(ctx, s.plans, doc.ID, v, doc)
	case *eventsv1.Envelope_CommitmentUpserted:
		c := b.CommitmentUpserted
		doc := Commitment{ID: c.GetPlanId() + "/" + c.GetCode(), Plan: c.GetPlanId(), Code: c.GetCode(),
			Title: c.GetTitle().GetValues(), Milestones: milestones(c.GetMilestones()), Version: v}
		return Change{c.GetPlanId(), true}, mongox.ReplaceIfNewer(ctx, s.commitments, doc.ID, v, doc)
	case *eventsv1.Envelope_UpdateChanged:
		return Change{b.UpdateChanged.GetPlanId(), false}, s.applyUpdate(ctx, b.UpdateChanged, v)
	}
	return Change{}, nil
}

// applyUpdate keeps, per item, the newest public update: by period, then by
// when it became public; a later event of the same update wins by version.
func (s *Store) applyUpdate(ctx context.Context, u *eventsv1.UpdateChanged, version int64) error {
	published := publishedAt(u)
	st := Status{ID: u.GetPlanId() + "/" + u.GetItemCode(), Plan: u.GetPlanId(), Commitment: u.GetCommitmentCode(),
		Item: u.GetItemCode(), UpdateID: u.GetUpdateId(), Period: u.GetPeriod(), Status: u.GetStatus(), State: u.GetState(),
		Progress: u.GetProgress().GetValues(), PublishedAt: published.UTC(), Version: version}
	for attempt := 0; attempt < 5; attempt++ {
		var cur Status
		err := s.statuses.FindOne(ctx, bson.M{"_id": st.ID}).Decode(&cur)
		if errors.Is(err, mongo.ErrNoDocuments) {
			_, err = s.statuses.InsertOne(ctx, st)
			if mongo.IsDuplicateKeyError(err) {
				continue
			}
			return wrap(err, "insert status", st.ID)
		}
		if err != nil {
			return wrap(err, "load status", st.ID)
		}
		if !newer(st, cur) {
			return nil
		}
		filter := bson.M{"_id": st.ID, "update_id": cur.UpdateID, "version": cur.Version}
		if s.idOnly {
			filter = bson.M{"_id": st.ID}
		}
		res, err := s.statuses.ReplaceOne(ctx, filter, st)
		if err != nil {
			return wrap(err, "replace status", st.ID)
		}
		if res.MatchedCount == 1 {
			return nil
		}
	}
	return fmt.Errorf("status %s kept changing", st.ID)
}

// publishedAt is when u became public: at its first dispute (a dispute
// publishes a draft; later disputes do not make it newer), else at the
// agreement that completed it (an agreed update has no disputes).
func publishedAt(u *eventsv1.UpdateChanged) time.Time {
	published := u.GetPostedAt().AsTime()
	if ds := u.GetDisputes(); len(ds) > 0 {
		first := ds[0].GetAt().AsTime()
		for _, d := range ds[1:] {
			if t := d.GetAt().AsTime(); t.Before(first) {
				first = t
			}
		}
		return first
	}
	for _, a := range u.GetAgreements() {
		if t := a.GetAt().AsTime(); t.After(published) {
			published = t
		}
	}
	return published
}

func newer(a, b Status) bool {
	if a.UpdateID == b.UpdateID {
		return a.Version > b.Version
	}
	if a.Period != b.Period {
		return a.Period > b.Period
	}
	return a.PublishedAt.After(b.PublishedAt) || (a.PublishedAt.Equal(b.PublishedAt) && a.UpdateID > b.UpdateID)
}

func wrap(err error, what, id string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s %s: %w", what, id, err)
}

func milestones(in []*eventsv1.Milestone) []Milestone {
	out := make([]Milestone, 0, len(in))
	for _, m := range in {
		mm := Milestone{Code: m.GetCode(), Title: m.GetTitle().GetValues(), Deadline: deadline(m.GetDeadline()), LeadOrgs: orgs(m.GetLeadOrgs()), Indicators: []Indicator{}}
		for _, i := range m.GetIndicators() {
			mm.Indicators = append(mm.Indicators, Indicator{Code: i.GetCode(), Title: i.GetTitle().GetValues(), Deadline: deadline(i.GetDeadline()), LeadOrgs: orgs(i.GetLeadOrgs())})
		}
		out = append(out, mm)
	}
	return out
}

func orgs(in []*eventsv1.Organisation) []string {
	out := make([]string, 0, len(in))
	for _, o := range in {
		out = append(out, o.GetCode())
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

// Snapshot is everything about one plan the summaries need.
type Snapshot struct {
	Plan        Plan
	Commitments []Commitment
	Statuses    map[string]Status // by item code
}

// ErrNotFound means the plan is unknown to the dashboards.
var ErrNotFound = errors.New("plan not found")

// Load reads a plan, its commitments in plan order, and its statuses.
func (s *Store) Load(ctx context.Context, plan string) (*Snapshot, error) {
	snap, err := s.LoadStructure(ctx, plan)
	if err != nil {
		return nil, err
	}
	if snap.Statuses, err = s.LoadStatuses(ctx, plan); err != nil {
		return nil, err
	}
	return snap, nil
}

// LoadStructure reads a plan and its commitments in plan order, without
// statuses; progress changes far more often than structure, so callers may
// keep this and reload only the statuses.
func (s *Store) LoadStructure(ctx context.Context, plan string) (*Snapshot, error) {
	var p Plan
	err := s.plans.FindOne(ctx, bson.M{"_id": plan}).Decode(&p)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, wrap(err, "load plan", plan)
	}
	cur, err := s.commitments.Find(ctx, bson.M{"plan": plan})
	if err != nil {
		return nil, wrap(err, "load commitments of", plan)
	}
	var cs []Commitment
	if err := cur.All(ctx, &cs); err != nil {
		return nil, wrap(err, "load commitments of", plan)
	}
	byCode := map[string]Commitment{}
	for _, c := range cs {
		byCode[c.Code] = c
	}
	snap := &Snapshot{Plan: p, Statuses: map[string]Status{}}
	for _, code := range p.Commitments {
		if c, ok := byCode[code]; ok {
			snap.Commitments = append(snap.Commitments, c)
		}
	}
	return snap, nil
}

// LoadStatuses reads the latest public update of every item of a plan.
func (s *Store) LoadStatuses(ctx context.Context, plan string) (map[string]Status, error) {
	cur, err := s.statuses.Find(ctx, bson.M{"plan": plan})
	if err != nil {
		return nil, wrap(err, "load statuses of", plan)
	}
	var sts []Status
	if err := cur.All(ctx, &sts); err != nil {
		return nil, wrap(err, "load statuses of", plan)
	}
	out := make(map[string]Status, len(sts))
	for _, st := range sts {
		out[st.Item] = st
	}
	return out, nil
}

// PlanIDs lists every plan the dashboards know.
func (s *Store) PlanIDs(ctx context.Context) ([]string, error) {
	cur, err := s.plans.Find(ctx, bson.M{}, options.Find().SetProjection(bson.M{"_id": 1}).SetSort(bson.M{"_id": 1}))
	if err != nil {
		return nil, fmt.Errorf("list plans: %w", err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("list plans: %w", err)
	}
	out := make([]string, 0, len(docs))
	for _, d := range docs {
		out = append(out, d.ID)
	}
	return out, nil
}
