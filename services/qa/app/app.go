// Package app assembles the qa service (public questions and the answer
// SLA, public comments on published updates), for its own binary and for
// the all-in-one process.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the SLA's zone must load on distroless images

	"github.com/gin-gonic/gin"

	"github.com/kept-ogp/kept/services/kit/distlock"
	"github.com/kept-ogp/kept/services/kit/outbox"
	"github.com/kept-ogp/kept/services/kit/ratelimit"
	"github.com/kept-ogp/kept/services/kit/runtime"
	"github.com/kept-ogp/kept/services/kit/stream"
	"github.com/kept-ogp/kept/services/qa/internal/api"
	"github.com/kept-ogp/kept/services/qa/internal/comments"
	"github.com/kept-ogp/kept/services/qa/internal/leads"
	"github.com/kept-ogp/kept/services/qa/internal/questions"
	"github.com/kept-ogp/kept/services/qa/internal/slaclock"
)

// Name is the service name; its database defaults to kept_qa.
const Name = "qa"

// DueIndexKey is the Redis sorted set of pending alert times.
const DueIndexKey = "kept:qa:next-alert"

// CommitmentsStream is the stream lead agencies and plans' languages are
// learnt from.
const CommitmentsStream = "kept:commitments"

// UpdatesStream is the stream public progress updates are learnt from.
const UpdatesStream = comments.UpdatesStream

// PlansGroup is the consumer group on kept:commitments that keeps the plans'
// languages. It is apart from the "qa" group so that it starts at the
// beginning of the stream even where "qa" read the plans before qa kept them.
const PlansGroup = "qa-plans"

// Settings are the qa service's own environment variables.
type Settings struct {
	Policy        slaclock.Policy
	CheckInterval time.Duration
	RateMax       int64
	RateWindow    time.Duration
	DueSoon       time.Duration
}

// LoadSettings reads QA_SLA_DAYS (20), QA_SLA_MODE (working|calendar,
// working), QA_TIMEZONE, else KEPT_TIMEZONE, else Asia/Taipei,
// QA_SLA_WARNINGS ("5,1"), QA_CHECK_INTERVAL (1m), QA_RATE_LIMIT (5) and
// QA_RATE_WINDOW (10m) and QA_DUE_SOON (48h, the window of the
// kept_qa_questions_due_soon gauge).
func LoadSettings(getenv func(string) string) (Settings, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	get := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	var s Settings
	days, err := strconv.Atoi(get("QA_SLA_DAYS", "20"))
	if err != nil {
		return s, fmt.Errorf("QA_SLA_DAYS: want a number of days")
	}
	mode := slaclock.WorkingDays
	switch get("QA_SLA_MODE", "working") {
	case "working", string(slaclock.WorkingDays):
	case "calendar", string(slaclock.CalendarDays):
		mode = slaclock.CalendarDays
	default:
		return s, fmt.Errorf("QA_SLA_MODE: want working or calendar")
	}
	zone := get("QA_TIMEZONE", get("KEPT_TIMEZONE", slaclock.DefaultZone))
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return s, fmt.Errorf("QA_TIMEZONE %q: %w", zone, err)
	}
	var warnings []int
	for _, f := range strings.Split(get("QA_SLA_WARNINGS", "5,1"), ",") {
		if f = strings.TrimSpace(f); f == "" || f == "none" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil {
			return s, fmt.Errorf("QA_SLA_WARNINGS: %q is not a number of working days", f)
		}
		warnings = append(warnings, n)
	}
	s.Policy = slaclock.Policy{Days: days, Mode: mode, Location: loc, Warnings: warnings}
	if err := s.Policy.Validate(); err != nil {
		return s, err
	}
	if s.CheckInterval, err = time.ParseDuration(get("QA_CHECK_INTERVAL", "1m")); err != nil || s.CheckInterval <= 0 {
		return s, fmt.Errorf("QA_CHECK_INTERVAL: want a duration such as 1m")
	}
	if s.RateMax, err = strconv.ParseInt(get("QA_RATE_LIMIT", "5"), 10, 64); err != nil || s.RateMax < 1 {
		return s, fmt.Errorf("QA_RATE_LIMIT: want a positive number")
	}
	if s.RateWindow, err = time.ParseDuration(get("QA_RATE_WINDOW", "10m")); err != nil || s.RateWindow <= 0 {
		return s, fmt.Errorf("QA_RATE_WINDOW: want a duration such as 10m")
	}
	if s.DueSoon, err = time.ParseDuration(get("QA_DUE_SOON", "48h")); err != nil || s.DueSoon <= 0 {
		return s, fmt.Errorf("QA_DUE_SOON: want a duration such as 48h")
	}
	return s, nil
}

