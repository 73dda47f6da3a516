// Package delivery keeps one document per (event, channel, recipient), the
// delivery log, and the worker that sends pending deliveries with retries.
package delivery

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kept-ogp/kept/services/kit/mongox"
)

// Channels.
const (
	Email   = "email"
	Webhook = "webhook"
)

// Statuses.
const (
	Pending = "pending"
	Sent    = "sent"
	Dead    = "dead"
)

// Delivery is one message to one recipient for one event. Its _id is
// derived from the event, the channel and the recipient, so an event
// delivered twice yields the same document and no second message.
type Delivery struct {
	ID        string `bson:"_id" json:"id"`
	EventID   string `bson:"event_id" json:"event_id"`
	EventType string `bson:"event_type" json:"event_type"`
	Channel   string `bson:"channel" json:"channel"`
	// Kind is the mail template, or the event type for a webhook.
	Kind string `bson:"kind" json:"kind"`
	// Recipient is the email address or the webhook id; private.
	Recipient string `bson:"recipient" json:"-"`
	// Role says why the recipient gets it: poc, agency:<org>, asker,
	// subscriber, webhook.
	Role       string `bson:"role" json:"role"`
	Language   string `bson:"language,omitempty" json:"language,omitempty"`
	Plan       string `bson:"plan,omitempty" json:"plan,omitempty"`
	Commitment string `bson:"commitment,omitempty" json:"commitment,omitempty"`

	Subject         string `bson:"subject,omitempty" json:"subject,omitempty"`
	Text            string `bson:"text,omitempty" json:"-"`
	HTML            string `bson:"html,omitempty" json:"-"`
	ListUnsubscribe string `bson:"list_unsubscribe,omitempty" json:"-"`
	Body            []byte `bson:"body,omitempty" json:"-"`
	// The bodies above are dropped once the delivery is sent or dead.

	Status        string    `bson:"status" json:"status"`
	Attempts      int       `bson:"attempts" json:"attempts"`
	NextAttemptAt time.Time `bson:"next_attempt_at" json:"next_attempt_at"`
	LastError     string    `bson:"last_error,omitempty" json:"last_error,omitempty"`
	CreatedAt     time.Time `bson:"created_at" json:"created_at"`
	SentAt        time.Time `bson:"sent_at,omitempty" json:"sent_at,omitzero"`
	DeadAt        time.Time `bson:"dead_at,omitempty" json:"dead_at,omitzero"`
}

// ID derives a delivery's _id: the SHA-256 of the event id, the channel and
// the recipient (an address is compared trimmed and lower-cased).
func ID(eventID, channel, recipient string) string {
	h := sha256.Sum256([]byte(eventID + "\x00" + channel + "\x00" + strings.ToLower(strings.TrimSpace(recipient))))
	return hex.EncodeToString(h[:])
}

// queued is the small collection the worker scans: one entry per pending
// delivery, removed once it is sent or dead.
type queued struct {
	ID     string    `bson:"_id"`
	NextAt time.Time `bson:"next_at"`
	Since  time.Time `bson:"since"`
}

// Store holds deliveries and the queue.
type Store struct {
	deliveries *mongo.Collection
	queue      *mongo.Collection
}

// NewStore uses the collections deliveries and delivery_queue of db.
func NewStore(db *mongo.Database) *Store {
	return &Store{deliveries: db.Collection("deliveries"), queue: db.Collection("delivery_queue")}
}

// EnsureIndexes creates the indexes the log and queue reads use on MongoDB.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	if _, err := s.queue.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "next_at", Value: 1}}}); err != nil {
		return fmt.Errorf("delivery_queue index: %w", err)
	}
	if _, err := s.deliveries.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "created_at", Value: -1}}}); err != nil {
		return fmt.Errorf("deliveries index: %w", err)
	}
	return nil
}

// Enqueue inserts d as pending unless a delivery with its id exists; it
// reports whether it was new. The queue entry is written first, so a crash
// in between leaves an entry the worker resolves, never a lost delivery.
func (s *Store) Enqueue(ctx context.Context, d *Delivery) (bool, error) {
	if d.ID == "" {
		return false, errors.New("delivery without id")
	}
	if d.Status == "" {
		d.Status = Pending
	}
	if d.NextAttemptAt.IsZero() {
		d.NextAttemptAt = d.CreatedAt
	}
	q := queued{ID: d.ID, NextAt: d.NextAttemptAt, Since: d.CreatedAt}
	if _, err := s.queue.InsertOne(ctx, q); err != nil && !mongox.IsDuplicateKey(err) {
		return false, fmt.Errorf("queue delivery: %w", err)
	}
	if _, err := s.deliveries.InsertOne(ctx, d); err != nil {
		if mongox.IsDuplicateKey(err) {
			return false, nil
		}
		return false, fmt.Errorf("insert delivery: %w", err)
	}
	return true, nil
}

// Get reads one delivery.
func (s *Store) Get(ctx context.Context, id string) (*Delivery, error) {
	var d Delivery
	if err := s.deliveries.FindOne(ctx, bson.M{"_id": id}).Decode(&d); err != nil {
		if mongox.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("read delivery: %w", err)
	}
	return &d, nil
}

// save writes d back; the caller holds its lock.
func (s *Store) save(ctx context.Context, d *Delivery) error {
	if _, err := s.deliveries.ReplaceOne(ctx, bson.M{"_id": d.ID}, d); err != nil {
		return fmt.Errorf("save delivery: %w", err)
	}
	return nil
}

func (s *Store) due(ctx context.Context, now time.Time, limit int64) ([]queued, error) {
	cur, err := s.queue.Find(ctx, bson.M{"next_at": bson.M{"$lte": now}},
		options.Find().SetSort(bson.D{{Key: "next_at", Value: 1}}).SetLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("read queue: %w", err)
	}
	var out []queued
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("read queue: %w", err)
	}
	return out, nil
}

func (s *Store) requeue(ctx context.Context, id string, next time.Time) error {
	if _, err := s.queue.UpdateOne(ctx, bson.M{"_id": id}, bson.M{"$set": bson.M{"next_at": next}}); err != nil {
		return fmt.Errorf("requeue delivery: %w", err)
	}
	return nil
}

func (s *Store) dequeue(ctx context.Context, id string) error {
	if _, err := s.queue.DeleteOne(ctx, bson.M{"_id": id}); err != nil {
		return fmt.Errorf("dequeue delivery: %w", err)
	}
	return nil
}

// Pending counts queued deliveries.
func (s *Store) Pending(ctx context.Context) (int64, error) {
	n, err := s.queue.CountDocuments(ctx, bson.M{})
	if err != nil {
		return 0, fmt.Errorf("count queue: %w", err)
	}
	return n, nil
}

// Filter selects log entries.
type Filter struct {
	Status, Channel, EventID string
	Limit                    int64
}

// List returns deliveries, newest first.
func (s *Store) List(ctx context.Context, f Filter) ([]Delivery, error) {
	q := bson.M{}
	if f.Status != "" {
		q["status"] = f.Status
	}
	if f.Channel != "" {
		q["channel"] = f.Channel
	}
	if f.EventID != "" {
		q["event_id"] = f.EventID
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	cur, err := s.deliveries.Find(ctx, q, options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}, {Key: "_id", Value: 1}}).SetLimit(f.Limit))
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	var out []Delivery
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	return out, nil
}
