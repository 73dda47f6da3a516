package comments

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Store keeps comments ("comments", by id) and, per commitment, the list
// of its comments in order ("comment_threads", _id = plan/commitment). Every
// read and write is by _id: FerretDB 1.24 on SQLite answers no other filter
// from an index, so listing a commitment's comments reads its thread and
// then each comment by id, never the whole collection.
type Store struct {
	coll    *mongo.Collection
	threads *mongo.Collection
}

// NewStore uses db's collections.
func NewStore(db *mongo.Database) *Store {
	return &Store{coll: db.Collection("comments"), threads: db.Collection("comment_threads")}
}

// Collection is the comments collection.
func (s *Store) Collection() *mongo.Collection { return s.coll }

type threadEntry struct {
	ID     string `bson:"id"`
	Update string `bson:"update"`
}

type threadDoc struct {
	ID      string        `bson:"_id"`
	Entries []threadEntry `bson:"entries"`
}

func threadKey(plan, commitment string) string { return plan + "/" + commitment }

// Get loads one comment.
func (s *Store) Get(ctx context.Context, id string) (*Comment, error) {
	var c Comment
	err := s.coll.FindOne(ctx, bson.M{"_id": id}).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load comment %s: %w", id, err)
	}
	return &c, nil
}

// thread returns a commitment's comment ids (with their update), oldest
// first.
func (s *Store) thread(ctx context.Context, plan, commitment string) ([]threadEntry, error) {
	var t threadDoc
	err := s.threads.FindOne(ctx, bson.M{"_id": threadKey(plan, commitment)}).Decode(&t)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load comments of %s/%s: %w", plan, commitment, err)
	}
	return t.Entries, nil
}

// appendToThread adds c to its commitment's list. The caller holds the
// thread's lock: on FerretDB a $push is a read then a write.
func (s *Store) appendToThread(ctx context.Context, c *Comment) error {
	_, err := s.threads.UpdateOne(ctx, bson.M{"_id": threadKey(c.Plan, c.Commitment)},
		bson.M{"$push": bson.M{"entries": threadEntry{ID: c.ID, Update: c.Update}}}, options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("list comment %s on %s/%s: %w", c.ID, c.Plan, c.Commitment, err)
	}
	return nil
}

func (s *Store) insert(ctx context.Context, c *Comment) error {
	c.Version = 1
	if _, err := s.coll.InsertOne(ctx, c); err != nil {
		return fmt.Errorf("insert comment: %w", err)
	}
	return nil
}

// save writes c's moderation (the caller holds the comment's lock, so the
// filter is _id alone).
func (s *Store) save(ctx context.Context, c *Comment) error {
	c.Version++
	set := bson.M{"text": c.Text, "redactions": c.Redactions, "version": c.Version}
	upd := bson.M{"$set": set}
	if c.Hidden != nil {
		set["hidden"] = c.Hidden
	}
	res, err := s.coll.UpdateOne(ctx, bson.M{"_id": c.ID}, upd)
	if err != nil {
		return fmt.Errorf("save comment %s: %w", c.ID, err)
	}
	if res.MatchedCount == 0 {
		return ErrNotFound
	}
	return nil
}
