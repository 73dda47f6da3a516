package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/outbox"
	"github.com/kept-ogp/kept/services/kit/stream"
)

// Producer names this service on its events.
const Producer = "reporting"

// Report kinds.
const (
	KindProgress = "progress"
	KindSAR      = "sar"
)

// Version is one stored report version. Content is the report's canonical
// JSON; every format is rendered from it.
type Version struct {
	ID        string    `bson:"_id" json:"-"`
	Plan      string    `bson:"plan" json:"plan"`
	VID       string    `bson:"vid" json:"id"`
	Kind      string    `bson:"kind" json:"kind"`
	Period    string    `bson:"period,omitempty" json:"period,omitempty"`
	Lang      string    `bson:"lang" json:"language"`
	Number    int       `bson:"number" json:"version"`
	Hash      string    `bson:"hash" json:"content_sha256"`
	Content   []byte    `bson:"content" json:"-"`
	CreatedAt time.Time `bson:"created_at" json:"created_at"`
	// Set once, when published; the version never changes again.
	PublishedAt *time.Time        `bson:"published_at,omitempty" json:"published_at,omitempty"`
	PublishedBy string            `bson:"published_by,omitempty" json:"-"`
	Files       map[string]string `bson:"files,omitempty" json:"files_sha256,omitempty"`
	Final       bool              `bson:"final" json:"final"`
	Outbox      []outbox.Entry    `bson:"outbox" json:"-"`
}

type head struct {
	ID     string `bson:"_id"`
	Number int    `bson:"number"`
	Hash   string `bson:"hash"`
}

// VersionID names version n of a report within its plan: "sar-en-v3",
// "progress-2026-06-fr-v1".
func VersionID(kind, period, lang string, n int) string {
	if kind == KindSAR {
		return fmt.Sprintf("sar-%s-v%d", lang, n)
	}
	return fmt.Sprintf("progress-%s-%s-v%d", period, lang, n)
}

// Record stores content as the next version of (plan, kind, period, lang)
// unless it equals the latest one; it returns the latest version and
// whether it is new.
func (s *Store) Record(ctx context.Context, plan, kind, period, lang string, content []byte, hash string, now time.Time) (*Version, bool, error) {
	key := plan + "|" + kind + "|" + period + "|" + lang
	unlock := s.locks.Lock("head:" + key)
	defer unlock()
	var h head
	err := s.heads.FindOne(ctx, bson.M{"_id": key}).Decode(&h)
	if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
		return nil, false, fmt.Errorf("load version head %s: %w", key, err)
	}
	if h.Number > 0 && h.Hash == hash {
		v, err := s.Version(ctx, plan, VersionID(kind, period, lang, h.Number))
		return v, false, err
	}
	for n := h.Number + 1; ; n++ {
		vid := VersionID(kind, period, lang, n)
		v := &Version{ID: plan + "/" + vid, Plan: plan, VID: vid, Kind: kind, Period: period, Lang: lang, Number: n,
			Hash: hash, Content: content, CreatedAt: now.UTC().Truncate(time.Millisecond), Outbox: []outbox.Entry{}}
		_, err := s.versions.InsertOne(ctx, v)
		if mongo.IsDuplicateKeyError(err) {
			// A head write was lost (crash): skip numbers already taken,
			// unless the taken one is this very content.
			old, gerr := s.Version(ctx, plan, vid)
			if gerr != nil {
				return nil, false, gerr
			}
			if old.Hash == hash {
				return old, false, s.setHead(ctx, key, n, hash)
			}
			continue
		}
		if err != nil {
			return nil, false, fmt.Errorf("store version %s/%s: %w", plan, vid, err)
		}
		return v, true, s.setHead(ctx, key, n, hash)
	}
}

func (s *Store) setHead(ctx context.Context, key string, n int, hash string) error {
	_, err := s.heads.ReplaceOne(ctx, bson.M{"_id": key}, head{ID: key, Number: n, Hash: hash}, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("save version head %s: %w", key, err)
	}
	return nil
}

// Version reads one version by its id within the plan.
func (s *Store) Version(ctx context.Context, plan, vid string) (*Version, error) {
	var v Version
	err := s.versions.FindOne(ctx, bson.M{"_id": plan + "/" + vid}).Decode(&v)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load version %s/%s: %w", plan, vid, err)
	}
	return &v, nil
}

// Versions lists a plan's versions (without content) by kind, period,
// language and number.
func (s *Store) Versions(ctx context.Context, plan string) ([]Version, error) {
	cur, err := s.versions.Find(ctx, bson.M{"plan": plan}, options.Find().SetProjection(bson.M{"content": 0, "outbox": 0}))
	if err != nil {
		return nil, fmt.Errorf("list versions of %s: %w", plan, err)
	}
	var out []Version
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list versions of %s: %w", plan, err)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Kind+a.Period+"|"+a.Lang != b.Kind+b.Period+"|"+b.Lang {
			return a.Kind+a.Period+"|"+a.Lang < b.Kind+b.Period+"|"+b.Lang
		}
		return a.Number < b.Number
	})
	if out == nil {
		out = []Version{}
	}
	return out, nil
}

// PublishedError says when a version was published.
type PublishedError struct{ At time.Time }

func (e *PublishedError) Error() string {
	return "this version was published at " + e.At.UTC().Format(time.RFC3339) + " and can no longer change"
}

func (e *PublishedError) Unwrap() error { return ErrPublished }

// Publish makes a version public and immutable, with the hashes of its
// rendered files, and leaves a ReportPublished event in its outbox.
// Publishing twice is refused.
func (s *Store) Publish(ctx context.Context, plan, vid, by string, files map[string]string, final bool, now time.Time) (*Version, error) {
	unlock := s.lock(s.VersionLock, "version:", plan+"/"+vid)
	defer unlock()
	v, err := s.Version(ctx, plan, vid)
	if err != nil {
		return nil, err
	}
	if v.PublishedAt != nil {
		return nil, &PublishedError{At: *v.PublishedAt}
	}
	at := now.UTC().Truncate(time.Millisecond)
	v.PublishedAt, v.PublishedBy, v.Files, v.Final = &at, by, files, final
	env := stream.NewEnvelope(ctx, Producer, "reporting.report.published", plan+"/"+vid, 1)
	env.Body = &eventsv1.Envelope_ReportPublished{ReportPublished: &eventsv1.ReportPublished{PlanId: plan, Kind: v.Kind,
		Period: v.Period, Language: v.Lang, VersionId: vid, Version: int32(v.Number), ContentSha256: v.Hash,
		PublishedAt: timestamppb.New(at), PublishedBy: by}}
	e, err := outbox.NewEntry(env)
	if err != nil {
		return nil, err
	}
	res, err := s.versions.UpdateOne(ctx, bson.M{"_id": v.ID}, bson.M{
		"$set":  bson.M{"published_at": at, "published_by": by, "files": files, "final": final},
		"$push": bson.M{"outbox": e}})
	if err != nil {
		return nil, fmt.Errorf("publish %s/%s: %w", plan, vid, err)
	}
	if res.MatchedCount != 1 {
		return nil, fmt.Errorf("publish %s/%s: %w", plan, vid, ErrNotFound)
	}
	return v, nil
}

// Published lists a plan's published versions, the public repository.
func (s *Store) Published(ctx context.Context, plan string) ([]Version, error) {
	all, err := s.Versions(ctx, plan)
	if err != nil {
		return nil, err
	}
	out := []Version{}
	for _, v := range all {
		if v.PublishedAt != nil {
			out = append(out, v)
		}
	}
	return out, nil
}
