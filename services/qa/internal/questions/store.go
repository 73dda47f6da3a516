package questions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/outbox"
	"github.com/kept-ogp/kept/services/kit/stream"
	"github.com/kept-ogp/kept/services/qa/internal/search"
)

// The qa service's stream and event types.
const (
	Stream   = "kept:qa"
	Producer = "qa"

	TypeAsked                = "qa.question.asked"
	TypeAssigned             = "qa.question.assigned"
	TypePaused               = "qa.question.paused"
	TypeResumed              = "qa.question.resumed"
	TypeAnswered             = "qa.question.answered"
	TypeFollowedUp           = "qa.question.followed_up"
	TypeExtended             = "qa.question.extended"
	TypeHidden               = "qa.question.hidden"
	TypeRedacted             = "qa.question.redacted"
	TypeRecomputed           = "qa.question.recomputed"
	TypeWarning              = "qa.question.sla_warning"
	TypeBreached             = "qa.question.sla_breached"
	TypeCalendarChanged      = "qa.calendar.changed"
	TypeConfirmationRequest  = "qa.email.confirmation_requested"
	confirmationTokenTTLDays = 7
)

// ErrNotFound means no such question.
var ErrNotFound = errors.New("no such question")

// Store keeps questions ("questions"), askers' emails ("asker_emails", never
// published) and sent alerts ("alerts") in the qa database.
type Store struct {
	coll   *mongo.Collection
	emails *mongo.Collection
	alerts *mongo.Collection
	// Due, when set, indexes pending alert times in Redis; every write of a
	// question updates it.
	Due *DueIndex
}

// NewStore uses db's collections.
func NewStore(db *mongo.Database) *Store {
	return &Store{coll: db.Collection("questions"), emails: db.Collection("asker_emails"), alerts: db.Collection("alerts")}
}

// Collection is the questions collection, whose outbox a relay drains.
func (s *Store) Collection() *mongo.Collection { return s.coll }

// Alerts is the alerts collection; each alert carries its event in its own
// outbox, so an inserted alert is always published.
func (s *Store) Alerts() *mongo.Collection { return s.alerts }

// EnsureIndexes creates indexes one call each (FerretDB 1.24 fails on
// createIndexes naming several existing ones). On FerretDB they are not used
// for filtering: every non-_id query reads the whole collection.
func (s *Store) EnsureIndexes(ctx context.Context) error {
	for _, keys := range []bson.D{
		{{Key: "plan", Value: 1}, {Key: "commitment", Value: 1}, {Key: "asked_at", Value: -1}},
		{{Key: "next_alert_at", Value: 1}},
		{{Key: "status", Value: 1}},
		{{Key: "search_terms", Value: 1}},
	} {
		if _, err := s.coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: keys}); err != nil {
			return fmt.Errorf("index questions: %w", err)
		}
	}
	if _, err := s.emails.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "token_hash", Value: 1}},
		Options: options.Index().SetUnique(true)}); err != nil {
		return fmt.Errorf("index asker emails: %w", err)
	}
	return nil
}

// EmailHash is the key used for per-email rate limits: SHA-256 of the
// trimmed, lower-cased address.
func EmailHash(email string) string {
	h := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(h[:])
}

// TokenHash is how confirmation tokens are stored.
func TokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

type emailDoc struct {
	ID          string     `bson:"_id"` // question id
	Email       string     `bson:"email"`
	EmailHash   string     `bson:"email_hash"`
	TokenHash   string     `bson:"token_hash"`
	ExpiresAt   time.Time  `bson:"expires_at"`
	CreatedAt   time.Time  `bson:"created_at"`
	ConfirmedAt *time.Time `bson:"confirmed_at,omitempty"`
}

type questionDoc struct {
	*Question `bson:",inline"`
	Outbox    []outbox.Entry `bson:"outbox"`
}

