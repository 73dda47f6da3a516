package questions

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kept-ogp/kept/services/kit/distlock"
	"github.com/kept-ogp/kept/services/qa/internal/calendar"
	"github.com/kept-ogp/kept/services/qa/internal/slaclock"
)

// Relay is what the service needs of an outbox relay: the per-document lock
// that serialises read-modify-writes, and an immediate flush.
type Relay interface {
	Flush(ctx context.Context, id any) error
	Lock(id any) (unlock func())
}

// ActionError is a refused action, with its HTTP status.
type ActionError struct {
	Status        int
	Code, Message string
}

func (e *ActionError) Error() string { return e.Message }

func refuse(status int, code, format string, a ...any) error {
	return &ActionError{Status: status, Code: code, Message: fmt.Sprintf(format, a...)}
}

// Metrics are the qa service's Prometheus metrics.
type Metrics struct {
	Open     prometheus.Gauge
	Overdue  *prometheus.GaugeVec
	Breaches prometheus.Counter
	DueSoon  *prometheus.GaugeVec
}

// NewMetrics registers the metrics on reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		Open: prometheus.NewGauge(prometheus.GaugeOpts{Name: "kept_qa_questions_open", Help: "Questions not yet answered."}),
		Overdue: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "kept_qa_questions_overdue",
			Help: "Questions not answered past their due time, by assigned agency."}, []string{"agency"}),
		Breaches: prometheus.NewCounter(prometheus.CounterOpts{Name: "kept_qa_sla_breaches_total",
			Help: "SLA breach alerts sent by this process."}),
		DueSoon: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "kept_qa_questions_due_soon",
			Help: "Open questions whose answer deadline passes within QA_DUE_SOON, by assigned agency."}, []string{"agency"}),
	}
	for _, c := range []prometheus.Collector{m.Open, m.Overdue, m.Breaches, m.DueSoon} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Service runs questions: asking, the actions on them, calendar changes and
// the SLA checker.
type Service struct {
	Store    *Store
	Calendar *CalendarStore
	Policy   slaclock.Policy // the deployment's
	Policies *PolicyStore    // plan and agency overrides; nil: none
	Relay    Relay           // questions
	Alerts   Relay           // alerts collection
	Changes  Relay           // calendar changes
	Now      func() time.Time
	Logger   *slog.Logger
	Metrics  *Metrics // may be nil
	// GaugeInterval (5m) and IndexRebuild (30m) pace the checker's
	// periodic full reads.
	GaugeInterval time.Duration
	IndexRebuild  time.Duration
	// Locks, when set, makes each question's read-modify-write exclusive
	// across replicas too (an answer on one and the breach alert on
	// another cannot interleave); the relay's lock orders it in-process.
	Locks *distlock.Locker
	// DueSoon is the window of kept_qa_questions_due_soon (48h).
	DueSoon    time.Duration
	seenAgency map[string]bool
}

func (s *Service) lock(ctx context.Context, id string) (func(), error) {
	unlock := s.Relay.Lock(id)
	if s.Locks == nil {
		return unlock, nil
	}
	release, err := s.Locks.Lock(ctx, id)
	if err != nil {
		unlock()
		return nil, fmt.Errorf("question %s is busy: %w", id, err)
	}
	return func() { release(); unlock() }, nil
}

func (s *Service) flush(ctx context.Context, r Relay, id string) {
	if r == nil {
		return
	}
	if err := r.Flush(ctx, id); err != nil {
		s.Logger.WarnContext(ctx, "outbox flush failed; relay will retry", "id", id, "error", err)
	}
}

