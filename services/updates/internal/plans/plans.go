// Package plans is the updates service's copy of what it checks an update
// against at the plan level (the plan's languages and the months it runs),
// built from the commitments service's plan events alone. It holds one
// document per plan, _id the plan id.
package plans

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/mongox"
)

// Plan is what the updates service knows of one plan.
type Plan struct {
	ID string `bson:"_id"`
	// Languages are the plan's BCP 47 tags, spelt as the plan spells them.
	Languages []string `bson:"languages"`
	// Start and End are the plan's first and last months, YYYY-MM.
	Start   string `bson:"start"`
	End     string `bson:"end"`
	Version int64  `bson:"version"`
}

// ErrNotFound means the plan has not been seen in the events (yet).
var ErrNotFound = errors.New("plan not known")

// Store holds plans in the updates database.
type Store struct{ coll *mongo.Collection }

// New uses the "plans" collection of db.
func New(db *mongo.Database) *Store { return &Store{coll: db.Collection("plans")} }

// Get returns a plan by id (by _id alone, which FerretDB filters on itself).
func (s *Store) Get(ctx context.Context, id string) (*Plan, error) {
	var p Plan
	err := s.coll.FindOne(ctx, bson.M{"_id": id}).Decode(&p)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load plan %s: %w", id, err)
	}
	return &p, nil
}

// Apply handles the plan events of kept:commitments; other events are
// ignored. It runs in a consumer group of its own, which starts at the
// beginning of the stream, so a deployment whose "updates" group read the
// plan events before this service kept plans learns them too. Applying an
// event twice, or an older one after a newer, changes nothing: the write is
// guarded by the aggregate version.
func (s *Store) Apply(ctx context.Context, env *eventsv1.Envelope) error {
	p := env.GetPlanUpserted()
	if p == nil || p.GetPlanId() == "" {
		return nil
	}
	langs := p.GetLanguages()
	if langs == nil {
		langs = []string{}
	}
	v := env.GetAggregateVersion()
	return mongox.ReplaceIfNewer(ctx, s.coll, p.GetPlanId(), v,
		Plan{ID: p.GetPlanId(), Languages: langs, Start: p.GetStart(), End: p.GetEnd(), Version: v})
}
