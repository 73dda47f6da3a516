package telemetry

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
)

func TestSpansAreExportedWithTheServiceName(t *testing.T) {
	ctx := context.Background()
	exp := tracetest.NewInMemoryExporter()
	tr, err := Setup(ctx, Options{Service: "dashboards", Exporter: exp, Sync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Shutdown(ctx)
	_, span := tr.Provider.Tracer("test").Start(ctx, "rebuild")
	span.End()
	spans := exp.GetSpans()
	if len(spans) != 1 || spans[0].Name != "rebuild" {
		t.Fatalf("exported %v, want the one span (Sync exports as it ends)", spans)
	}
	var svc string
	for _, kv := range spans[0].Resource.Attributes() {
		if kv.Key == semconv.ServiceNameKey {
			svc = kv.Value.AsString()
		}
	}
	if svc != "dashboards" {
		t.Errorf("service.name = %q, want dashboards", svc)
	}
}

// keepingExporter records spans and, unlike tracetest's in-memory exporter,
// keeps them after Shutdown.
type keepingExporter struct {
	mu    sync.Mutex
	names []string
}

func (e *keepingExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, s := range spans {
		e.names = append(e.names, s.Name())
	}
	return nil
}

func (e *keepingExporter) Shutdown(context.Context) error { return nil }

// Spans batched for export are not lost when the process stops.
func TestShutdownFlushesBatchedSpans(t *testing.T) {
	ctx := context.Background()
	exp := &keepingExporter{}
	tr, err := Setup(ctx, Options{Service: "updates", Exporter: exp})
	if err != nil {
		t.Fatal(err)
	}
	_, span := tr.Provider.Tracer("test").Start(ctx, "agree")
	span.End()
	if err := tr.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	exp.mu.Lock()
	defer exp.mu.Unlock()
	if len(exp.names) != 1 || exp.names[0] != "agree" {
		t.Errorf("after Shutdown exported %v, want the batched span", exp.names)
	}
}

// Without an exporter, spans still get real ids so logs carry trace ids.
func TestWithoutExporterSpansStillHaveIDs(t *testing.T) {
	ctx := context.Background()
	tr, err := Setup(ctx, Options{Service: "updates"})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Shutdown(ctx)
	_, span := tr.Provider.Tracer("test").Start(ctx, "x")
	defer span.End()
	if sc := span.SpanContext(); !sc.IsValid() || !sc.IsSampled() {
		t.Errorf("span context %v, want valid and sampled", sc)
	}
}

func TestPropagatorCarriesTraceContextAndBaggage(t *testing.T) {
	ctx := context.Background()
	tr, err := Setup(ctx, Options{Service: "updates"})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Shutdown(ctx)
	ctx, span := tr.Provider.Tracer("test").Start(ctx, "request")
	defer span.End()
	m, err := baggage.NewMember("plan", "ca-nap6")
	if err != nil {
		t.Fatal(err)
	}
	b, err := baggage.New(m)
	if err != nil {
		t.Fatal(err)
	}
	ctx = baggage.ContextWithBaggage(ctx, b)
	carrier := propagation.MapCarrier{}
	tr.Propagator.Inject(ctx, carrier)
	if tp := carrier["traceparent"]; !strings.Contains(tp, span.SpanContext().TraceID().String()) {
		t.Errorf("traceparent %q lacks trace id %s", tp, span.SpanContext().TraceID())
	}
	if carrier["baggage"] != "plan=ca-nap6" {
		t.Errorf("baggage %q", carrier["baggage"])
	}
	back := tr.Propagator.Extract(context.Background(), carrier)
	if baggage.FromContext(back).Member("plan").Value() != "ca-nap6" {
		t.Error("baggage did not survive a round trip")
	}
}

// otlpReceiver is a stand-in OpenTelemetry collector: it records the paths
// that trace exports are POSTed to.
func otlpReceiver(t *testing.T) (*httptest.Server, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.Path)
		mu.Unlock()
		if r.URL.Path != "/v1/traces" && r.URL.Path != "/otel/v1/traces" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), paths...)
	}
}

// OTEL_EXPORTER_OTLP_ENDPOINT is the collector's base URL, as the
// OpenTelemetry specification defines it and the Helm chart documents it
// (http://otel-collector.observability:4318): traces go to <base>/v1/traces.
func TestOTLPEndpointIsTheCollectorBaseURL(t *testing.T) {
	for _, c := range []struct{ suffix, want string }{
		{"", "POST /v1/traces"},
		{"/", "POST /v1/traces"},
		{"/otel", "POST /otel/v1/traces"},
	} {
		srv, paths := otlpReceiver(t)
		ctx := context.Background()
		tr, err := Setup(ctx, Options{Service: "updates", OTLPEndpoint: srv.URL + c.suffix})
		if err != nil {
			t.Fatal(err)
		}
		_, span := tr.Provider.Tracer("test").Start(ctx, "agree")
		span.End()
		if err := tr.Shutdown(ctx); err != nil {
			t.Errorf("endpoint %q: shutdown: %v", srv.URL+c.suffix, err)
		}
		if got := paths(); len(got) == 0 || got[0] != c.want {
			t.Errorf("endpoint %q: collector saw %v, want %s", srv.URL+c.suffix, got, c.want)
		}
	}
}

func TestOTLPEndpointMustBeAURL(t *testing.T) {
	for _, bad := range []string{"otel-collector:4318", "://nope", "http://"} {
		if _, err := Setup(context.Background(), Options{Service: "x", OTLPEndpoint: bad}); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("Setup(OTLPEndpoint %q) = %v, want an error naming it", bad, err)
		}
	}
}