// Service is the running qa service.
type Service struct {
	api       *api.Handler
	svc       *questions.Service
	relays    []*outbox.Relay
	consumers []*stream.Consumer
	interval  time.Duration
	logger    *slog.Logger
}

// New builds the service on d.
func New(ctx context.Context, d runtime.Deps) (*Service, error) {
	set, err := LoadSettings(nil)
	if err != nil {
		return nil, err
	}
	ls := leads.New(d.DB)
	st := questions.NewStore(d.DB)
	st.Due = &questions.DueIndex{Redis: d.Redis, Key: DueIndexKey, Logger: d.Logger}
	if err := st.EnsureIndexes(ctx); err != nil {
		return nil, err
	}
	if n, err := st.IndexUnsearched(ctx); err != nil {
		return nil, err
	} else if n > 0 {
		d.Logger.InfoContext(ctx, "indexed questions for search", "questions", n)
	}
	cal := questions.NewCalendarStore(d.DB)
	pub := stream.NewPublisher(d.Redis, questions.Stream, d.Config.StreamMaxLen)
	qr := outbox.NewRelay(st.Collection(), pub, 0, d.Logger)
	ar := outbox.NewRelay(st.Alerts(), pub, 0, d.Logger)
	cr := outbox.NewRelay(cal.Changes(), pub, 0, d.Logger)
	m, err := questions.NewMetrics(d.Registry)
	if err != nil {
		return nil, fmt.Errorf("qa metrics: %w", err)
	}
	svc := &questions.Service{Store: st, Calendar: cal, Policy: set.Policy, Policies: questions.NewPolicyStore(d.DB), Relay: qr, Alerts: ar, Changes: cr,
		Now: time.Now, Logger: d.Logger, Metrics: m, Locks: &distlock.Locker{Redis: d.Redis, Prefix: "kept:qa:lock:"}, DueSoon: set.DueSoon}
	ups := comments.NewUpdates(d.DB)
	ups.Locks = svc.Locks
	cms := &comments.Service{Store: comments.NewStore(d.DB), Updates: ups, Locks: svc.Locks, Now: time.Now}
	h := &api.Handler{Leads: ls, Service: svc, Verifier: d.Tokens, Logger: d.Logger, Comments: cms,
		Limiter: &ratelimit.Limiter{Redis: d.Redis, Max: set.RateMax, Window: set.RateWindow, Prefix: "kept:qa:rl:"}}
	consumer := func(name, group string, fn stream.Handler) *stream.Consumer {
		return stream.NewConsumer(d.Redis, stream.ConsumerConfig{
			Stream: name, Group: group, Consumer: d.Config.ConsumerName,
			Metrics: d.StreamMetrics, Logger: d.Logger, TracerProvider: d.Tracing.Provider,
		}, fn)
	}
	cs := []*stream.Consumer{
		consumer(CommitmentsStream, Name, ls.Apply),
		consumer(CommitmentsStream, PlansGroup, ls.ApplyPlan),
		consumer(UpdatesStream, Name, ups.Apply),
	}
	return &Service{api: h, svc: svc, relays: []*outbox.Relay{qr, ar, cr}, consumers: cs,
		interval: set.CheckInterval, logger: d.Logger}, nil
}

// Build matches runtime.Builder.
func Build(ctx context.Context, d runtime.Deps) (runtime.Service, error) { return New(ctx, d) }

// Routes mounts the API.
func (s *Service) Routes(r *gin.Engine) { s.api.Routes(r) }

// Run consumes commitments and updates events, relays the outboxes and runs
// the SLA checker until ctx is done.
func (s *Service) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	runs := []func(context.Context) error{func(ctx context.Context) error { return s.svc.RunChecker(ctx, s.interval) }}
	for _, c := range s.consumers {
		runs = append(runs, c.Run)
	}
	for _, r := range s.relays {
		runs = append(runs, r.Run)
	}
	errs := make([]error, len(runs))
	for i, run := range runs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = run(ctx) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
