// Package app assembles the dashboards service, for its own binary and for
// the all-in-one process.
package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/dashboards/internal/allowlist"
	"github.com/kept-ogp/kept/services/dashboards/internal/api"
	"github.com/kept-ogp/kept/services/dashboards/internal/embedhttp"
	"github.com/kept-ogp/kept/services/dashboards/internal/rag"
	"github.com/kept-ogp/kept/services/dashboards/internal/readmodel"
	"github.com/kept-ogp/kept/services/kit/config"
	"github.com/kept-ogp/kept/services/kit/runtime"
	"github.com/kept-ogp/kept/services/kit/stream"
)

// Name is the service name; its database defaults to kept_dashboards.
const Name = "dashboards"

// The streams the read model is built from.
const (
	CommitmentsStream = "kept:commitments"
	UpdatesStream     = "kept:updates"
)

// Service is the running dashboards service.
type Service struct {
	api       *api.Handler
	origins   *allowlist.Allowlist
	refresh   time.Duration
	consumers []*stream.Consumer
}

// Settings are the dashboards' own environment variables.
type Settings struct {
	// Allowlist is EMBED_ALLOWED_ORIGINS, validated and normalised: the
	// fixed part of the sites that may frame the widgets.
	Allowlist []string
	Rules     rag.Rules
	// PublicBase is PUBLIC_BASE_URL, linked from widgets.
	PublicBase string
	// AllowlistRefresh is how often each replica reloads the allowlist the
	// console edits; DefaultAllowlistRefresh when zero.
	AllowlistRefresh time.Duration
}

// DefaultAllowlistRefresh bounds how long another replica's allowlist change
// takes to reach this one.
const DefaultAllowlistRefresh = 5 * time.Second

// LoadSettings reads EMBED_ALLOWED_ORIGINS (bare origins, comma-separated),
// DASHBOARD_DUE_SOON_DAYS (when a deadline counts as due soon) and
// PUBLIC_BASE_URL from getenv (os.Getenv when nil).
func LoadSettings(getenv func(string) string) (Settings, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	allow, err := embedhttp.ParseAllowlist(config.List(getenv, "EMBED_ALLOWED_ORIGINS"))
	if err != nil {
		return Settings{}, fmt.Errorf("EMBED_ALLOWED_ORIGINS: %w", err)
	}
	rules := rag.Rules{}
	if v := getenv("DASHBOARD_DUE_SOON_DAYS"); v != "" {
		var days int
		if _, err := fmt.Sscanf(v, "%d", &days); err != nil || days <= 0 {
			return Settings{}, fmt.Errorf("DASHBOARD_DUE_SOON_DAYS=%q: want a positive number of days", v)
		}
		rules.DueSoon = time.Duration(days) * 24 * time.Hour
	}
	return Settings{Allowlist: allow, Rules: rules, PublicBase: getenv("PUBLIC_BASE_URL")}, nil
}

// New builds the service on d with settings from the environment.
func New(ctx context.Context, d runtime.Deps) (*Service, error) {
	set, err := LoadSettings(nil)
	if err != nil {
		return nil, err
	}
	return NewWith(ctx, d, set)
}

// NewWith builds the service on d with set.
func NewWith(ctx context.Context, d runtime.Deps, set Settings) (*Service, error) {
	st := readmodel.New(d.DB)
	if err := st.EnsureIndexes(ctx); err != nil {
		return nil, err
	}
	if d.FerretDB {
		st.UseIDOnlyFilters()
	}
	origins := allowlist.New(d.DB, set.Allowlist, d.Logger)
	if err := origins.Reload(ctx); err != nil {
		return nil, err
	}
	refresh := set.AllowlistRefresh
	if refresh <= 0 {
		refresh = DefaultAllowlistRefresh
	}
	h := &api.Handler{Store: st, Rules: set.Rules, Origins: origins, Verifier: d.Tokens, Zone: d.Config.TimeZone, Now: time.Now,
		PublicBase: set.PublicBase, Logger: d.Logger, Staleness: 2 * time.Second}
	apply := func(ctx context.Context, env *eventsv1.Envelope) error {
		ch, err := st.Apply(ctx, env)
		if err != nil {
			return err
		}
		if ch.Plan != "" {
			h.Invalidate(ch.Plan, ch.Structure)
		}
		return nil
	}
	s := &Service{api: h, origins: origins, refresh: refresh}
	for _, name := range []string{CommitmentsStream, UpdatesStream} {
		s.consumers = append(s.consumers, stream.NewConsumer(d.Redis, stream.ConsumerConfig{
			Stream: name, Group: Name, Consumer: d.Config.ConsumerName,
			Metrics: d.StreamMetrics, Logger: d.Logger, TracerProvider: d.Tracing.Provider,
		}, apply))
	}
	return s, nil
}

// CheckSettings reports bad dashboards settings before anything starts, so
// `kept run` refuses a bad allowlist without first starting its stores.
func CheckSettings() error {
	_, err := LoadSettings(nil)
	return err
}

// Build matches runtime.Builder.
func Build(ctx context.Context, d runtime.Deps) (runtime.Service, error) { return New(ctx, d) }

// Routes mounts the dashboards and embeds.
func (s *Service) Routes(r *gin.Engine) { s.api.Routes(r) }

// Run consumes both streams and reloads the embed allowlist until ctx is
// done.
func (s *Service) Run(ctx context.Context) error {
	runs := []func(context.Context) error{func(ctx context.Context) error { return s.origins.Run(ctx, s.refresh) }}
	for _, c := range s.consumers {
		runs = append(runs, c.Run)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(runs))
	for i, run := range runs {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = run(ctx) }()
	}
	wg.Wait()
	return errors.Join(errs...)
}
