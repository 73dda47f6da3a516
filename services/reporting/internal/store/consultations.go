package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/oklog/ulid/v2"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/outbox"
	"github.com/kept-ogp/kept/services/kit/stream"
)

// MinConsultationDays is the shortest public comment period on a SAR draft.
const MinConsultationDays = 28

// Response is the PoC's published response summary.
type Response struct {
	Summary map[string]string `bson:"summary" json:"summary"`
	At      time.Time         `bson:"at" json:"at"`
	By      string            `bson:"by" json:"by"`
}

// Review is the multi-stakeholder forum's review of the SAR draft.
type Review struct {
	// Reviewers names who reviewed for the forum (e.g. its co-chairs).
	Reviewers  string            `bson:"reviewers" json:"reviewers"`
	Outcome    string            `bson:"outcome" json:"outcome"`
	Notes      map[string]string `bson:"notes" json:"notes"`
	On         string            `bson:"on" json:"on"`
	RecordedAt time.Time         `bson:"recorded_at" json:"recorded_at"`
	RecordedBy string            `bson:"recorded_by" json:"recorded_by"`
}

// Review outcomes.
var ReviewOutcomes = []string{"endorsed", "endorsed_with_comments", "changes_requested"}

// Consultation is a public comment period on a SAR draft version.
type Consultation struct {
	ID        string         `bson:"_id" json:"id"`
	Plan      string         `bson:"plan" json:"plan"`
	VersionID string         `bson:"version_id" json:"version"`
	Lang      string         `bson:"lang" json:"language"`
	Opens     string         `bson:"opens" json:"opens"`
	Closes    string         `bson:"closes" json:"closes"`
	OpensAt   time.Time      `bson:"opens_at" json:"opens_at"`
	ClosesAt  time.Time      `bson:"closes_at" json:"closes_at"`
	CreatedAt time.Time      `bson:"created_at" json:"created_at"`
	CreatedBy string         `bson:"created_by" json:"-"`
	Response  *Response      `bson:"response,omitempty" json:"response"`
	Review    *Review        `bson:"review,omitempty" json:"review"`
	Outbox    []outbox.Entry `bson:"outbox" json:"-"`
}

// Open reports whether comments are taken at t.
func (c *Consultation) Open(t time.Time) bool { return !t.Before(c.OpensAt) && t.Before(c.ClosesAt) }

// Moderation records a hide or redaction with its public reason.
type Moderation struct {
	Reason string    `bson:"reason" json:"reason"`
	By     string    `bson:"by" json:"-"`
	At     time.Time `bson:"at" json:"at"`
}

// Comment is one public comment. Its author's email, if given, is kept in
// another collection and never returned.
type Comment struct {
	ID           string      `bson:"_id" json:"id"`
	Consultation string      `bson:"consultation" json:"-"`
	Plan         string      `bson:"plan" json:"-"`
	Text         string      `bson:"text" json:"text"`
	Language     string      `bson:"language" json:"language"`
	DisplayName  string      `bson:"display_name" json:"display_name"`
	CreatedAt    time.Time   `bson:"created_at" json:"created_at"`
	Hidden       *Moderation `bson:"hidden,omitempty" json:"hidden,omitempty"`
	Redacted     *Moderation `bson:"redacted,omitempty" json:"redacted,omitempty"`
}

// Public is the comment as everyone sees it: a hidden comment keeps only
// its reason.
func (c Comment) Public() Comment {
	if c.Hidden != nil {
		c.Text, c.DisplayName = "", ""
	}
	return c
}

// DurationError says a consultation is too short, naming its dates.
type DurationError struct{ Opens, Closes, Earliest string }

func (e *DurationError) Error() string {
	return fmt.Sprintf("a consultation must run at least %d days: opens %s and closes %s is shorter; closes must be %s or later",
		MinConsultationDays, e.Opens, e.Closes, e.Earliest)
}

