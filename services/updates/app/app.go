// Package app assembles the updates service, for its own binary and for the
// all-in-one process.
package app

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kept-ogp/kept/services/kit/outbox"
	"github.com/kept-ogp/kept/services/kit/runtime"
	"github.com/kept-ogp/kept/services/kit/stream"
	"github.com/kept-ogp/kept/services/updates/internal/api"
	"github.com/kept-ogp/kept/services/updates/internal/items"
	"github.com/kept-ogp/kept/services/updates/internal/plans"
	"github.com/kept-ogp/kept/services/updates/internal/progress"
)

// Name is the service name; its database defaults to kept_updates.
const Name = "updates"

// CommitmentsStream is the stream the item and plan models are built from.
const CommitmentsStream = "kept:commitments"

// PlansGroup is the consumer group on kept:commitments that keeps the plans'
// languages and months. It is apart from the "updates" group so that it
// starts at the beginning of the stream even where "updates" read the plan
// events before the service kept plans.
const PlansGroup = "updates-plans"

// Service is the running updates service.
type Service struct {
	api       *api.Handler
	relay     *outbox.Relay
	consumers []*stream.Consumer
	logger    *slog.Logger
}

// New builds the service on d.
func New(ctx context.Context, d runtime.Deps) (*Service, error) {
	its := items.New(d.DB)
	pls := plans.New(d.DB)
	ups := progress.NewStore(d.DB)
	if err := ups.EnsureIndexes(ctx); err != nil {
		return nil, err
	}
	if d.FerretDB {
		ups.UseIDOnlyFilters()
	}
	pub := stream.NewPublisher(d.Redis, progress.Stream, d.Config.StreamMaxLen)
	relay := outbox.NewRelay(ups.Collection(), pub, 0, d.Logger)
	h := &api.Handler{Items: its, Plans: pls, Updates: ups, Verifier: d.Tokens, Relay: relay, Logger: d.Logger,
		Now: time.Now, Zone: d.Config.TimeZone}
	consumer := func(group string, fn stream.Handler) *stream.Consumer {
		return stream.NewConsumer(d.Redis, stream.ConsumerConfig{
			Stream: CommitmentsStream, Group: group, Consumer: d.Config.ConsumerName,
			Metrics: d.StreamMetrics, Logger: d.Logger, TracerProvider: d.Tracing.Provider,
		}, fn)
	}
	cs := []*stream.Consumer{consumer(Name, its.Apply), consumer(PlansGroup, pls.Apply)}
	return &Service{api: h, relay: relay, consumers: cs, logger: d.Logger}, nil
}

// Build matches runtime.Builder.
func Build(ctx context.Context, d runtime.Deps) (runtime.Service, error) { return New(ctx, d) }

// Routes mounts the API.
func (s *Service) Routes(r *gin.Engine) { s.api.Routes(r) }

// Run consumes commitments events (items, and plans in their own group)
// and relays the outbox until ctx is done.
func (s *Service) Run(ctx context.Context) error {
	runs := []func(context.Context) error{s.relay.Run}
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
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