// Insert stores a new question with its "asked" event and, when the asker
// gave an email, stores it apart with a confirmation token (hashed) and adds
// the confirmation request event, which does not carry the address. The email
// document is written first so that no confirmation event names a question
// whose address is missing.
func (s *Store) Insert(ctx context.Context, q *Question, email, token string, now time.Time) error {
	q.Version = 1
	q.SearchTerms = search.Terms(q.SearchTexts()...)
	entries := []outbox.Entry{}
	e, err := outbox.NewEntry(Event(ctx, q, TypeAsked, "", "routing"))
	if err != nil {
		return err
	}
	entries = append(entries, e)
	if email != "" {
		exp := now.Add(confirmationTokenTTLDays * 24 * time.Hour)
		if _, err := s.emails.InsertOne(ctx, emailDoc{ID: q.ID, Email: strings.TrimSpace(email), EmailHash: EmailHash(email),
			TokenHash: TokenHash(token), ExpiresAt: exp, CreatedAt: now}); err != nil {
			return fmt.Errorf("store asker email of %s: %w", q.ID, err)
		}
		env := stream.NewEnvelope(ctx, Producer, TypeConfirmationRequest, q.ID, q.Version)
		env.Body = &eventsv1.Envelope_EmailConfirmationRequested{EmailConfirmationRequested: &eventsv1.EmailConfirmationRequested{
			QuestionId: q.ID, PlanId: q.Plan, CommitmentCode: q.Commitment, Language: q.Language, Token: token,
			ExpiresAt: timestamppb.New(exp)}}
		ce, err := outbox.NewEntry(env)
		if err != nil {
			return err
		}
		entries = append(entries, ce)
	}
	if _, err := s.coll.InsertOne(ctx, questionDoc{q, entries}); err != nil {
		if email != "" {
			_, _ = s.emails.DeleteOne(ctx, bson.M{"_id": q.ID})
		}
		return fmt.Errorf("insert question: %w", err)
	}
	s.Due.Set(ctx, q.ID, q.NextAlertAt)
	return nil
}

// Get loads one question.
func (s *Store) Get(ctx context.Context, id string) (*Question, error) {
	var q Question
	err := s.coll.FindOne(ctx, bson.M{"_id": id}, options.FindOne().SetProjection(bson.M{"outbox": 0})).Decode(&q)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load question %s: %w", id, err)
	}
	return &q, nil
}

// Save replaces the stored question with q (the caller holds the relay's
// lock for q.ID, so nothing else writes it meanwhile) and appends env, if
// any, to its outbox in the same update.
func (s *Store) Save(ctx context.Context, q *Question, envs ...*eventsv1.Envelope) error {
	q.Version++
	q.SearchTerms = search.Terms(q.SearchTexts()...)
	raw, err := bson.Marshal(q)
	if err != nil {
		return fmt.Errorf("encode question %s: %w", q.ID, err)
	}
	var set bson.M
	if err := bson.Unmarshal(raw, &set); err != nil {
		return fmt.Errorf("encode question %s: %w", q.ID, err)
	}
	delete(set, "_id")
	unset := bson.M{}
	for _, f := range []string{"due_at", "breach_at", "due_day", "next_alert_at", "hidden", "answered_at"} {
		if _, ok := set[f]; !ok {
			unset[f] = ""
		}
	}
	upd := bson.M{"$set": set}
	if len(unset) > 0 {
		upd["$unset"] = unset
	}
	if len(envs) > 0 {
		entries := bson.A{}
		for _, env := range envs {
			e, err := outbox.NewEntry(env)
			if err != nil {
				return err
			}
			entries = append(entries, e)
		}
		upd["$push"] = bson.M{"outbox": bson.M{"$each": entries}}
	}
	res, err := s.coll.UpdateOne(ctx, bson.M{"_id": q.ID}, upd)
	if err != nil {
		return fmt.Errorf("save question %s: %w", q.ID, err)
	}
	if res.MatchedCount == 0 {
		return ErrNotFound
	}
	s.Due.Set(ctx, q.ID, q.NextAlertAt)
	return nil
}