// NewConsultation checks the dates (YYYY-MM-DD, local days; comments are
// taken from the start of opens to the end of closes) and builds the
// consultation with its ConsultationOpened event.
func NewConsultation(ctx context.Context, plan, versionID, lang, opens, closes, by string, loc *time.Location, now time.Time) (*Consultation, error) {
	o, err := time.ParseInLocation(time.DateOnly, opens, loc)
	if err != nil {
		return nil, fmt.Errorf("opens: want a day YYYY-MM-DD, got %q", opens)
	}
	c, err := time.ParseInLocation(time.DateOnly, closes, loc)
	if err != nil {
		return nil, fmt.Errorf("closes: want a day YYYY-MM-DD, got %q", closes)
	}
	earliest := o.AddDate(0, 0, MinConsultationDays)
	if c.Before(earliest) {
		return nil, &DurationError{Opens: opens, Closes: closes, Earliest: earliest.Format(time.DateOnly)}
	}
	con := &Consultation{ID: ulid.Make().String(), Plan: plan, VersionID: versionID, Lang: lang, Opens: opens, Closes: closes,
		OpensAt: o.UTC(), ClosesAt: c.AddDate(0, 0, 1).UTC(), CreatedAt: now.UTC().Truncate(time.Millisecond), CreatedBy: by}
	env := stream.NewEnvelope(ctx, Producer, "reporting.consultation.opened", plan+"/"+con.ID, 1)
	env.Body = &eventsv1.Envelope_ConsultationOpened{ConsultationOpened: &eventsv1.ConsultationOpened{PlanId: plan,
		ConsultationId: con.ID, Opens: opens, Closes: closes, VersionId: versionID, Language: lang,
		OpensAt: timestamppb.New(con.OpensAt), ClosesAt: timestamppb.New(con.ClosesAt)}}
	e, err := outbox.NewEntry(env)
	if err != nil {
		return nil, err
	}
	con.Outbox = []outbox.Entry{e}
	return con, nil
}

// InsertConsultation stores a new consultation with its pending event.
func (s *Store) InsertConsultation(ctx context.Context, c *Consultation) error {
	if _, err := s.consultations.InsertOne(ctx, c); err != nil {
		return fmt.Errorf("store consultation %s: %w", c.ID, err)
	}
	return nil
}

// Consultation reads one consultation of a plan.
func (s *Store) Consultation(ctx context.Context, plan, id string) (*Consultation, error) {
	var c Consultation
	err := s.consultations.FindOne(ctx, bson.M{"_id": id}).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && c.Plan != plan) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load consultation %s: %w", id, err)
	}
	return &c, nil
}

