// Package items is the updates service's own copy of the plan structure it
// needs (who leads each milestone and indicator, and when it is due), built
// from the commitments service's events alone.
package items

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/mongox"
)

// Item is a milestone or indicator updates can be posted on.
type Item struct {
	ID         string   `bson:"_id"`
	Plan       string   `bson:"plan"`
	Commitment string   `bson:"commitment"`
	Code       string   `bson:"code"`
	Level      string   `bson:"level"`
	LeadOrgs   []string `bson:"lead_orgs"`
	// Due is YYYY-MM-DD when the deadline has a single date.
	Due     string `bson:"due"`
	Version int64  `bson:"version"`
	Removed bool   `bson:"removed"`
}

// ErrNotFound means the item is unknown (or not yet seen from the events).
var ErrNotFound = errors.New("no such milestone or indicator")

// Store holds items in the updates database.
type Store struct{ coll *mongo.Collection }

// New uses the "items" collection of db.
func New(db *mongo.Database) *Store { return &Store{coll: db.Collection("items")} }

// Get returns an item of a plan by code.
func (s *Store) Get(ctx context.Context, plan, code string) (*Item, error) {
	var it Item
	// Filter by _id alone (FerretDB reads the whole collection for anything
	// else) and check "removed" here.
	err := s.coll.FindOne(ctx, bson.M{"_id": plan + "/" + code}).Decode(&it)
	if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && it.Removed) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load item %s/%s: %w", plan, code, err)
	}
	return &it, nil
}

// Apply handles a commitments event; applying it twice changes nothing
// because every write is guarded by the aggregate version.
func (s *Store) Apply(ctx context.Context, env *eventsv1.Envelope) error {
	switch b := env.GetBody().(type) {
	case *eventsv1.Envelope_CommitmentUpserted:
		return s.applyCommitment(ctx, b.CommitmentUpserted, env.GetAggregateVersion())
	case *eventsv1.Envelope_PlanUpserted:
		return s.applyPlan(ctx, b.PlanUpserted, env.GetAggregateVersion())
	}
	return nil
}

func (s *Store) applyCommitment(ctx context.Context, c *eventsv1.CommitmentUpserted, version int64) error {
	var kept []string
	put := func(level, code string, orgs []*eventsv1.Organisation, d *eventsv1.Deadline) error {
		kept = append(kept, code)
		codes := make([]string, 0, len(orgs))
		for _, o := range orgs {
			codes = append(codes, o.GetCode())
		}
		due := ""
		if d.GetKind() == eventsv1.Deadline_KIND_DATE {
			due = d.GetDueDate()
		}
		it := Item{ID: c.GetPlanId() + "/" + code, Plan: c.GetPlanId(), Commitment: c.GetCode(), Code: code,
			Level: level, LeadOrgs: codes, Due: due, Version: version}
		return s.upsert(ctx, it)
	}
	for _, m := range c.GetMilestones() {
		if err := put("milestone", m.GetCode(), m.GetLeadOrgs(), m.GetDeadline()); err != nil {
			return err
		}
		for _, i := range m.GetIndicators() {
			if err := put("indicator", i.GetCode(), i.GetLeadOrgs(), i.GetDeadline()); err != nil {
				return err
			}
		}
	}
	// Milestones and indicators the commitment no longer has are removed.
	_, err := s.coll.UpdateMany(ctx, bson.M{"plan": c.GetPlanId(), "commitment": c.GetCode(), "code": bson.M{"$nin": kept},
		"version": bson.M{"$lt": version}, "removed": false}, bson.M{"$set": bson.M{"removed": true, "version": version}})
	if err != nil {
		return fmt.Errorf("mark removed items of %s/%s: %w", c.GetPlanId(), c.GetCode(), err)
	}
	return nil
}

// applyPlan marks items of commitments no longer in the plan as removed.
func (s *Store) applyPlan(ctx context.Context, p *eventsv1.PlanUpserted, version int64) error {
	_, err := s.coll.UpdateMany(ctx, bson.M{"plan": p.GetPlanId(), "commitment": bson.M{"$nin": p.GetCommitmentCodes()}, "version": bson.M{"$lt": version}},
		bson.M{"$set": bson.M{"removed": true, "version": version}})
	if err != nil {
		return fmt.Errorf("mark removed items of %s: %w", p.GetPlanId(), err)
	}
	return nil
}

// upsert writes it unless a newer version is already stored. An item removed
// at this same version was moved to this commitment: it is written too.
func (s *Store) upsert(ctx context.Context, it Item) error {
	return mongox.ReplaceIfNewer(ctx, s.coll, it.ID, it.Version, it, bson.M{"version": it.Version, "removed": true})
}