// List returns a commitment's questions, newest first.
func (s *Store) List(ctx context.Context, plan, commitment string) ([]Question, error) {
	return s.find(ctx, bson.M{"plan": plan, "commitment": commitment},
		options.Find().SetSort(bson.D{{Key: "asked_at", Value: -1}}).SetLimit(500))
}

// OpenIDs returns the ids of every question not yet answered.
func (s *Store) OpenIDs(ctx context.Context) ([]string, error) {
	qs, err := s.find(ctx, bson.M{"status": bson.M{"$ne": StatusAnswered}}, options.Find().SetProjection(bson.M{"_id": 1}))
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(qs))
	for _, q := range qs {
		ids = append(ids, q.ID)
	}
	return ids, nil
}

// AlertsDue returns the ids of questions whose next alert is due at now.
// On MongoDB the next_alert_at index makes this grow with the questions due;
// on FerretDB 1.24 it reads the whole collection.
func (s *Store) AlertsDue(ctx context.Context, now time.Time, limit int64) ([]string, error) {
	qs, err := s.find(ctx, bson.M{"next_alert_at": bson.M{"$lte": now}},
		options.Find().SetProjection(bson.M{"_id": 1}).SetLimit(limit))
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(qs))
	for _, q := range qs {
		ids = append(ids, q.ID)
	}
	return ids, nil
}

// OpenSummary is what the gauges need of an open question.
type OpenSummary struct {
	Agency   string      `bson:"agency"`
	BreachAt *time.Time  `bson:"breach_at"`
	Hidden   bool        `bson:"-"`
	HiddenAt *Moderation `bson:"hidden"`
}

// Open lists the agency and breach time of every open question.
func (s *Store) Open(ctx context.Context) ([]OpenSummary, error) {
	cur, err := s.coll.Find(ctx, bson.M{"status": bson.M{"$ne": StatusAnswered}},
		options.Find().SetProjection(bson.M{"agency": 1, "breach_at": 1, "hidden.at": 1}))
	if err != nil {
		return nil, fmt.Errorf("list open questions: %w", err)
	}
	out := []OpenSummary{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list open questions: %w", err)
	}
	for i := range out {
		out[i].Hidden = out[i].HiddenAt != nil
	}
	return out, nil
}

func (s *Store) find(ctx context.Context, q bson.M, opt *options.FindOptionsBuilder) ([]Question, error) {
	opt.SetProjection(bson.M{"outbox": 0})
	cur, err := s.coll.Find(ctx, q, opt)
	if err != nil {
		return nil, fmt.Errorf("find questions: %w", err)
	}
	out := []Question{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("find questions: %w", err)
	}
	return out, nil
}

// alertDoc is one sent alert. Its _id is question/due-version/threshold, so a
// second insert of the same alert (another replica) fails with a duplicate
// key; its event is in its own outbox, published by the alerts relay.
type alertDoc struct {
	ID         string         `bson:"_id"`
	Question   string         `bson:"question"`
	Kind       string         `bson:"kind"`
	Threshold  int            `bson:"threshold"`
	DueVersion int64          `bson:"due_version"`
	At         time.Time      `bson:"at"`
	Outbox     []outbox.Entry `bson:"outbox"`
}

// AlertID is the deterministic id of one alert.
func AlertID(question string, dueVersion int64, threshold int) string {
	t := fmt.Sprint(threshold)
	if threshold == Breach {
		t = "breach"
	}
	return fmt.Sprintf("%s/%d/%s", question, dueVersion, t)
}

