// Package store keeps plans in the commitments service's own MongoDB database.
//
// A plan is one document (the aggregate): an import or a PoC edit replaces it
// in a single atomic update guarded by its version, together with the events
// that describe the change (the outbox). So an import is all or nothing even
// without multi-document transactions. Every import is also kept as a revision.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/commitments/internal/catalog"
	"github.com/kept-ogp/kept/services/kit/outbox"
)

// ErrConflict means the plan changed between read and write; retry.
var ErrConflict = errors.New("plan changed concurrently; retry")

// ErrNotFound means no such plan.
var ErrNotFound = errors.New("plan not found")

// PlanDoc is the stored plan aggregate.
type PlanDoc struct {
	ID       string       `bson:"_id"`
	Version  int64        `bson:"version"`
	Revision int64        `bson:"revision"`
	Plan     catalog.Plan `bson:"plan"`
	// Counts is kept beside the tree so listing plans need not read trees.
	Counts    catalog.Counts `bson:"counts"`
	UpdatedAt time.Time      `bson:"updated_at"`
	Outbox    []outbox.Entry `bson:"outbox"`
}

// Revision records one import: who, when, from which file, and what changed.
type Revision struct {
	ID         string         `bson:"_id" json:"-"`
	PlanID     string         `bson:"plan_id" json:"plan_id"`
	Revision   int64          `bson:"revision" json:"revision"`
	ImportedAt time.Time      `bson:"imported_at" json:"imported_at"`
	ImportedBy string         `bson:"imported_by" json:"imported_by"`
	Filename   string         `bson:"filename" json:"filename"`
	SHA256     string         `bson:"sha256" json:"sha256"`
	Counts     catalog.Counts `bson:"counts" json:"counts"`
	Changes    Changes        `bson:"changes" json:"changes"`
	Snapshot   catalog.Plan   `bson:"snapshot" json:"-"`
}

// Changes lists codes added, removed and changed by an import.
type Changes struct {
	Added   []string `bson:"added" json:"added"`
	Removed []string `bson:"removed" json:"removed"`
	Changed []string `bson:"changed" json:"changed"`
}

// Store is the commitments database.
type Store struct {
	plans     *mongo.Collection
	revisions *mongo.Collection
	now       func() time.Time
}

// New uses db, which the commitments service owns.
func New(db *mongo.Database) *Store {
	return &Store{plans: db.Collection("plans"), revisions: db.Collection("plan_revisions"), now: time.Now}
}

// Plans is the collection the outbox relay drains.
func (s *Store) Plans() *mongo.Collection { return s.plans }

// EnsureIndexes creates the indexes reads rely on.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	_, err := s.revisions.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys: bson.D{{Key: "plan_id", Value: 1}, {Key: "revision", Value: 1}}, Options: options.Index().SetUnique(true)})
	if err != nil {
		return fmt.Errorf("index plan_revisions: %w", err)
	}
	return nil
}

// Get returns the current plan document.
func (s *Store) Get(ctx context.Context, id string) (*PlanDoc, error) {
	var d PlanDoc
	err := s.plans.FindOne(ctx, bson.M{"_id": id}, options.FindOne().SetProjection(bson.M{"outbox": 0})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load plan %s: %w", id, err)
	}
	return &d, nil
}

// List returns every plan, sorted by id, without its commitments.
func (s *Store) List(ctx context.Context) ([]PlanDoc, error) {
	cur, err := s.plans.Find(ctx, bson.M{}, options.Find().SetProjection(bson.M{"outbox": 0, "plan.commitments": 0}).SetSort(bson.M{"_id": 1}))
	if err != nil {
		return nil, fmt.Errorf("list plans: %w", err)
	}
	var out []PlanDoc
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list plans: %w", err)
	}
	return out, nil
}

// Revisions lists a plan's imports, newest first.
func (s *Store) Revisions(ctx context.Context, planID string) ([]Revision, error) {
	cur, err := s.revisions.Find(ctx, bson.M{"plan_id": planID},
		options.Find().SetProjection(bson.M{"snapshot": 0}).SetSort(bson.M{"revision": -1}))
	if err != nil {
		return nil, fmt.Errorf("list revisions of %s: %w", planID, err)
	}
	out := []Revision{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list revisions of %s: %w", planID, err)
	}
	return out, nil
}

