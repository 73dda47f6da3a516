package questions

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// DueIndex keeps every pending alert time in a Redis sorted set (question id
// scored by next_alert_at in Unix milliseconds), so that a checker run reads
// only the questions whose alert is due, however many are open: FerretDB
// answers a range query on next_alert_at by reading the whole collection.
// The stored question stays the truth: the checker re-reads each question it
// is given, and re-indexes it from what it finds, so a stale score costs one
// read, and Rebuild restores entries a crash between the two writes lost.
type DueIndex struct {
	Redis  redis.UniversalClient
	Key    string // e.g. "kept:qa:next-alert"
	Logger *slog.Logger
}

// Set records q's next alert time, or removes q when it has none. A failure
// is logged, not returned: the question is saved already, and Rebuild (run at
// start and periodically) repairs the index.
func (d *DueIndex) Set(ctx context.Context, id string, at *time.Time) {
	if d == nil {
		return
	}
	var err error
	if at == nil {
		err = d.Redis.ZRem(ctx, d.Key, id).Err()
	} else {
		err = d.Redis.ZAdd(ctx, d.Key, redis.Z{Score: float64(at.UnixMilli()), Member: id}).Err()
	}
	if err != nil {
		d.Logger.WarnContext(ctx, "alert index update failed; the next rebuild repairs it", "question", id, "error", err)
	}
}

// Due returns up to limit question ids whose alert time is at or before now.
func (d *DueIndex) Due(ctx context.Context, now time.Time, limit int64) ([]string, error) {
	ids, err := d.Redis.ZRangeByScore(ctx, d.Key, &redis.ZRangeBy{Min: "-inf",
		Max: strconv.FormatInt(now.UnixMilli(), 10), Count: limit}).Result()
	if err != nil {
		return nil, fmt.Errorf("read the alert index: %w", err)
	}
	return ids, nil
}

// Rebuild adds every stored pending alert. It uses ZADD LT so that it never
// moves an entry later than a concurrent save put it (an earlier stale time
// only makes the checker look once more), and it removes nothing: an entry
// for a question with no alert left is dropped when the checker reads it.
func (d *DueIndex) Rebuild(ctx context.Context, s *Store) (int, error) {
	cur, err := s.coll.Find(ctx, bson.M{"next_alert_at": bson.M{"$exists": true}},
		options.Find().SetProjection(bson.M{"_id": 1, "next_alert_at": 1}))
	if err != nil {
		return 0, fmt.Errorf("rebuild the alert index: %w", err)
	}
	defer cur.Close(ctx)
	n := 0
	pipe := d.Redis.Pipeline()
	for cur.Next(ctx) {
		var doc struct {
			ID          string    `bson:"_id"`
			NextAlertAt time.Time `bson:"next_alert_at"`
		}
		if err := cur.Decode(&doc); err != nil {
			return n, fmt.Errorf("rebuild the alert index: %w", err)
		}
		pipe.ZAddLT(ctx, d.Key, redis.Z{Score: float64(doc.NextAlertAt.UnixMilli()), Member: doc.ID})
		if n++; n%1000 == 0 {
			if _, err := pipe.Exec(ctx); err != nil {
				return n, fmt.Errorf("rebuild the alert index: %w", err)
			}
		}
	}
	if err := cur.Err(); err != nil {
		return n, fmt.Errorf("rebuild the alert index: %w", err)
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return n, fmt.Errorf("rebuild the alert index: %w", err)
	}
	return n, nil
}