// InsertAlert records and queues the alert at q's next alert; false means
// it was already sent (by this or another replica).
func (s *Store) InsertAlert(ctx context.Context, q *Question, now time.Time) (bool, error) {
	id := AlertID(q.ID, q.DueVersion, q.NextAlertThreshold)
	kind, typ := "warning", TypeWarning
	if q.NextAlertThreshold == Breach {
		kind, typ = "breach", TypeBreached
	}
	env := stream.NewEnvelope(ctx, Producer, typ, id, 1)
	a := &eventsv1.QuestionSLAAlert{QuestionId: q.ID, PlanId: q.Plan, CommitmentCode: q.Commitment,
		AssignedAgency: q.Agency, Kind: kind, DueVersion: q.DueVersion, DueDay: q.DueDay}
	if q.DueAt != nil {
		a.DueAt = timestamppb.New(*q.DueAt)
	}
	if q.NextAlertThreshold != Breach {
		a.Threshold = int32(q.NextAlertThreshold)
	}
	env.Body = &eventsv1.Envelope_QuestionSlaAlert{QuestionSlaAlert: a}
	e, err := outbox.NewEntry(env)
	if err != nil {
		return false, err
	}
	_, err = s.alerts.InsertOne(ctx, alertDoc{ID: id, Question: q.ID, Kind: kind, Threshold: q.NextAlertThreshold,
		DueVersion: q.DueVersion, At: now, Outbox: []outbox.Entry{e}})
	if mongo.IsDuplicateKeyError(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("insert alert %s: %w", id, err)
	}
	return true, nil
}

// Event is q's public state as a QuestionChanged envelope of type typ.
func Event(ctx context.Context, q *Question, typ, reason, by string) *eventsv1.Envelope {
	env := stream.NewEnvelope(ctx, Producer, typ, q.ID, q.Version)
	b := &eventsv1.QuestionChanged{QuestionId: q.ID, PlanId: q.Plan, CommitmentCode: q.Commitment, Status: q.Status,
		AssignedAgency: q.Agency, Language: q.Language, DisplayName: q.DisplayName, Text: q.Text,
		Redacted: len(q.Redactions) > 0, AskedAt: timestamppb.New(q.AskedAt), DueDay: q.DueDay,
		Extensions: int32(len(q.Extensions)), Change: typ[strings.LastIndex(typ, ".")+1:], ChangeReason: reason,
		ChangeBy: by, DueVersion: q.DueVersion, OnTime: q.OnTime, DaysTaken: int32(q.DaysTaken)}
	if q.Hidden != nil {
		b.Hidden, b.HiddenReason, b.Text = true, q.Hidden.Reason, ""
	}
	if q.DueAt != nil {
		b.DueAt = timestamppb.New(*q.DueAt)
	}
	if q.AnsweredAt != nil {
		b.AnsweredAt = timestamppb.New(*q.AnsweredAt)
	}
	if n := len(q.Answers); n > 0 {
		b.Answer = &eventsv1.LocalizedText{Values: q.Answers[n-1].Text}
		b.AnsweredByAgency = q.Answers[n-1].Agency
	}
	env.Body = &eventsv1.Envelope_QuestionChanged{QuestionChanged: b}
	return env
}

// Errors of email confirmation.
var (
	ErrTokenUnknown = errors.New("this confirmation link is not known; it may have been used already")
	ErrTokenExpired = errors.New("this confirmation link has expired; ask again with your email to get a new one")
)

// ConfirmEmail marks the address whose confirmation token is token as
// confirmed and returns the question it belongs to. Confirming twice is
// fine: the link stays valid until it expires.
func (s *Store) ConfirmEmail(ctx context.Context, token string, now time.Time) (string, error) {
	var d emailDoc
	err := s.emails.FindOne(ctx, bson.M{"token_hash": TokenHash(token)}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", ErrTokenUnknown
	}
	if err != nil {
		return "", fmt.Errorf("find confirmation token: %w", err)
	}
	if d.ConfirmedAt != nil {
		return d.ID, nil
	}
	if !now.Before(d.ExpiresAt) {
		return "", ErrTokenExpired
	}
	if _, err := s.emails.UpdateOne(ctx, bson.M{"_id": d.ID}, bson.M{"$set": bson.M{"confirmed_at": now}}); err != nil {
		return "", fmt.Errorf("confirm the email of %s: %w", d.ID, err)
	}
	return d.ID, nil
}

// Asker is what the notifications service may know of a question's asker.
type Asker struct {
	Email     string `json:"email"`
	Confirmed bool   `json:"confirmed"`
	Language  string `json:"language"`
}