// Ask stores a new question routed to agency. email may be empty; token is
// the confirmation secret to mail (only its hash is stored).
func (s *Service) Ask(ctx context.Context, plan, commitment, agency string, a Ask, token string) (*Question, error) {
	now := s.Now().UTC()
	cal, err := s.Calendar.Load(ctx)
	if err != nil {
		return nil, err
	}
	q := &Question{ID: ulid.Make().String(), Plan: plan, Commitment: commitment, Text: a.Text, Language: a.Language,
		DisplayName: strings.TrimSpace(a.DisplayName), AskedAt: now, Agency: agency,
		Assignments: []Assignment{{Agency: agency, By: "routing", At: now}}, Pauses: []Pause{}, Extensions: []Extension{},
		Answers: []Answer{}, Followups: []Followup{}, Redactions: []Moderation{}, Status: StatusOpen}
	p, source := s.Policy, "deployment"
	if s.Policies != nil {
		if p, source, err = s.Policies.Resolve(ctx, s.Policy, plan, agency); err != nil {
			return nil, err
		}
	}
	q.Policy = snapshotOf(p, source)
	if _, err := q.Compute(p, cal, now); err != nil {
		return nil, err
	}
	if err := s.Store.Insert(ctx, q, a.Email, token, now); err != nil {
		return nil, err
	}
	s.flush(ctx, s.Relay, q.ID)
	return q, nil
}

// Change applies fn to question id under its lock, saves it with an event
// of type typ and publishes it. fn returns the event's public reason.
func (s *Service) Change(ctx context.Context, id, typ, by string,
	fn func(q *Question, cal *calendar.Calendar, now time.Time) (string, error)) (*Question, error) {
	unlock, err := s.lock(ctx, id)
	if err != nil {
		return nil, err
	}
	q, err := s.Store.Get(ctx, id)
	if err != nil {
		unlock()
		return nil, err
	}
	cal, err := s.Calendar.Load(ctx)
	if err != nil {
		unlock()
		return nil, err
	}
	now := s.Now().UTC()
	reason, err := fn(q, cal, now)
	if err != nil {
		unlock()
		return nil, err
	}
	if err := s.Store.Save(ctx, q, Event(ctx, q, typ, reason, by)); err != nil {
		unlock()
		return nil, err
	}
	unlock()
	s.flush(ctx, s.Relay, id)
	return q, nil
}

// Assign routes the question to another agency; the clock does not move.
func Assign(agency, by string) func(*Question, *calendar.Calendar, time.Time) (string, error) {
	return func(q *Question, _ *calendar.Calendar, now time.Time) (string, error) {
		if agency == "" {
			return "", refuse(http.StatusUnprocessableEntity, "invalid_request", `"agency" is required`)
		}
		if agency == q.Agency {
			return "", refuse(http.StatusConflict, "already_assigned", "the question is already assigned to %s", agency)
		}
		q.Agency = agency
		q.Assignments = append(q.Assignments, Assignment{Agency: agency, By: by, At: now})
		return "", nil
	}
}

// AnswerWith adds an answer; the first one stops the clock.
func (s *Service) AnswerWith(text Text, agency, by string) func(*Question, *calendar.Calendar, time.Time) (string, error) {
	return func(q *Question, cal *calendar.Calendar, now time.Time) (string, error) {
		var errs []FieldError
		if len(text) == 0 {
			errs = append(errs, FieldError{"text", `is required: {"en": "..."}`})
		}
		for lang, t := range text {
			errs = append(errs, CheckLanguage("text."+lang, lang)...)
			errs = append(errs, CheckText("text."+lang, t, MaxText*2, true)...)
		}
		if len(errs) > 0 {
			return "", &InvalidError{errs}
		}
		q.Answers = append(q.Answers, Answer{Text: text, Agency: agency, By: by, At: now})
		if q.Status == StatusAnswered {
			return "", nil
		}
		ps, xs := q.clockInputs()
		taken, err := slaclock.Elapsed(q.AskedAt, now, s.PolicyOf(q), cal, ps, xs)
		if err != nil {
			return "", err
		}
		if p := q.openPause(); p != nil {
			t := now
			p.To, p.ResumeBy = &t, by
		}
		q.Status, q.AnsweredAt, q.DaysTaken, q.OnTime = StatusAnswered, &now, taken.Days, taken.OnTime
		q.NextAlertAt = nil
		return "", nil
	}
}

// AddFollowup adds a message to the thread; the clock does not move.
func AddFollowup(f Followup) func(*Question, *calendar.Calendar, time.Time) (string, error) {
	return func(q *Question, _ *calendar.Calendar, now time.Time) (string, error) {
		if q.Hidden != nil {
			return "", refuse(http.StatusConflict, "hidden", "the question is hidden")
		}
		f.At = now
		q.Followups = append(q.Followups, f)
		return "", nil
	}
}