// Consultations lists a plan's consultations, oldest first.
func (s *Store) Consultations(ctx context.Context, plan string) ([]Consultation, error) {
	cur, err := s.consultations.Find(ctx, bson.M{"plan": plan}, options.Find().SetProjection(bson.M{"outbox": 0}))
	if err != nil {
		return nil, fmt.Errorf("list consultations of %s: %w", plan, err)
	}
	out := []Consultation{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list consultations of %s: %w", plan, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// ChangeConsultation applies fn to a consultation under its lock (shared
// with the outbox relay) and saves the response and review it may set.
func (s *Store) ChangeConsultation(ctx context.Context, plan, id string, fn func(c *Consultation) error) (*Consultation, error) {
	unlock := s.lock(s.ConsultationLock, "consultation:", id)
	defer unlock()
	c, err := s.Consultation(ctx, plan, id)
	if err != nil {
		return nil, err
	}
	if err := fn(c); err != nil {
		return nil, err
	}
	if _, err := s.consultations.UpdateOne(ctx, bson.M{"_id": id}, bson.M{"$set": bson.M{"response": c.Response, "review": c.Review}}); err != nil {
		return nil, fmt.Errorf("save consultation %s: %w", id, err)
	}
	return c, nil
}

// AddComment stores a comment and, apart, its author's email.
func (s *Store) AddComment(ctx context.Context, c *Comment, email string) error {
	if _, err := s.comments.InsertOne(ctx, c); err != nil {
		return fmt.Errorf("store comment: %w", err)
	}
	if email != "" {
		if _, err := s.contacts.InsertOne(ctx, bson.M{"_id": c.ID, "consultation": c.Consultation, "email": email}); err != nil {
			return fmt.Errorf("store comment contact: %w", err)
		}
	}
	return nil
}

// Comments lists a consultation's comments, oldest first.
func (s *Store) Comments(ctx context.Context, consultation string) ([]Comment, error) {
	cur, err := s.comments.Find(ctx, bson.M{"consultation": consultation})
	if err != nil {
		return nil, fmt.Errorf("list comments of %s: %w", consultation, err)
	}
	out := []Comment{}
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list comments of %s: %w", consultation, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// ModerateComment applies fn to a comment of the consultation and saves it.
func (s *Store) ModerateComment(ctx context.Context, consultation, id string, fn func(c *Comment) error) (*Comment, error) {
	unlock := s.locks.Lock("comment:" + id)
	defer unlock()
	var c Comment
	err := s.comments.FindOne(ctx, bson.M{"_id": id}).Decode(&c)
	if errors.Is(err, mongo.ErrNoDocuments) || (err == nil && c.Consultation != consultation) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load comment %s: %w", id, err)
	}
	if err := fn(&c); err != nil {
		return nil, err
	}
	if _, err := s.comments.ReplaceOne(ctx, bson.M{"_id": id}, c); err != nil {
		return nil, fmt.Errorf("save comment %s: %w", id, err)
	}
	return &c, nil
}

// CommentEmail returns the stored email of a comment's author ("" if none),
// for tests and future notifier routes; it is never served publicly.
func (s *Store) CommentEmail(ctx context.Context, id string) (string, error) {
	var d struct {
		Email string `bson:"email"`
	}
	err := s.contacts.FindOne(ctx, bson.M{"_id": id}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("load comment contact %s: %w", id, err)
	}
	return d.Email, nil
}

// Final is the SAR's final state of a plan.
type Final struct {
	ID           string         `bson:"_id" json:"-"`
	VersionID    string         `bson:"version_id" json:"version"`
	Consultation string         `bson:"consultation" json:"consultation"`
	Outcome      string         `bson:"outcome" json:"review_outcome"`
	At           time.Time      `bson:"at" json:"finalized_at"`
	By           string         `bson:"by" json:"-"`
	Outbox       []outbox.Entry `bson:"outbox" json:"-"`
}

// FinalOf returns the plan's final SAR, or ErrNotFound.
func (s *Store) FinalOf(ctx context.Context, plan string) (*Final, error) {
	var f Final
	err := s.finals.FindOne(ctx, bson.M{"_id": plan}).Decode(&f)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load final SAR of %s: %w", plan, err)
	}
	return &f, nil
}

// MarkFinal records the final SAR once, with a SARFinalized event.
func (s *Store) MarkFinal(ctx context.Context, plan string, f *Final) error {
	f.ID = plan
	env := stream.NewEnvelope(ctx, Producer, "reporting.sar.finalized", plan, 1)
	env.Body = &eventsv1.Envelope_SarFinalized{SarFinalized: &eventsv1.SARFinalized{PlanId: plan, VersionId: f.VersionID,
		ConsultationId: f.Consultation, ReviewOutcome: f.Outcome, FinalizedAt: timestamppb.New(f.At)}}
	e, err := outbox.NewEntry(env)
	if err != nil {
		return err
	}
	f.Outbox = []outbox.Entry{e}
	_, err = s.finals.InsertOne(ctx, f)
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("the SAR of %s is already final: %w", plan, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store final SAR of %s: %w", plan, err)
	}
	return nil
}
