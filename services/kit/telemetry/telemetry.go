// Package telemetry sets up OpenTelemetry tracing for a process. It returns the
// provider instead of installing globals, so several services can share one
// process (the all-in-one mode) and tests can inject an in-memory exporter.
package telemetry

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
)

// Tracing is a configured tracer provider and the W3C propagator.
type Tracing struct {
	Provider   *sdktrace.TracerProvider
	Propagator propagation.TextMapPropagator
}

// Options configure Setup. Exporter wins over OTLPEndpoint; with neither, spans
// are still created (so logs carry trace ids) but not exported.
type Options struct {
	Service      string
	OTLPEndpoint string
	Exporter     sdktrace.SpanExporter
	// Sync exports each span as it ends; tests use it with an in-memory exporter.
	Sync bool
}

// Setup builds the provider; call Shutdown on exit to flush spans.
func Setup(ctx context.Context, o Options) (*Tracing, error) {
	res := resource.NewWithAttributes(semconv.SchemaURL, semconv.ServiceName(o.Service))
	opts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	exp := o.Exporter
	if exp == nil && o.OTLPEndpoint != "" {
		// OTEL_EXPORTER_OTLP_ENDPOINT is the collector's base URL; the
		// specification appends the signal path (/v1/traces) to it, while
		// WithEndpointURL posts to the URL exactly as given.
		u, err := url.Parse(o.OTLPEndpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("telemetry: OTLP endpoint %q: want a URL such as http://otel-collector:4318", o.OTLPEndpoint)
		}
		u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/traces"
		e, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(u.String()))
		if err != nil {
			return nil, fmt.Errorf("telemetry: OTLP exporter for %s: %w", o.OTLPEndpoint, err)
		}
		exp = e
	}
	if exp != nil {
		if o.Sync {
			opts = append(opts, sdktrace.WithSyncer(exp))
		} else {
			opts = append(opts, sdktrace.WithBatcher(exp))
		}
	}
	return &Tracing{
		Provider:   sdktrace.NewTracerProvider(opts...),
		Propagator: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}),
	}, nil
}

// Shutdown flushes and stops the provider.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if err := t.Provider.Shutdown(ctx); err != nil {
		return fmt.Errorf("telemetry: shutdown: %w", err)
	}
	return nil
}
