package httpserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/kept-ogp/kept/services/kit/logging"
)

// logBuffer collects log output written from server goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// lines returns the JSON log records with message msg.
func (l *logBuffer) lines(t testing.TB, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(l.String()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

type harness struct {
	engine *gin.Engine
	url    string
	logs   *logBuffer
	spans  *tracetest.SpanRecorder
}

// newHarness serves New's engine on a real loopback HTTP server; extra
// mounts the test's own routes.
func newHarness(t *testing.T, checks []Check, extra func(r *gin.Engine)) *harness {
	t.Helper()
	logs := &logBuffer{}
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	r, err := New(Options{
		Service:    "updates",
		Logger:     logging.New(logs, "info", "updates"),
		Registry:   prometheus.NewRegistry(),
		Tracer:     tp,
		Propagator: propagation.TraceContext{},
		Checks:     checks,
	})
	if err != nil {
		t.Fatal(err)
	}
	if extra != nil {
		extra(r)
	}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return &harness{engine: r, url: srv.URL, logs: logs, spans: spans}
}

func (h *harness) get(t testing.TB, path string, hdr ...string) (*http.Response, string) {
	t.Helper()
	return h.do(t, http.MethodGet, path, hdr...)
}

func (h *harness) do(t testing.TB, method, path string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, h.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func decode(t testing.TB, body string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("body %q is not JSON: %v", body, err)
	}
	return m
}

func errorBody(t testing.TB, body string) (code, message string) {
	t.Helper()
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Code == "" {
		t.Fatalf("body %q is not the JSON error shape", body)
	}
	return e.Error.Code, e.Error.Message
}

func TestHealthz(t *testing.T) {
	h := newHarness(t, []Check{{Name: "mongodb", Fn: func(context.Context) error { return errors.New("down") }}}, nil)
	resp, body := h.get(t, "/healthz")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz = %d, want 200 (liveness must not depend on dependencies)", resp.StatusCode)
	}
	if decode(t, body)["status"] != "ok" {
		t.Errorf("/healthz body %s", body)
	}
}

func TestReadyz(t *testing.T) {
	ok := func(context.Context) error { return nil }
	t.Run("all checks pass", func(t *testing.T) {
		h := newHarness(t, []Check{{Name: "mongodb", Fn: ok}, {Name: "redis", Fn: ok}}, nil)
		resp, body := h.get(t, "/readyz")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/readyz = %d %s, want 200", resp.StatusCode, body)
		}
		m := decode(t, body)
		checks, _ := m["checks"].(map[string]any)
		if m["ready"] != true || checks["mongodb"] != "ok" || checks["redis"] != "ok" {
			t.Errorf("/readyz body %s", body)
		}
	})
	t.Run("one check fails", func(t *testing.T) {
		var calls int
		var mu sync.Mutex
		fail := func(context.Context) error {
			mu.Lock()
			calls++
			mu.Unlock()
			return errors.New("dial tcp 10.1.2.3:6379: connect: connection refused")
		}
		h := newHarness(t, []Check{{Name: "mongodb", Fn: ok}, {Name: "redis", Fn: fail}}, nil)
		resp, body := h.get(t, "/readyz")
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("/readyz = %d, want 503", resp.StatusCode)
		}
		m := decode(t, body)
		checks, _ := m["checks"].(map[string]any)
		if m["ready"] != false || checks["redis"] != "unavailable" || checks["mongodb"] != "ok" {
			t.Errorf("/readyz body %s, want redis named unavailable and mongodb ok", body)
		}
		if strings.Contains(body, "10.1.2.3") || strings.Contains(body, "refused") {
			t.Errorf("/readyz leaks the internal error: %s", body)
		}
		// Each probe checks again: readiness recovers without a restart.
		_, _ = h.get(t, "/readyz")
		mu.Lock()
		defer mu.Unlock()
		if calls != 2 {
			t.Errorf("check ran %d times for 2 probes", calls)
		}
	})
	t.Run("a hung dependency times out", func(t *testing.T) {
		t.Parallel()
		hang := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
		h := newHarness(t, []Check{{Name: "mongodb", Fn: hang}, {Name: "redis", Fn: ok}}, nil)
		resp, body := h.get(t, "/readyz")
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("/readyz = %d, want 503", resp.StatusCode)
		}
		if checks, _ := decode(t, body)["checks"].(map[string]any); checks["mongodb"] != "unavailable" {
			t.Errorf("/readyz body %s, want mongodb unavailable", body)
		}
	})
	t.Run("no checks", func(t *testing.T) {
		h := newHarness(t, nil, nil)
		if resp, body := h.get(t, "/readyz"); resp.StatusCode != http.StatusOK || decode(t, body)["ready"] != true {
			t.Errorf("/readyz with no checks = %d %s", resp.StatusCode, body)
		}
	})
}

