// Package leads is the qa service's copy of who leads each commitment, built
// from the commitments service's events alone: a question goes to the
// commitment's first lead organisation. It also keeps each plan's languages
// (a public comment must be in one of them).
package leads

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/mongox"
)

// Commitment is what qa knows of one commitment.
type Commitment struct {
	ID       string   `bson:"_id"` // plan/code
	Plan     string   `bson:"plan"`
	Code     string   `bson:"code"`
	LeadOrgs []string `bson:"lead_orgs"`
	Version  int64    `bson:"version"`
	Removed  bool     `bson:"removed"`
}

// ErrNotFound means the commitment is unknown (or not yet seen).
var ErrNotFound = errors.New("no such commitment")

// Plan is what qa knows of one plan.
type Plan struct {
	ID        string   `bson:"_id"`
	Languages []string `bson:"languages"`
	Version   int64    `bson:"version"`
}

// ErrPlanNotFound means the plan is unknown (or not yet seen).
var ErrPlanNotFound = errors.New("no such plan")

// Store holds commitments and plans in the qa database.
type Store struct{ coll, plans *mongo.Collection }

// New uses the "commitments" and "plans" collections of db.
func New(db *mongo.Database) *Store {
	return &Store{coll: db.Collection("commitments"), plans: db.Collection("plans")}
}

// Plan returns a plan by id (by _id alone, for FerretDB).
func (s *Store) Plan(ctx context.Context, id string) (*Plan, error) {
	var p Plan
	err := s.plans.FindOne(ctx, bson.M{"_id": id}).Decode(&p)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, ErrPlanNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load plan %s: %w", id, err)
	}
	return &p, nil
}

// ApplyPlan handles the plan events of kept:commitments (other events are
// ignored). It runs in a consumer group of its own ("qa-plans"), which starts
// from the beginning of the stream, so a deployment whose "qa" group read
// the plans before qa kept their languages learns them too. Applying an
// event twice changes nothing (guarded by the aggregate version).
func (s *Store) ApplyPlan(ctx context.Context, env *eventsv1.Envelope) error {
	p := env.GetPlanUpserted()
	if p == nil {
		return nil
	}
	langs := p.GetLanguages()
	if langs == nil {
		langs = []string{}
	}
	return mongox.ReplaceIfNewer(ctx, s.plans, p.GetPlanId(), env.GetAggregateVersion(),
		Plan{ID: p.GetPlanId(), Languages: langs, Version: env.GetAggregateVersion()})
}

// Get returns a commitment by plan and code (by _id alone, for FerretDB).
func (s *Store) Get(ctx context.Context, plan, code string) (*Commitment, error) {
	var c Commitment
	err := s.coll.FindOne(ctx, bson.M{"_id": plan + "/" + code}).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && c.Removed) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load commitment %s/%s: %w", plan, code, err)
	}
	return &c, nil
}

// Apply handles a commitments event; applying it twice changes nothing
// because every write is guarded by the aggregate version.
func (s *Store) Apply(ctx context.Context, env *eventsv1.Envelope) error {
	switch b := env.GetBody().(type) {
	case *eventsv1.Envelope_CommitmentUpserted:
		c := b.CommitmentUpserted
		orgs := make([]string, 0, len(c.GetLeadOrgs()))
		for _, o := range c.GetLeadOrgs() {
			orgs = append(orgs, o.GetCode())
		}
		return s.upsert(ctx, Commitment{ID: c.GetPlanId() + "/" + c.GetCode(), Plan: c.GetPlanId(), Code: c.GetCode(),
			LeadOrgs: orgs, Version: env.GetAggregateVersion()})
	case *eventsv1.Envelope_PlanUpserted:
		p := b.PlanUpserted
		_, err := s.coll.UpdateMany(ctx, bson.M{"plan": p.GetPlanId(), "code": bson.M{"$nin": p.GetCommitmentCodes()},
			"version": bson.M{"$lt": env.GetAggregateVersion()}},
			bson.M{"$set": bson.M{"removed": true, "version": env.GetAggregateVersion()}})
		if err != nil {
			return fmt.Errorf("mark removed commitments of %s: %w", p.GetPlanId(), err)
		}
	}
	return nil
}

func (s *Store) upsert(ctx context.Context, c Commitment) error {
	return mongox.ReplaceIfNewer(ctx, s.coll, c.ID, c.Version, c, bson.M{"version": c.Version, "removed": true})
}
