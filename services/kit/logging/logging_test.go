package logging

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

func records(t *testing.T, b *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(b.String()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func one(t *testing.T, b *bytes.Buffer) map[string]any {
	t.Helper()
	rs := records(t, b)
	if len(rs) != 1 {
		t.Fatalf("want 1 log record, got %d: %s", len(rs), b)
	}
	return rs[0]
}

func TestLogLinesCarryTheSpanOfTheirContext(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	defer func() { _ = tp.Shutdown(context.Background()) }()
	ctx, span := tp.Tracer("test").Start(context.Background(), "request")
	defer span.End()
	sc := span.SpanContext()

	var b bytes.Buffer
	logger := New(&b, "info", "updates")
	logger.InfoContext(ctx, "update agreed", "update", "u-1")
	r := one(t, &b)
	if r["trace_id"] != sc.TraceID().String() || r["span_id"] != sc.SpanID().String() {
		t.Errorf("record %v, want trace_id %s span_id %s", r, sc.TraceID(), sc.SpanID())
	}
	if r["service"] != "updates" || r["msg"] != "update agreed" || r["update"] != "u-1" || r["level"] != "INFO" {
		t.Errorf("record %v", r)
	}

	// Loggers derived with With (as runtime.Deps does per service) keep it.
	b.Reset()
	logger.With("component", "commitments").WarnContext(ctx, "slow import")
	r = one(t, &b)
	if r["trace_id"] != sc.TraceID().String() || r["component"] != "commitments" || r["service"] != "updates" {
		t.Errorf("derived logger record %v", r)
	}

	// A child span gets its own span id in the same trace.
	cctx, child := tp.Tracer("test").Start(ctx, "child")
	b.Reset()
	logger.InfoContext(cctx, "in child")
	child.End()
	r = one(t, &b)
	if r["trace_id"] != sc.TraceID().String() || r["span_id"] != child.SpanContext().SpanID().String() {
		t.Errorf("child span record %v", r)
	}
}

func TestLogLinesWithoutASpanHaveNoTraceFields(t *testing.T) {
	var b bytes.Buffer
	logger := New(&b, "info", "dashboards")
	logger.InfoContext(context.Background(), "no span")
	logger.Info("no context")
	// A remote span context that is invalid (all zeros) is not logged either.
	logger.InfoContext(trace.ContextWithSpanContext(context.Background(), trace.SpanContext{}), "zero span")
	for _, r := range records(t, &b) {
		if _, ok := r["trace_id"]; ok {
			t.Errorf("record without a span has trace_id: %v", r)
		}
		if _, ok := r["span_id"]; ok {
			t.Errorf("record without a span has span_id: %v", r)
		}
		if r["service"] != "dashboards" {
			t.Errorf("record lacks the service: %v", r)
		}
	}
}

func TestLevelParsing(t *testing.T) {
	cases := []struct {
		level string
		want  []string // messages that appear, of debug/info/warn/error
	}{
		{"debug", []string{"d", "i", "w", "e"}},
		{"DEBUG", []string{"d", "i", "w", "e"}},
		{"info", []string{"i", "w", "e"}},
		{"warn", []string{"w", "e"}},
		{"Warn", []string{"w", "e"}},
		{"error", []string{"e"}},
		{"", []string{"i", "w", "e"}},        // unset: info
		{"verbose", []string{"i", "w", "e"}}, // unknown: info rather than silence
	}
	for _, c := range cases {
		var b bytes.Buffer
		l := New(&b, c.level, "x")
		l.Debug("d")
		l.Info("i")
		l.Warn("w")
		l.Error("e")
		var got []string
		for _, r := range records(t, &b) {
			got = append(got, r["msg"].(string))
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("level %q logged %v, want %v", c.level, got, c.want)
		}
	}
}
