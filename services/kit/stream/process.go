package stream

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
)

// process handles one entry delivered for the deliveries-th time.
func (r *run) process(ctx context.Context, m redis.XMessage, deliveries int64) {
	if len(m.Values) == 0 {
		r.ackDeleted(ctx, []string{m.ID})
		return
	}
	if deliveries > r.cfg.MaxDeliveries {
		// Delivered again after the last allowed try: a consumer died while
		// handling it (perhaps because of it), so stop here.
		r.deadLetter(ctx, m, deliveries, r.lastError(m.ID))
		return
	}
	env, err := decode(m)
	if err != nil {
		r.deadLetter(ctx, m, deliveries, err.Error()) // retrying cannot fix it
		return
	}
	err = r.handle(ctx, m.ID, env)
	if err == nil {
		r.ack(ctx, m.ID, env.GetType())
		return
	}
	if ctx.Err() != nil {
		// Shutting down: the handler was interrupted, not at fault.
		r.log.Info("stream: handler interrupted by shutdown, entry left pending", "id", m.ID, "type", env.GetType())
		return
	}
	r.lastErr[m.ID] = failure{text: err.Error(), at: time.Now()}
	if deliveries >= r.cfg.MaxDeliveries {
		r.deadLetter(ctx, m, deliveries, err.Error())
		return
	}
	r.cfg.Metrics.observeConsumed(r.cfg.Stream, r.cfg.Group, env.GetType(), OutcomeError)
	r.log.Warn("stream: handler failed, will retry", "id", m.ID, "type", env.GetType(),
		"deliveries", deliveries, "max_deliveries", r.cfg.MaxDeliveries, "err", err)
}

func decode(m redis.XMessage) (*eventsv1.Envelope, error) {
	raw, ok := m.Values[FieldEnvelope].(string)
	if !ok {
		return nil, fmt.Errorf("stream: entry %s has no %q field", m.ID, FieldEnvelope)
	}
	env := &eventsv1.Envelope{}
	if err := proto.Unmarshal([]byte(raw), env); err != nil {
		return nil, fmt.Errorf("stream: entry %s: decode envelope: %w", m.ID, err)
	}
	return env, nil
}

// handle runs the handler inside a consumer span that continues the
// producer's trace. A panic becomes an error so that a poison event ends in
// the dead-letter stream instead of crashing every service in the process.
func (r *run) handle(ctx context.Context, id string, env *eventsv1.Envelope) (err error) {
	ctx = r.cfg.Propagator.Extract(ctx, propagation.MapCarrier(env.GetTraceContext()))
	ctx, span := r.tracer.Start(ctx, "consume "+env.GetType(),
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			attribute.String("messaging.system", "redis"),
			attribute.String("messaging.destination.name", r.cfg.Stream),
			attribute.String("messaging.consumer.group.name", r.cfg.Group),
			attribute.String("messaging.operation.type", "process"),
			attribute.String("messaging.message.id", env.GetId()),
			attribute.String("messaging.redis.entry_id", id),
		))
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panic: %v", p)
		}
		r.cfg.Metrics.observeHandler(r.cfg.Stream, r.cfg.Group, time.Since(start))
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
	}()
	return r.h(ctx, env)
}

func (r *run) ack(ctx context.Context, id, typ string) {
	actx, cancel := detached(ctx)
	defer cancel()
	delete(r.lastErr, id)
	if err := r.rdb.XAck(actx, r.cfg.Stream, r.cfg.Group, id).Err(); err != nil {
		// The entry stays pending and is handled again after ClaimMinIdle.
		r.log.Error("stream: ack failed", "id", id, "type", typ, "err", err)
		return
	}
	r.cfg.Metrics.observeConsumed(r.cfg.Stream, r.cfg.Group, typ, OutcomeOK)
}

// ackDeleted acknowledges pending entries whose data is gone from the stream
// (XDEL or trimming): there is nothing left to handle or retry.
func (r *run) ackDeleted(ctx context.Context, ids []string) {
	if len(ids) == 0 {
		return
	}
	actx, cancel := detached(ctx)
	defer cancel()
	for _, id := range ids {
		delete(r.lastErr, id)
	}
	if err := r.rdb.XAck(actx, r.cfg.Stream, r.cfg.Group, ids...).Err(); err != nil {
		r.log.Error("stream: ack of deleted entries failed", "ids", ids, "err", err)
		return
	}
	r.cfg.Metrics.observeDeleted(r.cfg.Stream, r.cfg.Group, len(ids))
	r.log.Warn("stream: pending entries were deleted from the stream before being handled; acknowledged",
		"ids", ids, "count", len(ids))
}

func (r *run) lastError(id string) string {
	if f, ok := r.lastErr[id]; ok {
		return f.text
	}
	return "unknown: no handler error recorded by this consumer (an earlier consumer may have crashed while handling it)"
}

// detached returns a context that survives Run's cancellation for one
// bounded operation, so that finished work is still acknowledged.
func detached(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), opTimeout)
}
