package progress

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/outbox"
	"github.com/kept-ogp/kept/services/kit/stream"
)

// Stream carries the updates service's events.
const (
	Stream            = "kept:updates"
	Producer          = "updates"
	TypeUpdateChanged = "updates.update.changed"
)

// ErrNotFound means no such update.
var ErrNotFound = errors.New("no such update")

// ErrConflict means the update changed between read and write.
var ErrConflict = errors.New("update changed concurrently")

// Store keeps updates in the updates service's database.
type Store struct {
	coll *mongo.Collection
	// idOnly drops the version from write filters: on FerretDB they cannot be
	// atomic and make every write read the whole collection, so writers are
	// serialised in the process instead (see kit/keylock).
	idOnly bool
}

// UseIDOnlyFilters is for FerretDB; see Store.idOnly.
func (s *Store) UseIDOnlyFilters() { s.idOnly = true }

// NewStore uses the "updates" collection of db.
func NewStore(db *mongo.Database) *Store { return &Store{coll: db.Collection("updates")} }

// Collection is what the outbox relay drains.
func (s *Store) Collection() *mongo.Collection { return s.coll }

// EnsureIndexes creates the indexes the listing queries use. One call per
// index: FerretDB 1.24 drops the connection when createIndexes names several
// indexes that already exist, which every restart does.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	for _, keys := range []bson.D{
		{{Key: "plan", Value: 1}, {Key: "commitment", Value: 1}, {Key: "posted_at", Value: -1}},
		{{Key: "plan", Value: 1}, {Key: "item", Value: 1}, {Key: "posted_at", Value: -1}},
	} {
		if _, err := s.coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: keys}); err != nil {
			return fmt.Errorf("index updates: %w", err)
		}
	}
	return nil
}

// Insert stores a new draft.
func (s *Store) Insert(ctx context.Context, u *Update) error {
	u.Version = 1
	doc := struct {
		*Update `bson:",inline"`
		Outbox  []outbox.Entry `bson:"outbox"`
	}{u, []outbox.Entry{}}
	if _, err := s.coll.InsertOne(ctx, doc); err != nil {
		return fmt.Errorf("insert update: %w", err)
	}
	return nil
}

// Get loads one update.
func (s *Store) Get(ctx context.Context, id string) (*Update, error) {
	var u Update
	err := s.coll.FindOne(ctx, bson.M{"_id": id}, options.FindOne().SetProjection(bson.M{"outbox": 0})).Decode(&u)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load update %s: %w", id, err)
	}
	return &u, nil
}

// Save writes a decision taken on u (loaded at version u.Version) and, when
// the update is public, the event that tells other services, atomically.
func (s *Store) Save(ctx context.Context, u *Update) error {
	prev := u.Version
	u.Version++
	set := bson.M{"state": u.State, "agreements": u.Agreements, "disputes": u.Disputes, "published_at": u.PublishedAt, "version": u.Version}
	upd := bson.M{"$set": set}
	if u.Public() {
		e, err := outbox.NewEntry(Event(ctx, u))
		if err != nil {
			return err
		}
		upd["$push"] = bson.M{"outbox": e}
	}
	filter := bson.M{"_id": u.ID, "version": prev}
	if s.idOnly {
		filter = bson.M{"_id": u.ID}
	}
	res, err := s.coll.UpdateOne(ctx, filter, upd)
	if err != nil {
		return fmt.Errorf("save update %s: %w", u.ID, err)
	}
	if res.MatchedCount == 0 {
		return ErrConflict
	}
	return nil
}

// Filter selects updates for listing.
type Filter struct {
	Plan, Commitment, Item, Period string
	States                         []string
	Agencies                       []string
	Limit                          int64
}

// List returns updates matching f, newest first.
func (s *Store) List(ctx context.Context, f Filter) ([]Update, error) {
	q := bson.M{}
	for k, v := range map[string]string{"plan": f.Plan, "commitment": f.Commitment, "item": f.Item, "period": f.Period} {
		if v != "" {
			q[k] = v
		}
	}
	if len(f.States) > 0 {
		q["state"] = bson.M{"$in": f.States}
	}
	if len(f.Agencies) > 0 {
		q["agency"] = bson.M{"$in": f.Agencies}
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	cur, err := s.coll.Find(ctx, q, options.Find().SetProjection(bson.M{"outbox": 0}).
		SetSort(bson.D{{Key: "posted_at", Value: -1}}).SetLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("list updates: %w", err)
	}
	out := []Update{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list updates: %w", err)
	}
	return out, nil
}

// Event is the public state of u as an UpdateChanged envelope.
func Event(ctx context.Context, u *Update) *eventsv1.Envelope {
	env := stream.NewEnvelope(ctx, Producer, TypeUpdateChanged, u.ID, u.Version)
	b := &eventsv1.UpdateChanged{
		UpdateId: u.ID, PlanId: u.Plan, CommitmentCode: u.Commitment, ItemCode: u.Item, ItemLevel: u.Level,
		Period: u.Period, Status: u.Status, Progress: lt(u.Progress), Challenges: lt(u.Challenges),
		DelayReason: lt(u.DelayReason), NextSteps: lt(u.NextSteps), State: u.State, Agency: u.Agency,
		PostedAt: timestamppb.New(u.PostedAt),
	}
	for _, e := range u.Evidence {
		b.Evidence = append(b.Evidence, &eventsv1.EvidenceLink{Url: e.URL, Title: lt(e.Title), Kind: e.Kind})
	}
	for _, a := range u.Agreements {
		b.Agreements = append(b.Agreements, &eventsv1.Agreement{Side: a.Side, Member: a.Member, At: timestamppb.New(a.At)})
	}
	for _, d := range u.Disputes {
		b.Disputes = append(b.Disputes, &eventsv1.Dispute{Side: d.Side, Member: d.Member, Reason: lt(d.Reason), At: timestamppb.New(d.At)})
	}
	env.Body = &eventsv1.Envelope_UpdateChanged{UpdateChanged: b}
	return env
}

func lt(t Text) *eventsv1.LocalizedText { return &eventsv1.LocalizedText{Values: t} }