func TestMetricsUseRouteTemplates(t *testing.T) {
	h := newHarness(t, nil, func(r *gin.Engine) {
		r.GET("/api/v1/plans/:plan", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"id": c.Param("plan")}) })
	})
	for range 2 {
		if resp, _ := h.get(t, "/api/v1/plans/ca-nap6"); resp.StatusCode != http.StatusOK {
			t.Fatalf("route = %d", resp.StatusCode)
		}
	}
	_, _ = h.get(t, "/api/v1/plans/us-nap5")
	_, _ = h.get(t, "/no/such/route/jane.doe@example.org")
	resp, body := h.get(t, "/metrics")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics = %d", resp.StatusCode)
	}
	for _, want := range []string{
		`kept_http_requests_total{code="200",method="GET",route="/api/v1/plans/:plan",service="updates"} 3`,
		`kept_http_requests_total{code="404",method="GET",route="unmatched",service="updates"} 1`,
		`kept_http_request_duration_seconds_count{method="GET",route="/api/v1/plans/:plan",service="updates"} 3`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, leak := range []string{"ca-nap6", "us-nap5", "jane.doe", "/no/such"} {
		if strings.Contains(body, leak) {
			t.Errorf("/metrics contains the raw path part %q (unbounded label values)", leak)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t, nil, func(r *gin.Engine) {
		r.GET("/api/v1/things", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{}) })
	})
	for _, path := range []string{"/api/v1/things", "/healthz", "/no-such-route"} {
		resp, _ := h.get(t, path)
		for k, want := range map[string]string{
			"X-Frame-Options":        "DENY",
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "strict-origin-when-cross-origin",
		} {
			if got := resp.Header.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", path, k, got, want)
			}
		}
		if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("%s over plain HTTP sent HSTS %q", path, got)
		}
		resp, _ = h.get(t, path, "X-Forwarded-Proto", "http")
		if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("%s with X-Forwarded-Proto http sent HSTS %q", path, got)
		}
		resp, _ = h.get(t, path, "X-Forwarded-Proto", "https")
		if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=31536000; includeSubDomains" {
			t.Errorf("%s behind a TLS proxy: HSTS = %q", path, got)
		}
	}
}

func TestNotFoundAndMethodNotAllowedAreJSON(t *testing.T) {
	h := newHarness(t, nil, nil)
	resp, body := h.get(t, "/api/v1/nothing-here")
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d, want 404", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("404 Content-Type %q", ct)
	}
	if code, msg := errorBody(t, body); code != "not_found" || msg != "no such route" {
		t.Errorf("404 body %s", body)
	}
	resp, body = h.do(t, http.MethodPost, "/healthz")
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST /healthz = %d, want 405", resp.StatusCode)
	}
	if code, _ := errorBody(t, body); code != "method_not_allowed" {
		t.Errorf("405 body %s", body)
	}
}