// LatestRevision returns the revision the plan currently stands at, or nil
// if the plan is unknown. A revision record whose plan write then failed (a
// conflict) is never returned: the plan document's own counter decides.
func (s *Store) LatestRevision(ctx context.Context, planID string) (*Revision, error) {
	doc, err := s.Get(ctx, planID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r Revision
	id := fmt.Sprintf("%s#%d", planID, doc.Revision)
	err = s.revisions.FindOne(ctx, bson.M{"_id": id}).Decode(&r)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("revision %s: %w", id, err)
	}
	return &r, nil
}

// EventsFunc builds the events of a change at the given revision and version.
type EventsFunc func(p catalog.Plan, revision, version int64) []*eventsv1.Envelope

// Import stores p as a new revision of its plan. The revision record is written
// first (harmless if the plan write then fails); the plan and its events are
// then swapped in by one atomic, version-checked update.
func (s *Store) Import(ctx context.Context, p catalog.Plan, meta Revision, events EventsFunc) (*Revision, error) {
	old, err := s.Get(ctx, p.ID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	var prev catalog.Plan
	var version, revision int64
	if old != nil {
		prev, version, revision = old.Plan, old.Version, old.Revision
		keepManualDeadlines(&p, old.Plan)
	}
	now := s.now().UTC()
	rev := meta
	rev.PlanID, rev.Revision, rev.ImportedAt = p.ID, revision+1, now
	rev.ID = fmt.Sprintf("%s#%d", p.ID, rev.Revision)
	rev.Counts, rev.Changes, rev.Snapshot = p.Count(), diff(prev, p), p
	if _, err := s.revisions.ReplaceOne(ctx, bson.M{"_id": rev.ID}, rev, options.Replace().SetUpsert(true)); err != nil {
		return nil, fmt.Errorf("record revision %s: %w", rev.ID, err)
	}
	if err := s.write(ctx, p, old, revision+1, version+1, now, events); err != nil {
		return nil, err
	}
	return &rev, nil
}

// SetDeadline records a date the PoC set by hand for an item.
func (s *Store) SetDeadline(ctx context.Context, planID, code string, d catalog.Deadline, events EventsFunc) (*PlanDoc, error) {
	old, err := s.Get(ctx, planID)
	if err != nil {
		return nil, err
	}
	p := old.Plan
	if !p.SetDeadline(code, d) {
		return nil, fmt.Errorf("%w: no milestone or indicator %q in plan %s", ErrNotFound, code, planID)
	}
	if err := s.write(ctx, p, old, old.Revision, old.Version+1, s.now().UTC(), events); err != nil {
		return nil, err
	}
	return s.Get(ctx, planID)
}

func (s *Store) write(ctx context.Context, p catalog.Plan, old *PlanDoc, revision, version int64, now time.Time, events EventsFunc) error {
	var entries []outbox.Entry
	for _, env := range events(p, revision, version) {
		e, err := outbox.NewEntry(env)
		if err != nil {
			return err
		}
		entries = append(entries, e)
	}
	if old == nil {
		doc := PlanDoc{ID: p.ID, Version: version, Revision: revision, Plan: p, Counts: p.Count(), UpdatedAt: now, Outbox: entries}
		if _, err := s.plans.InsertOne(ctx, doc); err != nil {
			if mongo.IsDuplicateKeyError(err) {
				return ErrConflict
			}
			return fmt.Errorf("insert plan %s: %w", p.ID, err)
		}
		return nil
	}
	res, err := s.plans.UpdateOne(ctx, bson.M{"_id": p.ID, "version": old.Version}, bson.M{
		"$set":  bson.M{"plan": p, "counts": p.Count(), "version": version, "revision": revision, "updated_at": now},
		"$push": bson.M{"outbox": bson.M{"$each": entries}},
	})
	if err != nil {
		return fmt.Errorf("update plan %s: %w", p.ID, err)
	}
	if res.MatchedCount == 0 {
		return ErrConflict
	}
	return nil
}

// keepManualDeadlines carries over dates the PoC set by hand while the file
// still has the same words for that item; new words replace them.
func keepManualDeadlines(p *catalog.Plan, old catalog.Plan) {
	for _, c := range old.Commitments {
		for _, m := range c.Milestones {
			carry(p, m.Code, m.Deadline)
			for _, i := range m.Indicators {
				carry(p, i.Code, i.Deadline)
			}
		}
	}
}

func carry(p *catalog.Plan, code string, old catalog.Deadline) {
	if old.Source != "manual" {
		return
	}
	it, ok := p.Find(code)
	if !ok || !sameText(it.Deadline.Original, old.Original) {
		return
	}
	p.SetDeadline(code, old)
}

func sameText(a, b catalog.Text) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
