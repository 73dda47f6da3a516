// Package runtime wires a kept process: configuration, logs, traces, MongoDB,
// Redis, metrics and the HTTP server, with graceful shutdown. The same wiring
// runs one service per process (Kubernetes) or all of them in one (kept run).
package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/kit/config"
	"github.com/kept-ogp/kept/services/kit/httpserver"
	"github.com/kept-ogp/kept/services/kit/logging"
	"github.com/kept-ogp/kept/services/kit/mongox"
	"github.com/kept-ogp/kept/services/kit/stream"
	"github.com/kept-ogp/kept/services/kit/telemetry"
)

// Deps is what a service is built from. DB is the service's own database.
type Deps struct {
	Config        config.Common
	Logger        *slog.Logger
	Mongo         *mongo.Client
	DB            *mongo.Database
	Redis         redis.UniversalClient
	Registry      *prometheus.Registry
	Tracing       *telemetry.Tracing
	Tokens        *auth.Store
	StreamMetrics *stream.Metrics
	// FerretDB is true when the store is FerretDB: its updates are a read then
	// a write, and filters other than {_id} read the whole collection, so
	// stores write by _id under the in-process lock (kit/keylock) instead.
	FerretDB bool
}

// Service is one kept service: its routes and its background work.
type Service interface {
	Routes(r *gin.Engine)
	// Run does background work (consumers, relays) until ctx is done.
	Run(ctx context.Context) error
}

// Builder constructs a service from its dependencies.
type Builder func(ctx context.Context, d Deps) (Service, error)

// Process holds the infrastructure shared by the services of one process.
type Process struct {
	Config   config.Common
	Logger   *slog.Logger
	Mongo    *mongo.Client
	Redis    redis.UniversalClient
	Registry *prometheus.Registry
	Tracing  *telemetry.Tracing
	Tokens   *auth.Store
	Stream   *stream.Metrics
	FerretDB bool
}

// Options override parts of the process set-up (tests inject an exporter).
type Options struct {
	SpanExporter telemetry.Options
}

// Open connects to MongoDB and Redis and sets up logs, metrics and traces.
func Open(ctx context.Context, cfg config.Common, opts Options) (*Process, error) {
	logger := logging.New(os.Stderr, cfg.LogLevel, cfg.Service)
	topts := opts.SpanExporter
	topts.Service, topts.OTLPEndpoint = cfg.Service, cfg.OTLPEndpoint
	tr, err := telemetry.Setup(ctx, topts)
	if err != nil {
		return nil, err
	}
	mc, err := mongox.Connect(ctx, cfg.MongoURI)
	if err != nil {
		return nil, err
	}
	rdb, addr, err := redisClient(cfg.RedisURL)
	if err != nil {
		_ = mc.Disconnect(ctx)
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = mc.Disconnect(ctx)
		_ = rdb.Close()
		return nil, fmt.Errorf("redis ping %s: %w", addr, err)
	}
	ferret, err := mongox.IsFerretDB(ctx, mc)
	if err != nil {
		_ = mc.Disconnect(ctx)
		_ = rdb.Close()
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	sm, err := stream.NewMetrics(reg)
	if err != nil {
		return nil, fmt.Errorf("stream metrics: %w", err)
	}
	return &Process{Config: cfg, Logger: logger, Mongo: mc, Redis: rdb, Registry: reg, Tracing: tr,
		Tokens: auth.NewStore(mc.Database(cfg.AuthDatabase)), Stream: sm, FerretDB: ferret}, nil
}

// redisClient opens a standalone client, or a Sentinel failover client when
// the URL names a master ("redis://sentinel-1:26379?master_name=mymaster&addr=sentinel-2:26379").
func redisClient(url string) (redis.UniversalClient, string, error) {
	if strings.Contains(url, "master_name=") {
		fo, err := redis.ParseFailoverURL(url)
		if err != nil {
			return nil, "", err
		}
		return redis.NewFailoverClient(fo), "sentinel " + strings.Join(fo.SentinelAddrs, ","), nil
	}
	o, err := redis.ParseURL(url)
	if err != nil {
		return nil, "", err
	}
	return redis.NewClient(o), o.Addr, nil
}

// Deps returns the dependencies of the named service, with its own database.
func (p *Process) Deps(service, database string) Deps {
	cfg := p.Config
	cfg.Service = service
	cfg.MongoDatabase = database
	return Deps{Config: cfg, Logger: p.Logger.With("component", service), Mongo: p.Mongo,
		DB: p.Mongo.Database(database), Redis: p.Redis, Registry: p.Registry, Tracing: p.Tracing,
		Tokens: p.Tokens, StreamMetrics: p.Stream, FerretDB: p.FerretDB}
}

// Engine builds the HTTP engine with readiness checks on MongoDB and Redis.
func (p *Process) Engine() (*gin.Engine, error) {
	return httpserver.New(httpserver.Options{
		Service: p.Config.Service, Logger: p.Logger, Registry: p.Registry,
		Tracer: p.Tracing.Provider, Propagator: p.Tracing.Propagator,
		TrustedProxies: config.List(nil, "TRUSTED_PROXIES"),
		NoMetricsRoute: p.Config.MetricsAddr != "",
		Checks: []httpserver.Check{
			{Name: "mongodb", Fn: mongox.Ping(p.Mongo)},
			{Name: "redis", Fn: func(ctx context.Context) error { return p.Redis.Ping(ctx).Err() }},
		},
	})
}

// Serve mounts every service, runs their background work and the HTTP server
// until ctx is done, then shuts everything down within the configured bound.
func (p *Process) Serve(ctx context.Context, services ...Service) error {
	engine, err := p.Engine()
	if err != nil {
		return err
	}
	for _, s := range services {
		s.Routes(engine)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, len(services)+2)
	for _, s := range services {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Run(ctx); err != nil {
				errc <- err
				cancel()
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := httpserver.Run(ctx, p.Config.HTTPAddr, engine, p.Config.ShutdownTimeout, p.Logger); err != nil {
			errc <- err
			cancel()
		}
	}()
	if p.Config.MetricsAddr != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			logger := p.Logger.With("listener", "metrics")
			if err := httpserver.Run(ctx, p.Config.MetricsAddr, httpserver.MetricsHandler(p.Registry), p.Config.ShutdownTimeout, logger); err != nil {
				errc <- fmt.Errorf("metrics: %w", err)
				cancel()
			}
		}()
	}
	wg.Wait()
	close(errc)
	var errs []error
	for err := range errc {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Close releases connections and flushes traces.
func (p *Process) Close(ctx context.Context) {
	if err := p.Tracing.Shutdown(ctx); err != nil {
		p.Logger.Warn("trace flush failed", "error", err)
	}
	_ = p.Redis.Close()
	_ = p.Mongo.Disconnect(ctx)
}

// Main runs a single service as its own process; cmd/<name>/main.go calls it.
func Main(service string, build Builder) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, service, build); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", service, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, service string, build Builder) error {
	cfg, err := config.Load(service, nil)
	if err != nil {
		return err
	}
	p, err := Open(ctx, cfg, Options{})
	if err != nil {
		return err
	}
	defer p.Close(context.WithoutCancel(ctx))
	s, err := build(ctx, p.Deps(service, cfg.MongoDatabase))
	if err != nil {
		return fmt.Errorf("build %s: %w", service, err)
	}
	p.Logger.Info("starting") // the logger already carries the service field
	return p.Serve(ctx, s)
}