func TestErrorShape(t *testing.T) {
	h := newHarness(t, nil, func(r *gin.Engine) {
		r.GET("/plain", func(c *gin.Context) { Error(c, http.StatusConflict, "conflict", "try again") })
		r.GET("/details", func(c *gin.Context) {
			Error(c, http.StatusUnprocessableEntity, "invalid_update", "2 problems", []string{"a", "b"})
		})
	})
	resp, body := h.get(t, "/plain")
	if resp.StatusCode != http.StatusConflict || body != `{"error":{"code":"conflict","message":"try again"}}` {
		t.Errorf("/plain = %d %s", resp.StatusCode, body)
	}
	resp, body = h.get(t, "/details")
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("/details = %d", resp.StatusCode)
	}
	m := decode(t, body)
	e, _ := m["error"].(map[string]any)
	if d, _ := e["details"].([]any); len(d) != 2 || e["code"] != "invalid_update" {
		t.Errorf("/details body %s", body)
	}
}

func TestPanicYields500AndServerKeepsServing(t *testing.T) {
	h := newHarness(t, nil, func(r *gin.Engine) {
		r.GET("/api/v1/boom/:id", func(c *gin.Context) { panic("nil map write for user jane.doe@example.org") })
	})
	for range 2 {
		resp, body := h.get(t, "/api/v1/boom/42")
		if resp.StatusCode != http.StatusInternalServerError {
			t.Fatalf("panicking handler = %d, want 500", resp.StatusCode)
		}
		if code, msg := errorBody(t, body); code != "internal" || msg != "internal error" {
			t.Errorf("500 body %s", body)
		}
		if strings.Contains(body, "jane.doe") || strings.Contains(body, "nil map") {
			t.Errorf("500 body leaks the panic: %s", body)
		}
		if resp.Header.Get("X-Frame-Options") != "DENY" {
			t.Error("500 response lacks security headers")
		}
	}
	if resp, _ := h.get(t, "/healthz"); resp.StatusCode != http.StatusOK {
		t.Fatalf("after a panic /healthz = %d", resp.StatusCode)
	}

	// Operators see the panic: logged with its route, counted as a 500, and
	// access-logged like any other request.
	panics := h.logs.lines(t, "panic in handler")
	if len(panics) != 2 || panics[0]["route"] != "/api/v1/boom/:id" || panics[0]["level"] != "ERROR" {
		t.Errorf("panic log records = %v", panics)
	}
	if len(panics) > 0 && panics[0]["trace_id"] == nil {
		t.Errorf("panic log lacks the request's trace_id: %v", panics[0])
	}
	_, metrics := h.get(t, "/metrics")
	if want := `kept_http_requests_total{code="500",method="GET",route="/api/v1/boom/:id",service="updates"} 2`; !strings.Contains(metrics, want) {
		t.Errorf("/metrics lacks %s; panics are invisible to error-rate alerts", want)
	}
	var logged int
	for _, l := range h.logs.lines(t, "http request") {
		if l["route"] == "/api/v1/boom/:id" && l["status"] == float64(500) {
			logged++
		}
	}
	if logged != 2 {
		t.Errorf("access log has %d 500 records for the panicking route, want 2", logged)
	}
	var errSpans int
	for _, s := range h.spans.Ended() {
		if s.Name() == "GET /api/v1/boom/:id" && s.Status().Code == codes.Error {
			errSpans++
		}
	}
	if errSpans != 2 {
		t.Errorf("%d error spans for the panicking route, want 2", errSpans)
	}
}

