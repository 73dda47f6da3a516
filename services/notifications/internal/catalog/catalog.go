// Package catalog is the notifications service's list of the plans that
// exist and their commitment codes, built from the commitments service's
// events (kept:commitments) alone, so a subscription can only follow
// something that exists. It is a read model: a redelivered or older event
// changes nothing, because every write is guarded by the plan's version.
package catalog

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/mongox"
)

// Collection holds one document per plan.
const Collection = "plans"

// Plan is what notifications knows of a plan.
type Plan struct {
	ID          string   `bson:"_id"`
	Commitments []string `bson:"commitments"`
	Version     int64    `bson:"version"`
}

// ErrUnknownPlan and ErrUnknownCommitment say what a subscription named that
// does not exist (or has not been seen yet); the error's message names it.
var (
	ErrUnknownPlan       = errors.New("unknown plan")
	ErrUnknownCommitment = errors.New("unknown commitment")
)

type unknown struct {
	kind error
	msg  string
}

func (u *unknown) Error() string { return u.msg }
func (u *unknown) Unwrap() error { return u.kind }

// Store is the catalog collection.
type Store struct{ coll *mongo.Collection }

// New uses db's plans collection.
func New(db *mongo.Database) *Store { return &Store{coll: db.Collection(Collection)} }

// Apply handles one kept:commitments event. A plan event carries the plan's
// whole list of commitment codes, so it is all the catalog needs; commitment
// events are ignored.
func (s *Store) Apply(ctx context.Context, env *eventsv1.Envelope) error {
	b, ok := env.GetBody().(*eventsv1.Envelope_PlanUpserted)
	if !ok {
		return nil
	}
	p := b.PlanUpserted
	if p.GetPlanId() == "" {
		return nil
	}
	codes := slices.Clone(p.GetCommitmentCodes())
	if codes == nil {
		codes = []string{}
	}
	doc := Plan{ID: p.GetPlanId(), Commitments: codes, Version: env.GetAggregateVersion()}
	if err := mongox.ReplaceIfNewer(ctx, s.coll, doc.ID, doc.Version, doc); err != nil {
		return fmt.Errorf("catalog: plan %s version %d: %w", doc.ID, doc.Version, err)
	}
	return nil
}

// Check reports whether plan exists and, when commitment is not empty,
// whether it has that commitment; it returns ErrUnknownPlan or
// ErrUnknownCommitment (with a message naming it) otherwise. It reads by
// _id alone (fast on FerretDB).
func (s *Store) Check(ctx context.Context, plan, commitment string) error {
	var p Plan
	err := s.coll.FindOne(ctx, bson.M{"_id": plan}).Decode(&p)
	switch {
	case mongox.IsNotFound(err):
		return &unknown{kind: ErrUnknownPlan, msg: fmt.Sprintf("no plan %q", plan)}
	case err != nil:
		return fmt.Errorf("catalog: read plan %s: %w", plan, err)
	}
	if commitment != "" && !slices.Contains(p.Commitments, commitment) {
		return &unknown{kind: ErrUnknownCommitment, msg: fmt.Sprintf("no commitment %q in plan %s", commitment, plan)}
	}
	return nil
}
