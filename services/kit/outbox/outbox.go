// Package outbox publishes the events a write left in its document.
//
// MongoDB (and FerretDB, used on single machines and in tests) offers no
// multi-document transactions here, so a write that must emit an event pushes
// the encoded event into an "outbox" array of the same document in the same
// atomic update. The relay then publishes each entry to the service's stream
// and pulls it out. Delivery is at least once; consumers apply events by
// aggregate version, so a repeat changes nothing.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/keylock"
	"github.com/kept-ogp/kept/services/kit/stream"
)

// Field is the document field holding pending events.
const Field = "outbox"

// Entry is one pending event as stored in a document.
type Entry struct {
	ID   string `bson:"id"`
	Type string `bson:"type"`
	Env  []byte `bson:"env"`
}

// NewEntry encodes env for a document's outbox.
func NewEntry(env *eventsv1.Envelope) (Entry, error) {
	b, err := proto.Marshal(env)
	if err != nil {
		return Entry{}, fmt.Errorf("outbox: encode %s: %w", env.GetType(), err)
	}
	return Entry{ID: env.GetId(), Type: env.GetType(), Env: b}, nil
}

// Publisher is what the relay needs of a stream publisher.
type Publisher interface {
	Publish(ctx context.Context, env *eventsv1.Envelope) (string, error)
}

var _ Publisher = (*stream.Publisher)(nil)

// Relay moves outbox entries of one collection to one stream.
type Relay struct {
	coll     *mongo.Collection
	pub      Publisher
	interval time.Duration
	logger   *slog.Logger
	wake     chan struct{}
	locks    keylock.Locks
}

// Lock serialises changes to one document with the relay's removal of its
// sent events; writers hold it for their read-modify-write (see keylock for
// why FerretDB needs this).
func (r *Relay) Lock(id any) (unlock func()) { return r.locks.Lock(fmt.Sprint(id)) }

// DefaultInterval is how often the relay scans for entries a writer left
// behind (it crashed before Flush). Writers Flush right after their update, so
// the scan is a safety net and can be slow: on FerretDB it reads every
// document of the collection.
const DefaultInterval = 5 * time.Second

// NewRelay polls coll every interval (DefaultInterval when <= 0) and whenever
// Wake is called.
func NewRelay(coll *mongo.Collection, pub Publisher, interval time.Duration, logger *slog.Logger) *Relay {
	if interval <= 0 {
		interval = DefaultInterval
	}
	return &Relay{coll: coll, pub: pub, interval: interval, logger: logger, wake: make(chan struct{}, 1)}
}

// Wake asks the relay to look now rather than at its next tick.
func (r *Relay) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run relays until ctx is done.
func (r *Relay) Run(ctx context.Context) error {
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		if err := r.Drain(ctx); err != nil && ctx.Err() == nil {
			r.logger.WarnContext(ctx, "outbox relay pass failed; will retry", "collection", r.coll.Name(), "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-r.wake:
		}
	}
}

// Drain publishes every pending entry in the collection once.
func (r *Relay) Drain(ctx context.Context) error {
	cur, err := r.coll.Find(ctx, bson.M{Field + ".0": bson.M{"$exists": true}},
		options.Find().SetProjection(bson.M{Field: 1}).SetLimit(200))
	if err != nil {
		return fmt.Errorf("outbox: find pending in %s: %w", r.coll.Name(), err)
	}
	defer cur.Close(ctx)
	var errs []error
	for cur.Next(ctx) {
		var doc struct {
			ID     any        `bson:"_id"`
			Outbox []bson.Raw `bson:"outbox"`
		}
		if err := cur.Decode(&doc); err != nil {
			errs = append(errs, fmt.Errorf("outbox: decode: %w", err))
			continue
		}
		if err := r.publish(ctx, doc.ID, doc.Outbox); err != nil {
			errs = append(errs, err)
		}
	}
	if err := cur.Err(); err != nil {
		errs = append(errs, fmt.Errorf("outbox: cursor: %w", err))
	}
	return errors.Join(errs...)
}

// Flush publishes the pending entries of one document now; writers call it
// right after their update so events leave without waiting for a tick.
func (r *Relay) Flush(ctx context.Context, id any) error {
	var doc struct {
		Outbox []bson.Raw `bson:"outbox"`
	}
	err := r.coll.FindOne(ctx, bson.M{"_id": id}, options.FindOne().SetProjection(bson.M{Field: 1})).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("outbox: load %v: %w", id, err)
	}
	return r.publish(ctx, id, doc.Outbox)
}

// publish sends entries in order and removes those sent. Entries are pulled
// by exact value ($pullAll), which FerretDB supports where a conditional $pull
// is not; a concurrent relay may publish an entry twice, never lose one.
func (r *Relay) publish(ctx context.Context, id any, raw []bson.Raw) error {
	if len(raw) == 0 {
		return nil
	}
	sent := bson.A{}
	var pubErr error
	for _, item := range raw {
		var e Entry
		if err := bson.Unmarshal(item, &e); err != nil {
			pubErr = fmt.Errorf("outbox: entry of %v: %w", id, err)
			break
		}
		env := &eventsv1.Envelope{}
		if err := proto.Unmarshal(e.Env, env); err != nil {
			pubErr = fmt.Errorf("outbox: envelope %s of %v: %w", e.ID, id, err)
			break
		}
		if _, err := r.pub.Publish(ctx, env); err != nil {
			pubErr = fmt.Errorf("outbox: publish %s: %w", e.ID, err)
			break
		}
		sent = append(sent, item)
	}
	if len(sent) > 0 {
		unlock := r.Lock(id)
		defer unlock()
		if _, err := r.coll.UpdateOne(ctx, bson.M{"_id": id}, bson.M{"$pullAll": bson.M{Field: sent}}); err != nil {
			return errors.Join(pubErr, fmt.Errorf("outbox: remove sent entries of %v: %w", id, err))
		}
	}
	return pubErr
}