func TestAccessLogHasNoPersonalData(t *testing.T) {
	h := newHarness(t, nil, func(r *gin.Engine) {
		r.GET("/x/:who", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{}) })
	})
	resp, _ := h.get(t, "/x/secret@example.org?email=a@b.c&token=kept_abc")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	_, _ = h.get(t, "/missing/bob@example.org?email=c@d.e")
	_, _ = h.get(t, "/healthz")
	_, _ = h.get(t, "/readyz")
	_, _ = h.get(t, "/metrics")

	out := h.logs.String()
	for _, leak := range []string{"secret@example.org", "a@b.c", "email=", "kept_abc", "bob@example.org", "c@d.e", "/missing"} {
		if strings.Contains(out, leak) {
			t.Errorf("access log contains %q:\n%s", leak, out)
		}
	}
	recs := h.logs.lines(t, "http request")
	if len(recs) != 2 {
		t.Fatalf("want 2 access log records (probes and /metrics are not logged), got %d:\n%s", len(recs), out)
	}
	r := recs[0]
	if r["route"] != "/x/:who" || r["status"] != float64(200) || r["method"] != "GET" || r["service"] != "updates" || r["level"] != "INFO" {
		t.Errorf("access log record %v", r)
	}
	if _, ok := r["duration"]; !ok {
		t.Errorf("access log record lacks a duration: %v", r)
	}
	if recs[1]["status"] != float64(404) {
		t.Errorf("unmatched request record %v", recs[1])
	}
}

func TestTracingContinuesTheCallersTrace(t *testing.T) {
	var handlerSpan trace.SpanContext
	var mu sync.Mutex
	h := newHarness(t, nil, func(r *gin.Engine) {
		r.GET("/api/v1/updates/:id", func(c *gin.Context) {
			mu.Lock()
			handlerSpan = trace.SpanContextFromContext(c.Request.Context())
			mu.Unlock()
			c.JSON(http.StatusOK, gin.H{})
		})
	})
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	const parent = "00f067aa0ba902b7"
	resp, _ := h.get(t, "/api/v1/updates/u-123", "traceparent", "00-"+traceID+"-"+parent+"-01")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	mu.Lock()
	got := handlerSpan
	mu.Unlock()
	if got.TraceID().String() != traceID {
		t.Errorf("handler context trace %s, want the caller's %s", got.TraceID(), traceID)
	}
	var span sdktrace.ReadOnlySpan
	for _, s := range h.spans.Ended() {
		if s.SpanContext().SpanID() == got.SpanID() {
			span = s
		}
	}
	if span == nil {
		t.Fatal("no ended span for the request")
	}
	if span.Name() != "GET /api/v1/updates/:id" || span.Parent().SpanID().String() != parent || span.SpanKind() != trace.SpanKindServer {
		t.Errorf("span %q kind %v parent %s", span.Name(), span.SpanKind(), span.Parent().SpanID())
	}
	attrs := map[string]string{}
	for _, a := range span.Attributes() {
		attrs[string(a.Key)] = a.Value.String()
	}
	if attrs["http.route"] != "/api/v1/updates/:id" || attrs["http.response.status_code"] != "200" || attrs["http.request.method"] != "GET" {
		t.Errorf("span attributes %v", attrs)
	}
	for k, v := range attrs {
		if strings.Contains(v, "u-123") {
			t.Errorf("span attribute %s carries the raw path: %s", k, v)
		}
	}
	// The access log line joins up with the trace.
	recs := h.logs.lines(t, "http request")
	if len(recs) != 1 || recs[0]["trace_id"] != traceID || recs[0]["span_id"] != got.SpanID().String() {
		t.Errorf("access log %v, want trace_id %s and the server span id", recs, traceID)
	}
}

func TestNewRefusesASecondEngineOnTheSameRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	o := Options{Service: "x", Logger: logging.New(io.Discard, "info", "x"), Registry: reg,
		Tracer: sdktrace.NewTracerProvider(), Propagator: propagation.TraceContext{}}
	if _, err := New(o); err != nil {
		t.Fatal(err)
	}
	if _, err := New(o); err == nil || !strings.Contains(err.Error(), "register http metrics") {
		t.Errorf("second New on one registry = %v, want a registration error", err)
	}
}

