package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
)

// Handler applies one event. It must be idempotent: an event is delivered
// at least once, and again after a failure or a consumer crash.
type Handler func(ctx context.Context, env *eventsv1.Envelope) error

// Defaults and limits of ConsumerConfig.
const (
	DefaultBlock               = time.Second
	MaxBlock                   = 2 * time.Second // keeps shutdown within ~2s
	DefaultCount               = 50
	DefaultMaxDeliveries       = 5
	DefaultClaimMinIdle        = 30 * time.Second
	DefaultClaimInterval       = 5 * time.Second
	DefaultConsumerIdleDelete  = time.Hour
	DefaultMaintenanceInterval = 5 * time.Second
	DeadLetterSuffix           = ":dead"
)

const (
	tracerName = "github.com/kept-ogp/kept/services/kit/stream"
	// opTimeout bounds acks and dead-letter writes, which run on a context
	// detached from Run's so that work finished during shutdown is recorded.
	opTimeout = 5 * time.Second
	// minBlock keeps BLOCK above 0, which Redis reads as "forever".
	minBlock = 10 * time.Millisecond
)

// ConsumerConfig configures a Consumer. Zero values mean the defaults.
type ConsumerConfig struct {
	Stream, Group, Consumer string // Consumer unique per process (pod name on Kubernetes)

	Block              time.Duration // XREADGROUP block per call; default 1s, capped at 2s
	Count              int64         // entries per read; default 50
	MaxDeliveries      int64         // deliveries before an entry is dead-lettered; default 5
	ClaimMinIdle       time.Duration // XAUTOCLAIM entries idle this long; default 30s
	ClaimInterval      time.Duration // how often to XAUTOCLAIM; default 5s
	DeadLetterStream   string        // default Stream+":dead"
	ConsumerIdleDelete time.Duration // delete other consumers idle this long with nothing pending; default 1h, <0 never
	Metrics            *Metrics      // may be nil
	Logger             *slog.Logger  // may be nil
	StartID            string        // where a new group starts; default "0" (whole stream)

	TracerProvider trace.TracerProvider          // nil: otel.GetTracerProvider()
	Propagator     propagation.TextMapPropagator // nil: propagation.TraceContext{}

	MaintenanceInterval time.Duration // gauges and idle-consumer deletion; default 5s
	DeadLetterMaxLen    int64         // approximate cap of the dead-letter stream; default DefaultMaxLen
}

