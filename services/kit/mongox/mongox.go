// Package mongox connects to MongoDB and holds small helpers the services share.
package mongox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
)

// Connect opens a client and waits until the server answers a ping.
func Connect(ctx context.Context, uri string) (*mongo.Client, error) {
	c, err := mongo.Connect(options.Client().ApplyURI(uri).SetAppName("kept").
		SetServerSelectionTimeout(10 * time.Second))
	if err != nil {
		return nil, fmt.Errorf("mongodb connect: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := c.Ping(pctx, readpref.Primary()); err != nil {
		_ = c.Disconnect(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("mongodb ping: %w", err)
	}
	return c, nil
}

// Ping is a readiness check.
func Ping(c *mongo.Client) func(context.Context) error {
	return func(ctx context.Context) error { return c.Ping(ctx, readpref.Primary()) }
}

// IsDuplicateKey reports a unique-index violation.
func IsDuplicateKey(err error) bool { return mongo.IsDuplicateKeyError(err) }

// IsNotFound reports that a single-document query matched nothing.
func IsNotFound(err error) bool { return errors.Is(err, mongo.ErrNoDocuments) }

// IsFerretDB reports whether the server is FerretDB, whose updates are a read
// followed by a write and whose filters other than {_id} read the whole
// collection. Callers then rely on in-process locking (kit/keylock) instead of
// version filters, which FerretDB cannot make atomic anyway.
func IsFerretDB(ctx context.Context, c *mongo.Client) (bool, error) {
	var info bson.M
	if err := c.Database("admin").RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&info); err != nil {
		return false, fmt.Errorf("mongodb buildInfo: %w", err)
	}
	_, ok := info["ferretdbVersion"]
	return ok, nil
}

// IsBusy reports a store too loaded to take the write now: a timeout, or
// FerretDB's SQLite lock wait running out. Callers answer 503 with
// Retry-After instead of a server error, since trying again later works.
func IsBusy(err error) bool {
	if err == nil {
		return false
	}
	if mongo.IsTimeout(err) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked")
}

// ReplaceIfNewer stores doc under id unless the stored document already has
// this version or a newer one, which is how event consumers stay idempotent:
// a redelivered or older event changes nothing. orWhen lists further states
// in which the stored document may be replaced anyway. With upsert, a filter
// that misses an existing _id tries an insert and fails on the duplicate key:
// that means "already newer", not an error.
func ReplaceIfNewer(ctx context.Context, coll *mongo.Collection, id string, version int64, doc any, orWhen ...bson.M) error {
	conds := bson.A{bson.M{"version": bson.M{"$lt": version}}}
	for _, c := range orWhen {
		conds = append(conds, c)
	}
	filter := bson.M{"_id": id, "version": bson.M{"$lt": version}}
	if len(conds) > 1 {
		filter = bson.M{"_id": id, "$or": conds}
	}
	_, err := coll.ReplaceOne(ctx, filter, doc, options.Replace().SetUpsert(true))
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("store %s/%s: %w", coll.Name(), id, err)
	}
	return nil
}