// AskerOf returns the asker's address of question id, or ErrNotFound when
// the asker gave none. Only the notifier role reaches this.
func (s *Store) AskerOf(ctx context.Context, id string) (Asker, error) {
	var d emailDoc
	err := s.emails.FindOne(ctx, bson.M{"_id": id}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Asker{}, ErrNotFound
	}
	if err != nil {
		return Asker{}, fmt.Errorf("load asker of %s: %w", id, err)
	}
	q, err := s.Get(ctx, id)
	if err != nil {
		return Asker{}, err
	}
	return Asker{Email: d.Email, Confirmed: d.ConfirmedAt != nil, Language: q.Language}, nil
}

// MaxSearchResults bounds one search's answer.
const MaxSearchResults = 100

// Search returns the questions, newest first, whose public text holds the
// whole query, optionally within one plan or commitment.
func (s *Store) Search(ctx context.Context, q search.Query, plan, commitment string) ([]Question, error) {
	filter := bson.M{"search_terms": bson.M{"$all": q.Terms}}
	if plan != "" {
		filter["plan"] = plan
	}
	if commitment != "" {
		filter["commitment"] = commitment
	}
	// Candidates share every term; the phrase check drops those whose
	// characters are all there but not together.
	cands, err := s.find(ctx, filter, options.Find().SetSort(bson.D{{Key: "asked_at", Value: -1}}).SetLimit(10*MaxSearchResults))
	if err != nil {
		return nil, fmt.Errorf("search questions: %w", err)
	}
	out := []Question{}
	for _, c := range cands {
		if q.Matches(c.SearchTexts()...) {
			out = append(out, c)
			if len(out) == MaxSearchResults {
				break
			}
		}
	}
	return out, nil
}

// IndexUnsearched gives questions stored before search existed their terms.
func (s *Store) IndexUnsearched(ctx context.Context) (int, error) {
	qs, err := s.find(ctx, bson.M{"search_terms": bson.M{"$exists": false}}, options.Find())
	if err != nil {
		return 0, err
	}
	for _, q := range qs {
		if _, err := s.coll.UpdateOne(ctx, bson.M{"_id": q.ID},
			bson.M{"$set": bson.M{"search_terms": search.Terms(q.SearchTexts()...)}}); err != nil {
			return 0, fmt.Errorf("index question %s for search: %w", q.ID, err)
		}
	}
	return len(qs), nil
}

// All returns every question, of one plan when plan is set, oldest first.
func (s *Store) All(ctx context.Context, plan string) ([]Question, error) {
	filter := bson.M{}
	if plan != "" {
		filter["plan"] = plan
	}
	return s.find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
}

// InsertBatch stores many new questions at once, without events or emails
// (a migration of an earlier record, or a benchmark's fixture), and indexes
// their alerts. It stops at the first failing batch of 1,000.
func (s *Store) InsertBatch(ctx context.Context, qs []*Question) error {
	const batch = 1000
	for i := 0; i < len(qs); i += batch {
		end := min(i+batch, len(qs))
		docs := make([]any, 0, end-i)
		for _, q := range qs[i:end] {
			q.Version = 1
			q.SearchTerms = search.Terms(q.SearchTexts()...)
			docs = append(docs, questionDoc{q, []outbox.Entry{}})
		}
		if _, err := s.coll.InsertMany(ctx, docs); err != nil {
			return fmt.Errorf("insert questions %d to %d: %w", i, end, err)
		}
		if s.Due != nil {
			pipe := s.Due.Redis.Pipeline()
			for _, q := range qs[i:end] {
				if q.NextAlertAt != nil {
					pipe.ZAdd(ctx, s.Due.Key, redis.Z{Score: float64(q.NextAlertAt.UnixMilli()), Member: q.ID})
				}
			}
			if _, err := pipe.Exec(ctx); err != nil {
				return fmt.Errorf("index questions %d to %d: %w", i, end, err)
			}
		}
	}
	return nil
}
