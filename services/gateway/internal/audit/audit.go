// Package audit records every staff action of the console: who, what, on
// which object, when, and whether the service accepted it.
package audit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Entry is one staff action.
type Entry struct {
	ID      string            `bson:"_id"`
	At      time.Time         `bson:"at"`
	Actor   string            `bson:"actor"`      // account email (staff; the log is never public)
	Name    string            `bson:"actor_name"` // display name
	Action  string            `bson:"action"`     // e.g. "update.post", "question.answer", "login"
	Object  string            `bson:"object"`     // e.g. "ca-nap6/C01/<question id>"
	Outcome string            `bson:"outcome"`    // "ok" or the error code
	Details map[string]string `bson:"details,omitempty"`
}

// Log writes entries to the "audit" collection.
type Log struct {
	coll *mongo.Collection
	Now  func() time.Time
}

// New uses db's "audit" collection.
func New(db *mongo.Database) *Log { return &Log{coll: db.Collection("audit"), Now: time.Now} }

// Record stores an entry; the id and time are filled in.
func (l *Log) Record(ctx context.Context, e Entry) error {
	e.ID = strings.ToLower(ulid.Make().String())
	e.At = l.Now().UTC()
	if _, err := l.coll.InsertOne(context.WithoutCancel(ctx), e); err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// Recent returns up to n entries, newest first.
func (l *Log) Recent(ctx context.Context, n int64) ([]Entry, error) {
	cur, err := l.coll.Find(ctx, bson.M{}, options.Find().SetSort(bson.D{{Key: "_id", Value: -1}}).SetLimit(n))
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	var out []Entry
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	return out, nil
}