func needReason(reason string) error {
	if errs := CheckText("reason", reason, MaxReason, true); len(errs) > 0 {
		return &InvalidError{errs}
	}
	return nil
}

// PauseFor stops the clock waiting for the asker.
func (s *Service) PauseFor(reason, by string) func(*Question, *calendar.Calendar, time.Time) (string, error) {
	return func(q *Question, cal *calendar.Calendar, now time.Time) (string, error) {
		if err := needReason(reason); err != nil {
			return "", err
		}
		switch {
		case q.Status == StatusAnswered:
			return "", refuse(http.StatusConflict, "answered", "the question is answered")
		case q.openPause() != nil:
			return "", refuse(http.StatusConflict, "paused", "the clock is already paused")
		}
		q.Pauses = append(q.Pauses, Pause{From: now, By: by, Reason: reason})
		q.Status = StatusPaused
		_, err := q.Compute(s.PolicyOf(q), cal, now)
		return reason, err
	}
}

// Resume restarts the clock.
func (s *Service) Resume(by string) func(*Question, *calendar.Calendar, time.Time) (string, error) {
	return func(q *Question, cal *calendar.Calendar, now time.Time) (string, error) {
		p := q.openPause()
		if p == nil {
			return "", refuse(http.StatusConflict, "not_paused", "the clock is not paused")
		}
		t := now
		p.To, p.ResumeBy = &t, by
		q.Status = StatusOpen
		_, err := q.Compute(s.PolicyOf(q), cal, now)
		return "", err
	}
}

// Extend adds days to the due date, with a public reason.
func (s *Service) Extend(days int, reason, by string) func(*Question, *calendar.Calendar, time.Time) (string, error) {
	return func(q *Question, cal *calendar.Calendar, now time.Time) (string, error) {
		if err := needReason(reason); err != nil {
			return "", err
		}
		if days < 1 || days > slaclock.MaxDays {
			return "", &InvalidError{[]FieldError{{"days", fmt.Sprintf("must be 1 to %d", slaclock.MaxDays)}}}
		}
		if q.Status == StatusAnswered {
			return "", refuse(http.StatusConflict, "answered", "the question is answered")
		}
		q.Extensions = append(q.Extensions, Extension{Days: days, Reason: reason, By: by, At: now})
		_, err := q.Compute(s.PolicyOf(q), cal, now)
		return reason, err
	}
}

// Hide hides the text from the public, with a public reason; the record stays.
func Hide(reason, by string) func(*Question, *calendar.Calendar, time.Time) (string, error) {
	return func(q *Question, _ *calendar.Calendar, now time.Time) (string, error) {
		if err := needReason(reason); err != nil {
			return "", err
		}
		if q.Hidden != nil {
			return "", refuse(http.StatusConflict, "hidden", "the question is already hidden")
		}
		q.Hidden = &Moderation{Reason: reason, By: by, At: now}
		q.NextAlertAt = nil // no alerts for what moderators hid
		return reason, nil
	}
}

// Redact replaces the question's text (personal data the asker typed) and
// notes publicly that it was redacted. The earlier text is not kept: keeping
// it would keep the personal data the redaction removes.
func Redact(text, reason, by string) func(*Question, *calendar.Calendar, time.Time) (string, error) {
	return func(q *Question, _ *calendar.Calendar, now time.Time) (string, error) {
		errs := CheckText("text", text, MaxText, true)
		errs = append(errs, CheckText("reason", reason, MaxReason, true)...)
		if len(errs) > 0 {
			return "", &InvalidError{errs}
		}
		q.Text = text
		q.Redactions = append(q.Redactions, Moderation{Reason: reason, By: by, At: now})
		return reason, nil
	}
}

// Recompute computes again the deadline and pending alerts of every open
// question after a calendar change; answered ones keep theirs. It returns
// how many due dates moved.
func (s *Service) Recompute(ctx context.Context) (int, error) {
	ids, err := s.Store.OpenIDs(ctx)
	if err != nil {
		return 0, err
	}
	cal, err := s.Calendar.Load(ctx)
	if err != nil {
		return 0, err
	}
	moved := 0
	var errs []error
	for _, id := range ids {
		ok, err := s.recomputeOne(ctx, id, cal)
		if err != nil {
			errs = append(errs, err)
		}
		if ok {
			moved++
		}
	}
	return moved, errors.Join(errs...)
}

