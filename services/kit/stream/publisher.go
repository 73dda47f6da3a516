package stream

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
)

// Field names of a stream entry.
const (
	FieldEnvelope = "e" // protobuf-encoded Envelope
	FieldType     = "t" // event type, for humans reading with redis-cli
)

// DefaultMaxLen is the approximate stream length kept when none is given.
const DefaultMaxLen = 100000

// Publisher appends envelopes to one stream.
type Publisher struct {
	rdb    redis.UniversalClient
	stream string
	maxLen int64
}

// NewPublisher returns a Publisher that appends to stream and trims it to
// about maxLen entries (maxLen <= 0 means DefaultMaxLen). Trimming is
// approximate ("MAXLEN ~") because exact trimming costs Redis far more.
func NewPublisher(rdb redis.UniversalClient, stream string, maxLen int64) *Publisher {
	if maxLen <= 0 {
		maxLen = DefaultMaxLen
	}
	return &Publisher{rdb: rdb, stream: stream, maxLen: maxLen}
}

// Stream is the name of the stream p appends to.
func (p *Publisher) Stream() string { return p.stream }

// Publish appends env and returns the stream entry id.
func (p *Publisher) Publish(ctx context.Context, env *eventsv1.Envelope) (string, error) {
	if env == nil {
		return "", errors.New("stream: publish: nil envelope")
	}
	b, err := proto.Marshal(env)
	if err != nil {
		return "", fmt.Errorf("stream: publish %s to %s: encode envelope: %w", env.GetType(), p.stream, err)
	}
	id, err := p.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream: p.stream,
		MaxLen: p.maxLen,
		Approx: true,
		Values: []any{FieldEnvelope, b, FieldType, env.GetType()},
	}).Result()
	if err != nil {
		return "", fmt.Errorf("stream: publish %s to %s: %w", env.GetType(), p.stream, err)
	}
	return id, nil
}

// NewEnvelope returns an Envelope with a fresh ULID, the current time, the
// given producer, type and aggregate, and the W3C trace context of ctx, so
// that consumers continue the producer's trace.
func NewEnvelope(ctx context.Context, producer, typ, aggregateID string, version int64) *eventsv1.Envelope {
	return NewEnvelopeWith(ctx, propagation.TraceContext{}, producer, typ, aggregateID, version)
}

// NewEnvelopeWith is NewEnvelope with a chosen propagator (nil means W3C
// TraceContext), for processes that also propagate baggage or B3.
func NewEnvelopeWith(ctx context.Context, prop propagation.TextMapPropagator, producer, typ, aggregateID string, version int64) *eventsv1.Envelope {
	if prop == nil {
		prop = propagation.TraceContext{}
	}
	now := time.Now()
	env := &eventsv1.Envelope{
		Id:               ulid.MustNew(ulid.Timestamp(now), ulid.DefaultEntropy()).String(),
		Type:             typ,
		Time:             timestamppb.New(now),
		Producer:         producer,
		AggregateId:      aggregateID,
		AggregateVersion: version,
	}
	carrier := propagation.MapCarrier{}
	prop.Inject(ctx, carrier)
	if len(carrier) > 0 {
		env.TraceContext = carrier
	}
	return env
}
