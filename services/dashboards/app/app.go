// Package app assembles the dashboards service, for its own binary and for
// the all-in-one process.
package app

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
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
	consumers []*stream.Consumer
}

// New builds the service on d. EMBED_ALLOWED_ORIGINS lists the sites that may
// frame the widgets (bare origins, comma-separated); DASHBOARD_DUE_SOON_DAYS
// sets when a deadline counts as due soon; PUBLIC_BASE_URL links widgets to
// the public site.
func New(ctx context.Context, d runtime.Deps) (*Service, error) {
	allow, rules, err := settings()
	if err != nil {
		return nil, err
	}
	st := readmodel.New(d.DB)
	if err := st.EnsureIndexes(ctx); err != nil {
		return nil, err
	}
	if d.FerretDB {
		st.UseIDOnlyFilters()
	}
	h := &api.Handler{Store: st, Rules: rules, Allowlist: allow, Zone: d.Config.TimeZone, Now: time.Now,
		PublicBase: os.Getenv("PUBLIC_BASE_URL"), Logger: d.Logger, Staleness: 2 * time.Second}
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
	s := &Service{api: h}
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
	_, _, err := settings()
	return err
}

func settings() ([]string, rag.Rules, error) {
	allow, err := embedhttp.ParseAllowlist(config.List(nil, "EMBED_ALLOWED_ORIGINS"))
	if err != nil {
		return nil, rag.Rules{}, fmt.Errorf("EMBED_ALLOWED_ORIGINS: %w", err)
	}
	rules := rag.Rules{}
	if v := os.Getenv("DASHBOARD_DUE_SOON_DAYS"); v != "" {
		var days int
		if _, err := fmt.Sscanf(v, "%d", &days); err != nil || days <= 0 {
			return nil, rag.Rules{}, fmt.Errorf("DASHBOARD_DUE_SOON_DAYS=%q: want a positive number of days", v)
		}
		rules.DueSoon = time.Duration(days) * 24 * time.Hour
	}
	return allow, rules, nil
}

// Build matches runtime.Builder.
func Build(ctx context.Context, d runtime.Deps) (runtime.Service, error) { return New(ctx, d) }

// Routes mounts the dashboards and embeds.
func (s *Service) Routes(r *gin.Engine) { s.api.Routes(r) }

// Run consumes both streams until ctx is done.
func (s *Service) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, len(s.consumers))
	for i, c := range s.consumers {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = c.Run(ctx) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
