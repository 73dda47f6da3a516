package stream

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
)

func TestTraceContextFlowsToConsumer(t *testing.T) {
	t.Parallel()
	rdb := newClient(t)
	stream := key(t)
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })

	ctx, producer := tp.Tracer("test").Start(context.Background(), "upsert commitment")
	env := NewEnvelope(ctx, "commitments", "commitments.commitment.upserted", "c1", 1)
	if _, err := NewPublisher(rdb, stream, 0).Publish(ctx, env); err != nil {
		t.Fatal(err)
	}
	producer.End()
	if env.GetTraceContext()["traceparent"] == "" {
		t.Fatalf("no traceparent in %v", env.GetTraceContext())
	}

	got := make(chan trace.SpanContext, 1)
	cfg := fastConfig(stream, "projections", "c1")
	cfg.TracerProvider = tp
	runConsumer(t, NewConsumer(rdb, cfg, func(ctx context.Context, _ *eventsv1.Envelope) error {
		got <- trace.SpanContextFromContext(ctx)
		return nil
	}))

	var inHandler trace.SpanContext
	select {
	case inHandler = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("event not handled")
	}
	want := producer.SpanContext()
	if inHandler.TraceID() != want.TraceID() {
		t.Errorf("handler trace id %s, want the producer's %s", inHandler.TraceID(), want.TraceID())
	}

	var span tracetest.SpanStub
	waitFor(t, 5*time.Second, "consumer span exported", func() bool {
		for _, s := range exp.GetSpans() {
			if s.Name == "consume commitments.commitment.upserted" {
				span = s
				return true
			}
		}
		return false
	})
	if span.SpanContext.SpanID() != inHandler.SpanID() {
		t.Error("handler ctx does not carry the consumer span")
	}
	if span.SpanContext.TraceID() != want.TraceID() || span.Parent.SpanID() != want.SpanID() || !span.Parent.IsRemote() {
		t.Errorf("consumer span trace %s parent %s (remote %v), want trace %s parent %s (remote)",
			span.SpanContext.TraceID(), span.Parent.SpanID(), span.Parent.IsRemote(), want.TraceID(), want.SpanID())
	}
	if span.SpanKind != trace.SpanKindConsumer {
		t.Errorf("span kind %v, want consumer", span.SpanKind)
	}
	attrs := attribute.NewSet(span.Attributes...)
	for k, v := range map[string]string{
		"messaging.system":              "redis",
		"messaging.destination.name":    stream,
		"messaging.consumer.group.name": "projections",
	} {
		if got, _ := attrs.Value(attribute.Key(k)); got.AsString() != v {
			t.Errorf("attribute %s = %q, want %q", k, got.AsString(), v)
		}
	}
}