func (s *Service) recomputeOne(ctx context.Context, id string, cal *calendar.Calendar) (bool, error) {
	unlock, err := s.lock(ctx, id)
	if err != nil {
		return false, err
	}
	defer unlock()
	q, err := s.Store.Get(ctx, id)
	if err != nil || !q.Open() {
		return false, err
	}
	before := q.ExplanationText
	moved, err := q.Compute(s.PolicyOf(q), cal, s.Now().UTC())
	if err != nil || (!moved && q.ExplanationText == before) {
		return false, err
	}
	if !moved {
		// Same deadline, new explanation (a day skipped has a new name, or
		// a holiday and an extra working day cancel out): no event.
		return false, s.Store.Save(ctx, q)
	}
	if err := s.Store.Save(ctx, q, Event(ctx, q, TypeRecomputed, "calendar changed", "")); err != nil {
		return false, err
	}
	if s.Relay != nil {
		go s.flush(context.WithoutCancel(ctx), s.Relay, id)
	}
	return true, nil
}

// CalendarChange stores days, recomputes open questions and records the
// change with its event.
func (s *Service) CalendarChange(ctx context.Context, days []calendar.Day, source, by string) ([]string, []calendar.Conflict, int, error) {
	changed, conflicts, err := s.Calendar.Put(ctx, days)
	if err != nil || len(changed) == 0 {
		return changed, conflicts, 0, err
	}
	moved, rerr := s.Recompute(ctx)
	id, err := s.Calendar.RecordChange(ctx, changed, source, by, moved, s.Now().UTC())
	if err != nil {
		return changed, conflicts, moved, errors.Join(rerr, err)
	}
	s.flush(ctx, s.Changes, id)
	return changed, conflicts, moved, rerr
}

// CheckOnce sends every alert due now: at most one per question, threshold
// and due-date version across all replicas (the alert's deterministic _id
// makes a second insert fail). It returns how many this call sent.
func (s *Service) CheckOnce(ctx context.Context) (int, error) {
	now := s.Now().UTC()
	var ids []string
	var err error
	if s.Store.Due != nil {
		ids, err = s.Store.Due.Due(ctx, now, 1000)
	} else {
		ids, err = s.Store.AlertsDue(ctx, now, 1000)
	}
	if err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, nil
	}
	cal, err := s.Calendar.Load(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	var errs []error
	for _, id := range ids {
		n, err := s.checkOne(ctx, id, cal, now)
		sent += n
		if err != nil {
			errs = append(errs, err)
		}
	}
	return sent, errors.Join(errs...)
}

func (s *Service) checkOne(ctx context.Context, id string, cal *calendar.Calendar, now time.Time) (int, error) {
	unlock, err := s.lock(ctx, id)
	if err != nil {
		return 0, err
	}
	defer unlock()
	q, err := s.Store.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		s.Store.Due.Set(ctx, id, nil)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	version := q.DueVersion
	sent := 0
	for q.Open() && q.Status != StatusPaused && q.NextAlertAt != nil && !q.NextAlertAt.After(now) {
		ok, err := s.Store.InsertAlert(ctx, q, now)
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
			if q.NextAlertThreshold == Breach && s.Metrics != nil {
				s.Metrics.Breaches.Inc()
			}
			s.flush(ctx, s.Alerts, AlertID(q.ID, q.DueVersion, q.NextAlertThreshold))
		}
		if err := q.advanceAlert(s.PolicyOf(q), cal); err != nil {
			return sent, err
		}
	}
	// Only the alert fields. The question's lock (in Redis, shared by every
	// replica) is held since it was read, so nothing changed it meanwhile;
	// the filter is _id alone, the one FerretDB answers from an index.
	set := bson.M{"next_alert_threshold": q.NextAlertThreshold, "breach_sent": q.BreachSent}
	upd := bson.M{"$set": set}
	if q.NextAlertAt != nil {
		set["next_alert_at"] = *q.NextAlertAt
	} else {
		upd["$unset"] = bson.M{"next_alert_at": ""}
	}
	filter := bson.M{"_id": id}
	if s.Locks == nil {
		// Without the shared lock, guard against an answer on another
		// replica: only this due date, and only while unanswered.
		filter["due_version"], filter["status"] = version, bson.M{"$ne": StatusAnswered}
	}
	res, err := s.Store.coll.UpdateOne(ctx, filter, upd)
	if err != nil {
		return sent, fmt.Errorf("save alert state of %s: %w", id, err)
	}
	if res.MatchedCount == 1 {
		s.Store.Due.Set(ctx, id, q.NextAlertAt)
	} else if cur, err := s.Store.Get(ctx, id); err == nil {
		s.Store.Due.Set(ctx, id, cur.NextAlertAt) // changed meanwhile: index what is stored
	}
	return sent, nil
}

