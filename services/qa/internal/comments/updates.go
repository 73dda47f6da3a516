package comments

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/distlock"
)

// UpdatesStream is the updates service's stream, which qa reads (group
// "qa") to know which updates are public.
const UpdatesStream = "kept:updates"

// States of an update that make it public.
const (
	UpdateAgreed   = "agreed"
	UpdateDisputed = "disputed"
)

// ErrUpdateNotFound means qa knows no such update: it does not exist, is a
// draft (drafts send no event), or belongs to another commitment.
var ErrUpdateNotFound = errors.New("no such update")

// Update is what qa knows of one progress update, from its last event.
type Update struct {
	ID         string `bson:"_id"`
	Plan       string `bson:"plan"`
	Commitment string `bson:"commitment"`
	Item       string `bson:"item"`
	Level      string `bson:"level"`
	Period     string `bson:"period"`
	State      string `bson:"state"`
	Version    int64  `bson:"version"`
}

// Public reports whether everyone may see (and comment on) the update.
func (u *Update) Public() bool { return u.State == UpdateAgreed || u.State == UpdateDisputed }

// Updates is the read model of progress updates ("updates" in the qa
// database), keyed by update id.
type Updates struct {
	coll *mongo.Collection
	// Locks, when set, makes applying one update's event exclusive across
	// replicas; the write is then by _id alone (the one filter FerretDB
	// answers from an index).
	Locks *distlock.Locker
}

// NewUpdates uses the "updates" collection of db.
func NewUpdates(db *mongo.Database) *Updates { return &Updates{coll: db.Collection("updates")} }

// Get returns one update by id.
func (s *Updates) Get(ctx context.Context, id string) (*Update, error) {
	var u Update
	err := s.coll.FindOne(ctx, bson.M{"_id": id}).Decode(&u)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, ErrUpdateNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load update %s: %w", id, err)
	}
	return &u, nil
}

// Apply handles an event of kept:updates; others are ignored. The stored
// update is replaced only by a newer aggregate version, so a redelivered
// or late event changes nothing.
func (s *Updates) Apply(ctx context.Context, env *eventsv1.Envelope) error {
	b := env.GetUpdateChanged()
	if b == nil || b.GetUpdateId() == "" {
		return nil
	}
	u := Update{ID: b.GetUpdateId(), Plan: b.GetPlanId(), Commitment: b.GetCommitmentCode(), Item: b.GetItemCode(),
		Level: b.GetItemLevel(), Period: b.GetPeriod(), State: b.GetState(), Version: env.GetAggregateVersion()}
	if s.Locks != nil {
		release, err := s.Locks.Lock(ctx, "update:"+u.ID)
		if err != nil {
			return fmt.Errorf("update %s is busy: %w", u.ID, err)
		}
		defer release()
	}
	cur, err := s.Get(ctx, u.ID)
	switch {
	case err == nil && cur.Version >= u.Version:
		return nil
	case err != nil && !errors.Is(err, ErrUpdateNotFound):
		return err
	}
	if _, err := s.coll.ReplaceOne(ctx, bson.M{"_id": u.ID}, u, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("store update %s: %w", u.ID, err)
	}
	return nil
}