func (cfg ConsumerConfig) withDefaults() ConsumerConfig {
	if cfg.Block <= 0 {
		cfg.Block = DefaultBlock
	}
	cfg.Block = min(cfg.Block, MaxBlock)
	if cfg.Count <= 0 {
		cfg.Count = DefaultCount
	}
	if cfg.MaxDeliveries <= 0 {
		cfg.MaxDeliveries = DefaultMaxDeliveries
	}
	if cfg.ClaimMinIdle <= 0 {
		cfg.ClaimMinIdle = DefaultClaimMinIdle
	}
	if cfg.ClaimInterval <= 0 {
		cfg.ClaimInterval = DefaultClaimInterval
	}
	if cfg.DeadLetterStream == "" {
		cfg.DeadLetterStream = cfg.Stream + DeadLetterSuffix
	}
	if cfg.ConsumerIdleDelete == 0 {
		cfg.ConsumerIdleDelete = DefaultConsumerIdleDelete
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.StartID == "" {
		cfg.StartID = "0"
	}
	if cfg.TracerProvider == nil {
		cfg.TracerProvider = otel.GetTracerProvider()
	}
	if cfg.Propagator == nil {
		cfg.Propagator = propagation.TraceContext{}
	}
	if cfg.MaintenanceInterval <= 0 {
		cfg.MaintenanceInterval = DefaultMaintenanceInterval
	}
	if cfg.DeadLetterMaxLen <= 0 {
		cfg.DeadLetterMaxLen = DefaultMaxLen
	}
	return cfg
}

// Consumer reads one stream as one member of a consumer group.
type Consumer struct {
	rdb    redis.UniversalClient
	cfg    ConsumerConfig
	h      Handler
	log    *slog.Logger
	tracer trace.Tracer
	// delConsumer deletes a consumer only while it has nothing pending.
	delConsumer *redis.Script
}

// NewConsumer returns a Consumer; nothing touches Redis until Run.
func NewConsumer(rdb redis.UniversalClient, cfg ConsumerConfig, h Handler) *Consumer {
	cfg = cfg.withDefaults()
	return &Consumer{
		rdb:         rdb,
		cfg:         cfg,
		h:           h,
		log:         cfg.Logger.With("stream", cfg.Stream, "group", cfg.Group, "consumer", cfg.Consumer),
		tracer:      cfg.TracerProvider.Tracer(tracerName),
		delConsumer: redis.NewScript(delConsumerScript),
	}
}

// Config returns the configuration in effect, defaults filled in.
func (c *Consumer) Config() ConsumerConfig { return c.cfg }

// run is the state of one Run call, owned by its goroutine.
type run struct {
	*Consumer
	// lastErr keeps the last handler error per entry id so that the
	// dead-letter entry can say why it failed.
	lastErr map[string]failure
}

type failure struct {
	text string
	at   time.Time
}

// Run creates the group if needed (MKSTREAM) and consumes until ctx is done.
// It first finishes this consumer's own pending entries (id "0"), then reads
// new ones (">"), reclaiming entries idle longer than ClaimMinIdle every
// ClaimInterval. Redis errors are logged and retried with backoff; Run
// returns nil once ctx is done, and an error only for a bad configuration or
// when Redis refuses to create the group.
func (c *Consumer) Run(ctx context.Context) error {
	if c.cfg.Stream == "" || c.cfg.Group == "" || c.cfg.Consumer == "" {
		return errors.New("stream: consumer needs Stream, Group and Consumer")
	}
	if c.h == nil {
		return errors.New("stream: consumer needs a Handler")
	}
	r := &run{Consumer: c, lastErr: make(map[string]failure)}
	if err := r.ensureGroup(ctx); err != nil || ctx.Err() != nil {
		return err
	}
	c.log.Info("stream consumer started")
	defer c.log.Info("stream consumer stopped")

	r.maintain(ctx)
	r.readOwnPending(ctx)

	nextClaim := time.Now()
	nextMaint := time.Now().Add(c.cfg.MaintenanceInterval)
	var bo backoff
	for ctx.Err() == nil {
		if !time.Now().Before(nextClaim) {
			r.claim(ctx)
			nextClaim = time.Now().Add(c.cfg.ClaimInterval)
		}
		if !time.Now().Before(nextMaint) {
			r.maintain(ctx)
			nextMaint = time.Now().Add(c.cfg.MaintenanceInterval)
		}
		block := max(min(c.cfg.Block, time.Until(nextClaim), time.Until(nextMaint)), minBlock)
		if err := r.readNew(ctx, block); err != nil {
			if ctx.Err() != nil {
				break
			}
			c.log.Warn("stream read failed", "err", err)
			r.recover(ctx, err)
			bo.wait(ctx)
			continue
		}
		bo.reset()
	}
	return nil
}

// ensureGroup creates the group, retrying while Redis is unreachable.
func (r *run) ensureGroup(ctx context.Context) error {
	var bo backoff
	for {
		err := r.rdb.XGroupCreateMkStream(ctx, r.cfg.Stream, r.cfg.Group, r.cfg.StartID).Err()
		if err == nil || strings.HasPrefix(err.Error(), "BUSYGROUP") {
			return nil
		}
		if ctx.Err() != nil {
			return nil
		}
		var rerr redis.Error
		if errors.As(err, &rerr) {
			return fmt.Errorf("stream: create group %s on %s: %w", r.cfg.Group, r.cfg.Stream, err)
		}
		r.log.Warn("stream: create group failed, retrying", "err", err)
		bo.wait(ctx)
	}
}

// recover re-creates the group when the stream or group was deleted under us.
func (r *run) recover(ctx context.Context, err error) {
	if strings.HasPrefix(err.Error(), "NOGROUP") {
		if gerr := r.ensureGroup(ctx); gerr != nil {
			r.log.Error("stream: re-create group failed", "err", gerr)
		}
	}
}

// backoff paces retries after Redis errors: 100ms doubling to 2s.
type backoff struct{ d time.Duration }

func (b *backoff) wait(ctx context.Context) {
	b.d = min(max(2*b.d, 100*time.Millisecond), 2*time.Second)
	t := time.NewTimer(b.d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (b *backoff) reset() { b.d = 0 }
