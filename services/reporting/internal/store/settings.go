// Package store keeps what the reporting service itself owns: each plan's
// period scheme and SAR sections, every generated report version, the SAR
// consultations with their comments, and the SAR's final state. Documents are
// written by _id only (FerretDB pushes nothing else down) and each
// read-modify-write runs under a per-document lock.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kept-ogp/kept/services/kit/keylock"
	"github.com/kept-ogp/kept/services/reporting/internal/periods"
	"github.com/kept-ogp/kept/services/reporting/internal/report"
)

// Errors callers map to HTTP answers.
var (
	ErrNotFound  = errors.New("not found")
	ErrPublished = errors.New("published")
	ErrConflict  = errors.New("conflict")
)

// Store is the reporting service's own data.
type Store struct {
	periods, sections, versions, heads, consultations, comments, contacts, finals *mongo.Collection
	locks                                                                         keylock.Locks
	// VersionLock and ConsultationLock are the outbox relays' locks of those
	// collections (Relay.Lock): a writer changing a document with pending
	// events must hold them. Nil means the store's own locks.
	VersionLock, ConsultationLock func(id any) func()
}

func (s *Store) lock(l func(id any) func(), prefix, id string) func() {
	if l != nil {
		return l(id)
	}
	return s.locks.Lock(prefix + id)
}

// New uses db, the reporting database.
func New(db *mongo.Database) *Store {
	return &Store{periods: db.Collection("period_configs"), sections: db.Collection("sar_sections"),
		versions: db.Collection("versions"), heads: db.Collection("version_heads"),
		consultations: db.Collection("consultations"), comments: db.Collection("comments"),
		contacts: db.Collection("comment_contacts"), finals: db.Collection("sar_final")}
}

// EnsureIndexes creates the indexes the lists use, one per call.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	for _, ix := range []struct {
		c   *mongo.Collection
		key string
	}{{s.versions, "plan"}, {s.consultations, "plan"}, {s.comments, "consultation"}} {
		if _, err := ix.c.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: ix.key, Value: 1}}}); err != nil {
			return fmt.Errorf("index %s.%s: %w", ix.c.Name(), ix.key, err)
		}
	}
	return nil
}

// OutboxCollections are the collections whose documents carry pending
// events: versions, consultations and final SARs, in that order.
func (s *Store) OutboxCollections() (versions, consultations, finals *mongo.Collection) {
	return s.versions, s.consultations, s.finals
}

type periodDoc struct {
	ID        string         `bson:"_id"`
	Config    periods.Config `bson:"config"`
	UpdatedAt time.Time      `bson:"updated_at"`
	UpdatedBy string         `bson:"updated_by"`
}

// Periods returns a plan's period scheme, the default when none was set.
func (s *Store) Periods(ctx context.Context, plan string) (periods.Config, error) {
	var d periodDoc
	err := s.periods.FindOne(ctx, bson.M{"_id": plan}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return periods.Default(), nil
	}
	if err != nil {
		return periods.Config{}, fmt.Errorf("load periods of %s: %w", plan, err)
	}
	return d.Config, nil
}

// SetPeriods replaces a plan's (already normalized) period scheme.
func (s *Store) SetPeriods(ctx context.Context, plan string, c periods.Config, by string, now time.Time) error {
	_, err := s.periods.ReplaceOne(ctx, bson.M{"_id": plan}, periodDoc{ID: plan, Config: c, UpdatedAt: now.UTC(), UpdatedBy: by},
		options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("save periods of %s: %w", plan, err)
	}
	return nil
}

// SectionsDoc is a plan's stored SAR sections.
type SectionsDoc struct {
	ID        string          `bson:"_id" json:"-"`
	Sections  report.Sections `bson:"sections" json:"sections"`
	UpdatedAt time.Time       `bson:"updated_at" json:"updated_at"`
	UpdatedBy string          `bson:"updated_by" json:"updated_by"`
}

// Sections returns a plan's SAR sections (empty when none were written).
func (s *Store) Sections(ctx context.Context, plan string) (SectionsDoc, error) {
	var d SectionsDoc
	err := s.sections.FindOne(ctx, bson.M{"_id": plan}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return SectionsDoc{ID: plan}, nil
	}
	if err != nil {
		return d, fmt.Errorf("load sections of %s: %w", plan, err)
	}
	return d, nil
}

// SetSections replaces a plan's SAR sections.
func (s *Store) SetSections(ctx context.Context, plan string, sec report.Sections, by string, now time.Time) (SectionsDoc, error) {
	d := SectionsDoc{ID: plan, Sections: sec, UpdatedAt: now.UTC(), UpdatedBy: by}
	if _, err := s.sections.ReplaceOne(ctx, bson.M{"_id": plan}, d, options.Replace().SetUpsert(true)); err != nil {
		return d, fmt.Errorf("save sections of %s: %w", plan, err)
	}
	return d, nil
}
