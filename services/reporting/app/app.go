// Package app assembles the reporting service (six-monthly joint progress
// updates, the Self-Assessment Report draft, its versions and consultation),
// for its own binary and for the all-in-one process.
package app

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the reporting zone must load on distroless images

	"github.com/gin-gonic/gin"

	"github.com/kept-ogp/kept/services/kit/outbox"
	"github.com/kept-ogp/kept/services/kit/ratelimit"
	"github.com/kept-ogp/kept/services/kit/runtime"
	"github.com/kept-ogp/kept/services/kit/stream"
	"github.com/kept-ogp/kept/services/reporting/internal/api"
	"github.com/kept-ogp/kept/services/reporting/internal/periods"
	"github.com/kept-ogp/kept/services/reporting/internal/readmodel"
	"github.com/kept-ogp/kept/services/reporting/internal/store"
)

// Name is the service name; its database defaults to kept_reporting.
const Name = "reporting"

// The streams the read model is built from, and the one this service writes.
const (
	CommitmentsStream = "kept:commitments"
	UpdatesStream     = "kept:updates"
	QAStream          = "kept:qa"
	Stream            = "kept:reporting"
)

// Settings are the reporting service's own environment variables.
type Settings struct {
	Zone       *time.Location
	RateMax    int64
	RateWindow time.Duration
}

// LoadSettings reads REPORTING_TIMEZONE, else KEPT_TIMEZONE, else
// Asia/Taipei; REPORTING_RATE_LIMIT (5 comments) and REPORTING_RATE_WINDOW
// (10m) per client IP.
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
	var err error
	if s.Zone, err = periods.Zone(getenv); err != nil {
		return s, err
	}
	if s.RateMax, err = strconv.ParseInt(get("REPORTING_RATE_LIMIT", "5"), 10, 64); err != nil || s.RateMax < 1 {
		return s, fmt.Errorf("REPORTING_RATE_LIMIT: want a positive number")
	}
	if s.RateWindow, err = time.ParseDuration(get("REPORTING_RATE_WINDOW", "10m")); err != nil || s.RateWindow <= 0 {
		return s, fmt.Errorf("REPORTING_RATE_WINDOW: want a duration such as 10m")
	}
	return s, nil
}

// Service is the running reporting service.
type Service struct {
	api       *api.Handler
	consumers []*stream.Consumer
	relays    []*outbox.Relay
}

// New builds the service on d.
func New(ctx context.Context, d runtime.Deps) (*Service, error) {
	set, err := LoadSettings(nil)
	if err != nil {
		return nil, err
	}
	rm := readmodel.New(d.DB)
	if err := rm.EnsureIndexes(ctx); err != nil {
		return nil, err
	}
	st := store.New(d.DB)
	if err := st.EnsureIndexes(ctx); err != nil {
		return nil, err
	}
	pub := stream.NewPublisher(d.Redis, Stream, d.Config.StreamMaxLen)
	vc, cc, fc := st.OutboxCollections()
	rels := api.Relays{Versions: outbox.NewRelay(vc, pub, 0, d.Logger), Consultations: outbox.NewRelay(cc, pub, 0, d.Logger),
		Finals: outbox.NewRelay(fc, pub, 0, d.Logger)}
	st.VersionLock, st.ConsultationLock = rels.Versions.Lock, rels.Consultations.Lock
	h := &api.Handler{Read: rm, Store: st, Relays: rels, Verifier: d.Tokens, Zone: set.Zone, Now: time.Now, Logger: d.Logger,
		Limiter: &ratelimit.Limiter{Redis: d.Redis, Max: set.RateMax, Window: set.RateWindow, Prefix: "kept:reporting:rl:"}}
	s := &Service{api: h, relays: []*outbox.Relay{rels.Versions, rels.Consultations, rels.Finals}}
	for _, name := range []string{CommitmentsStream, UpdatesStream, QAStream} {
		s.consumers = append(s.consumers, stream.NewConsumer(d.Redis, stream.ConsumerConfig{
			Stream: name, Group: Name, Consumer: d.Config.ConsumerName,
			Metrics: d.StreamMetrics, Logger: d.Logger, TracerProvider: d.Tracing.Provider,
		}, rm.Apply))
	}
	return s, nil
}

// Build matches runtime.Builder.
func Build(ctx context.Context, d runtime.Deps) (runtime.Service, error) { return New(ctx, d) }

// Routes mounts the API.
func (s *Service) Routes(r *gin.Engine) { s.api.Routes(r) }

// Run consumes the three streams and relays the outboxes until ctx is done.
func (s *Service) Run(ctx context.Context) error {
	var runs []func(context.Context) error
	for _, c := range s.consumers {
		runs = append(runs, c.Run)
	}
	for _, r := range s.relays {
		runs = append(runs, r.Run)
	}
	var wg sync.WaitGroup
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