// serve runs Serve on a loopback listener and returns its address and result.
func serve(t *testing.T, ctx context.Context, h http.Handler, timeout time.Duration, logs io.Writer) (addr string, done <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan error, 1)
	go func() { ch <- Serve(ctx, ln, h, timeout, logging.New(logs, "info", "test")) }()
	return ln.Addr().String(), ch
}

func TestServeDrainsInFlightRequestsOnCancel(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		if r.Context().Err() != nil {
			http.Error(w, "request context cancelled by shutdown", http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, "finished")
	})
	mux.HandleFunc("/fast", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &logBuffer{}
	addr, done := serve(t, ctx, mux, 10*time.Second, logs)

	waitUntil(t, "the server to accept connections", func() bool {
		resp, err := http.Get("http://" + addr + "/fast")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if !strings.Contains(logs.String(), addr) {
		t.Errorf("startup log does not name the address %s: %s", addr, logs)
	}

	type result struct {
		code int
		body string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := c.Get("http://" + addr + "/slow")
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		res <- result{code: resp.StatusCode, body: string(b), err: err}
	}()
	<-started
	cancel()

	// The listener closes promptly: new connections are refused while the
	// in-flight request is still running.
	waitUntil(t, "the listener to close", func() bool {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return true
		}
		c.Close()
		return false
	})
	select {
	case err := <-done:
		t.Fatalf("Serve returned (%v) while a request was in flight", err)
	default:
	}
	close(release)
	select {
	case r := <-res:
		if r.err != nil || r.code != http.StatusOK || r.body != "finished" {
			t.Errorf("in-flight request got %d %q %v, want 200 finished", r.code, r.body, r.err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("in-flight request never completed")
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve = %v, want nil after a clean drain", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the drain")
	}
}

func TestServeGivesUpAfterTheShutdownTimeout(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	defer close(release)
	mux := http.NewServeMux()
	mux.HandleFunc("/stuck", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done := serve(t, ctx, mux, 100*time.Millisecond, io.Discard)
	waitUntil(t, "the server to accept connections", func() bool {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
	go func() {
		resp, err := http.Get("http://" + addr + "/stuck")
		if err == nil {
			resp.Body.Close()
		}
	}()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("request never reached the handler")
	}
	cancel()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "http shutdown") {
			t.Errorf("Serve = %v, want an http shutdown error once the bound passes", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve ignored its shutdown timeout")
	}
}

func TestRunReportsABadAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = Run(context.Background(), ln.Addr().String(), http.NotFoundHandler(), time.Second, logging.New(io.Discard, "info", "x"))
	if err == nil || !strings.Contains(err.Error(), "listen "+ln.Addr().String()) {
		t.Errorf("Run on a taken port = %v, want a listen error naming the address", err)
	}
}

func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Errorf("timed out waiting for %s", what)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Without trusted proxies a client cannot pick its own address with
// X-Forwarded-For (per-address rate limits rely on it); with the ingress
// listed, the forwarded address is used.
func TestClientAddressTrustsOnlyListedProxies(t *testing.T) {
	for _, tc := range []struct {
		trusted []string
		want    string
	}{{nil, "192.0.2.1"}, {[]string{"192.0.2.0/24"}, "203.0.113.9"}} {
		eng, err := New(Options{Service: "t", Logger: logging.New(io.Discard, "error", "t"), Registry: prometheus.NewRegistry(),
			Tracer: sdktrace.NewTracerProvider(), Propagator: propagation.TraceContext{}, TrustedProxies: tc.trusted})
		if err != nil {
			t.Fatal(err)
		}
		eng.GET("/ip", func(c *gin.Context) { c.String(200, c.ClientIP()) })
		req := httptest.NewRequest("GET", "/ip", nil)
		req.RemoteAddr = "192.0.2.1:1234"
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		w := httptest.NewRecorder()
		eng.ServeHTTP(w, req)
		if w.Body.String() != tc.want {
			t.Errorf("trusted %v: client %q, want %q", tc.trusted, w.Body.String(), tc.want)
		}
	}
}