// RunChecker runs CheckOnce every interval until ctx is done. Apart from it,
// and less often, it refreshes the gauges (they read every open question)
// and rebuilds the alert index: a checker run itself reads only the
// questions due.
func (s *Service) RunChecker(ctx context.Context, interval time.Duration) error {
	gaugeEvery, rebuildEvery := s.GaugeInterval, s.IndexRebuild
	if gaugeEvery <= 0 {
		gaugeEvery = 5 * time.Minute
	}
	if rebuildEvery <= 0 {
		rebuildEvery = 30 * time.Minute
	}
	var lastGauges, lastRebuild time.Time
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if s.Store.Due != nil && time.Since(lastRebuild) >= rebuildEvery {
			if n, err := s.Store.Due.Rebuild(ctx, s.Store); err != nil && ctx.Err() == nil {
				s.Logger.WarnContext(ctx, "alert index rebuild failed; will retry", "error", err)
			} else if err == nil {
				lastRebuild = time.Now()
				s.Logger.DebugContext(ctx, "alert index rebuilt", "pending", n)
			}
		}
		if _, err := s.CheckOnce(ctx); err != nil && ctx.Err() == nil {
			s.Logger.WarnContext(ctx, "SLA check failed; will retry", "error", err)
		}
		if time.Since(lastGauges) >= gaugeEvery {
			if err := s.RefreshGauges(ctx); err != nil && ctx.Err() == nil {
				s.Logger.WarnContext(ctx, "qa gauges refresh failed", "error", err)
			} else {
				lastGauges = time.Now()
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// RefreshGauges sets the open and overdue gauges (hidden questions left out). It reads every open
// question (a projection of two fields), unlike the checker.
func (s *Service) RefreshGauges(ctx context.Context) error {
	if s.Metrics == nil {
		return nil
	}
	open, err := s.Store.Open(ctx)
	if err != nil {
		return err
	}
	now := s.Now()
	soon := s.DueSoon
	if soon <= 0 {
		soon = 48 * time.Hour
	}
	overdue, dueSoon := map[string]int{}, map[string]int{}
	shown := 0
	for _, o := range open {
		if o.Hidden {
			continue
		}
		shown++
		switch {
		case o.BreachAt == nil: // paused
		case !now.Before(*o.BreachAt):
			overdue[o.Agency]++
		case o.BreachAt.Sub(now) <= soon:
			dueSoon[o.Agency]++
		}
	}
	s.Metrics.Open.Set(float64(shown))
	if s.seenAgency == nil {
		s.seenAgency = map[string]bool{}
	}
	for a := range overdue {
		s.seenAgency[a] = true
	}
	for a := range dueSoon {
		s.seenAgency[a] = true
	}
	// Every agency ever seen gets a value, zero included, so a series
	// falls back to 0 instead of keeping its last count.
	for a := range s.seenAgency {
		s.Metrics.Overdue.WithLabelValues(a).Set(float64(overdue[a]))
		s.Metrics.DueSoon.WithLabelValues(a).Set(float64(dueSoon[a]))
	}
	return nil
}

// DaysSoFar counts the days an open question has taken up to now.
func (s *Service) DaysSoFar(q *Question, cal *calendar.Calendar, now time.Time) int {
	ps, xs := q.clockInputs()
	t, err := slaclock.Elapsed(q.AskedAt, now, s.PolicyOf(q), cal, ps, xs)
	if err != nil {
		return 0
	}
	return t.Days
}

// PolicyOf is the policy q was asked under.
func (s *Service) PolicyOf(q *Question) slaclock.Policy { return q.Policy.policy(s.Policy) }
