package runtime

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/kept-ogp/kept/services/devenv/ferret"
	"github.com/kept-ogp/kept/services/devenv/redisserver"
	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/kit/config"
	"github.com/kept-ogp/kept/services/kit/logging"
	"github.com/kept-ogp/kept/services/kit/telemetry"
)

// One FerretDB and one Redis for the package; tests that break a server start
// their own.
var (
	mongoURI string
	redisURL string
)

func TestMain(m *testing.M) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "kept-runtime-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fs, err := ferret.Start(ctx, ferret.Options{Dir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, "runtime tests need FerretDB:", err)
		os.Exit(1)
	}
	rs, err := redisserver.Start(ctx, true)
	if err != nil {
		fs.Stop()
		fmt.Fprintln(os.Stderr, "runtime tests need Redis:", err)
		os.Exit(1)
	}
	mongoURI, redisURL = fs.URI(), rs.URL
	code := m.Run()
	rs.Stop()
	fs.Stop()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// logBuffer collects log output from server goroutines.
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

// listenAddr returns the address from the "http server listening" record.
func (l *logBuffer) listenAddr() string { return l.listenAddrOf("") }

// listenAddrOf is the address of the listener logged with listener=name
// ("" for the main one).
func (l *logBuffer) listenAddrOf(name string) string {
	sc := bufio.NewScanner(strings.NewReader(l.String()))
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) != nil || m["msg"] != "http server listening" {
			continue
		}
		if l, _ := m["listener"].(string); l == name {
			s, _ := m["addr"].(string)
			return s
		}
	}
	return ""
}

var seq atomic.Int64

// unique returns a database name no other test (or -count run) of this
// process uses on the shared server.
func unique(prefix string) string { return fmt.Sprintf("%s_t%d", prefix, seq.Add(1)) }

// load builds the configuration the way a pod gets it: from environment
// variables, here a map.
func load(t *testing.T, service string, vars map[string]string) config.Common {
	t.Helper()
	base := map[string]string{
		"MONGODB_URI":      mongoURI,
		"REDIS_URL":        redisURL,
		"HTTP_ADDR":        "127.0.0.1:0",
		"SHUTDOWN_TIMEOUT": "5s",
		"AUTH_DATABASE":    unique("kept_auth"),
	}
	for k, v := range vars {
		base[k] = v
	}
	cfg, err := config.Load(service, func(k string) string { return base[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// open opens a process whose logs go to the returned buffer.
func open(t *testing.T, cfg config.Common, opts Options) (*Process, *logBuffer) {
	t.Helper()
	p, err := Open(context.Background(), cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	logs := &logBuffer{}
	p.Logger = logging.New(logs, "info", cfg.Service)
	return p, logs
}

// hello is a trivial service: one route and background work that runs until
// cancelled.
type hello struct {
	started chan struct{}
	stopped chan struct{}
	fail    error  // returned from Run right after starting, when set
	path    string // route; "/api/v1/hello/:name" when empty
}

func newHello() *hello { return &hello{started: make(chan struct{}), stopped: make(chan struct{})} }

func (h *hello) Routes(r *gin.Engine) {
	path := h.path
	if path == "" {
		path = "/api/v1/hello/:name"
	}
	r.GET(path, func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"hello": c.Param("name")})
	})
}

func (h *hello) Run(ctx context.Context) error {
	close(h.started)
	defer close(h.stopped)
	if h.fail != nil {
		return h.fail
	}
	<-ctx.Done()
	return nil
}

type serving struct {
	addr   string
	cancel context.CancelFunc
	done   chan error
}

// serve runs p.Serve and waits until it listens.
func serve(t *testing.T, p *Process, logs *logBuffer, services ...Service) *serving {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &serving{cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- p.Serve(ctx, services...) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return after cancel")
		}
	})
	waitFor(t, "the server to listen", func() bool {
		s.addr = logs.listenAddr()
		return s.addr != ""
	})
	return s
}

func (s *serving) stop(t *testing.T) error {
	t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		s.done <- err
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return within 10s of cancel")
		return nil
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func wait(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func TestOpenConnectsToMongoDBAndRedis(t *testing.T) {
	ctx := context.Background()
	cfg := load(t, "updates", nil)
	p, _ := open(t, cfg, Options{})
	if err := p.Mongo.Ping(ctx, nil); err != nil {
		t.Errorf("MongoDB: %v", err)
	}
	if err := p.Redis.Ping(ctx).Err(); err != nil {
		t.Errorf("Redis: %v", err)
	}
	// Tokens live in AUTH_DATABASE, shared by every service.
	_, secret, err := p.Tokens.Create(ctx, "ops", "test", []auth.Role{{Kind: auth.KindAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Tokens.Verify(ctx, secret); err != nil {
		t.Fatal(err)
	}
	n, err := p.Mongo.Database(cfg.AuthDatabase).Collection("tokens").CountDocuments(ctx, bson.M{})
	if err != nil || n != 1 {
		t.Errorf("tokens in %s: %d, %v; want 1", cfg.AuthDatabase, n, err)
	}
	// Process metrics are registered for /metrics.
	mfs, err := p.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, mf := range mfs {
		names[mf.GetName()] = true
	}
	for _, want := range []string{"go_goroutines", "process_start_time_seconds"} {
		if !names[want] {
			t.Errorf("registry lacks %s", want)
		}
	}
}

func TestDepsGiveEachServiceItsOwnDatabase(t *testing.T) {
	ctx := context.Background()
	p, logs := open(t, load(t, "kept", nil), Options{})
	com := p.Deps("commitments", unique("kept_commitments"))
	upd := p.Deps("updates", unique("kept_updates"))
	if com.DB.Name() == upd.DB.Name() {
		t.Fatalf("both services got database %s", com.DB.Name())
	}
	if com.Config.Service != "commitments" || com.Config.MongoDatabase != com.DB.Name() ||
		upd.Config.Service != "updates" || upd.Config.MongoDatabase != upd.DB.Name() {
		t.Errorf("Deps config: commitments %s/%s, updates %s/%s",
			com.Config.Service, com.Config.MongoDatabase, upd.Config.Service, upd.Config.MongoDatabase)
	}
	if p.Config.Service != "kept" {
		t.Errorf("Deps changed the process config: %s", p.Config.Service)
	}
	if _, err := com.DB.Collection("plans").InsertOne(ctx, bson.M{"_id": "ca-nap6"}); err != nil {
		t.Fatal(err)
	}
	if n, err := upd.DB.Collection("plans").CountDocuments(ctx, bson.M{}); err != nil || n != 0 {
		t.Errorf("updates sees %d of commitments' documents (%v)", n, err)
	}
	if n, err := p.Mongo.Database(com.DB.Name()).Collection("plans").CountDocuments(ctx, bson.M{}); err != nil || n != 1 {
		t.Errorf("document not in %s: %d %v", com.DB.Name(), n, err)
	}
	// The infrastructure itself is shared.
	if com.Redis != upd.Redis || com.Tokens != upd.Tokens || com.Registry != upd.Registry || com.StreamMetrics != upd.StreamMetrics || com.StreamMetrics == nil {
		t.Error("services of one process must share Redis, tokens, registry and stream metrics")
	}
	// Each service's logs say which service wrote them.
	com.Logger.Info("from commitments")
	if out := logs.String(); !strings.Contains(out, `"component":"commitments"`) {
		t.Errorf("service logger does not name its component: %s", out)
	}
}

func TestServeRunsServicesAndStopsOnCancel(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	p, logs := open(t, load(t, "updates", nil), Options{SpanExporter: telemetry.Options{Exporter: exp, Sync: true}})
	svc := newHello()
	s := serve(t, p, logs, svc)
	wait(t, svc.started, "the service's background work to start")
	base := "http://" + s.addr

	code, body := get(t, base+"/api/v1/hello/ottawa")
	if code != http.StatusOK || !strings.Contains(body, `"hello":"ottawa"`) {
		t.Fatalf("service route = %d %s", code, body)
	}
	code, body = get(t, base+"/readyz")
	if code != http.StatusOK || !strings.Contains(body, `"mongodb":"ok"`) || !strings.Contains(body, `"redis":"ok"`) {
		t.Errorf("/readyz = %d %s, want both dependencies ok", code, body)
	}
	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz = %d", code)
	}
	_, metrics := get(t, base+"/metrics")
	if want := `kept_http_requests_total{code="200",method="GET",route="/api/v1/hello/:name",service="updates"} 1`; !strings.Contains(metrics, want) {
		t.Errorf("/metrics lacks %s", want)
	}
	var found bool
	for _, sp := range exp.GetSpans() {
		if sp.Name == "GET /api/v1/hello/:name" {
			found = true
		}
	}
	if !found {
		t.Errorf("no span exported for the service route; spans: %v", exp.GetSpans())
	}

	if err := s.stop(t); err != nil {
		t.Errorf("Serve = %v, want nil on a clean stop", err)
	}
	wait(t, svc.stopped, "the service's background work to stop")
	if c, err := net.DialTimeout("tcp", s.addr, time.Second); err == nil {
		c.Close()
		t.Error("the HTTP port still accepts connections after Serve returned")
	}
}

// A background worker that fails takes the whole process down (so the
// orchestrator restarts it) instead of leaving a half-working service.
func TestServeStopsEverythingWhenAServiceFails(t *testing.T) {
	p, logs := open(t, load(t, "updates", nil), Options{})
	healthy := newHello()
	broken := newHello()
	broken.path = "/api/v1/broken/:name"
	broken.fail = errors.New("consumer group kept:updates/dashboards: NOGROUP")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.Serve(ctx, healthy, broken) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "NOGROUP") {
			t.Errorf("Serve = %v, want the failing service's error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve kept running after a service failed")
	}
	wait(t, healthy.stopped, "the healthy service to be stopped")
	if addr := logs.listenAddr(); addr != "" {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Error("HTTP server still accepts connections after Serve returned")
		}
	}
}

func TestReadyzReportsRedisOutage(t *testing.T) {
	rs, err := redisserver.Start(context.Background(), false) // our own, to kill
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Stop()
	p, logs := open(t, load(t, "updates", map[string]string{"REDIS_URL": rs.URL}), Options{})
	s := serve(t, p, logs, newHello())
	base := "http://" + s.addr
	if code, body := get(t, base+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz before the outage = %d %s", code, body)
	}
	rs.Stop()
	var body string
	waitFor(t, "/readyz to report redis unavailable", func() bool {
		var code int
		code, body = get(t, base+"/readyz")
		return code == http.StatusServiceUnavailable
	})
	if !strings.Contains(body, `"redis":"unavailable"`) || !strings.Contains(body, `"mongodb":"ok"`) {
		t.Errorf("/readyz = %s, want redis unavailable and mongodb ok", body)
	}
	// Liveness is unaffected: restarting the pod would not bring Redis back.
	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz during a Redis outage = %d, want 200", code)
	}
	if err := s.stop(t); err != nil {
		t.Errorf("Serve = %v", err)
	}
}

func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestOpenFailsClearlyWhenRedisIsUnreachable(t *testing.T) {
	t.Parallel() // go-redis retries the refused dial for about a second
	addr := closedPort(t)
	cfg := load(t, "updates", map[string]string{"REDIS_URL": "redis://" + addr + "/0"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := Open(ctx, cfg, Options{})
	if err == nil {
		p.Close(ctx)
		t.Fatal("Open succeeded without Redis")
	}
	if !strings.Contains(err.Error(), "redis ping "+addr) {
		t.Errorf("Open error %q does not say Redis at %s is unreachable", err, addr)
	}

	cfg = load(t, "updates", map[string]string{"REDIS_URL": "http://" + addr})
	if _, err := Open(ctx, cfg, Options{}); err == nil || !strings.Contains(err.Error(), "REDIS_URL") {
		t.Errorf("Open with a non-redis URL = %v, want an error naming REDIS_URL", err)
	}
}

func TestOpenFailsClearlyWhenMongoDBIsUnreachable(t *testing.T) {
	t.Parallel()
	cfg := load(t, "updates", map[string]string{"MONGODB_URI": "mongodb://" + closedPort(t) + "/"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	p, err := Open(ctx, cfg, Options{})
	if err == nil {
		p.Close(context.Background())
		t.Fatal("Open succeeded without MongoDB")
	}
	if !strings.Contains(err.Error(), "mongodb") {
		t.Errorf("Open error %q does not name MongoDB", err)
	}
}

// captureStderr sends what the process writes to os.Stderr (where Open puts
// the logs) to the returned buffer until the test ends.
func captureStderr(t *testing.T) *logBuffer {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	orig := os.Stderr
	os.Stderr = w
	buf := &logBuffer{}
	copied := make(chan struct{})
	go func() { _, _ = io.Copy(buf, r); close(copied) }()
	t.Cleanup(func() {
		os.Stderr = orig
		_ = w.Close()
		<-copied
		_ = r.Close()
	})
	return buf
}

// run is what every cmd/<service>/main.go executes.
func TestRunReadsTheEnvironmentAndServesUntilCancelled(t *testing.T) {
	t.Setenv("MONGODB_URI", mongoURI)
	t.Setenv("REDIS_URL", redisURL)
	t.Setenv("HTTP_ADDR", "127.0.0.1:0")
	t.Setenv("MONGODB_DATABASE", "")
	t.Setenv("SHUTDOWN_TIMEOUT", "5s")
	t.Setenv("LOG_LEVEL", "info")
	logs := captureStderr(t)
	svc := newHello()
	var gotDB string
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, "updates", func(_ context.Context, d Deps) (Service, error) {
			gotDB = d.DB.Name()
			return svc, nil
		})
	}()
	wait(t, svc.started, "the service to start")
	if gotDB != "kept_updates" {
		t.Errorf("service database %q, want kept_updates", gotDB)
	}
	var addr string
	waitFor(t, "the server to listen", func() bool { addr = logs.listenAddr(); return addr != "" })
	if code, body := get(t, "http://"+addr+"/api/v1/hello/x"); code != http.StatusOK {
		t.Errorf("service route = %d %s", code, body)
	}
	// Every line is JSON with exactly one service field (duplicate keys
	// confuse log pipelines).
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "{") {
			continue // go-redis and others may write plain lines
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("log line is not JSON: %s", line)
			continue
		}
		if n := strings.Count(line, `"service":`); n != 1 || m["service"] != "updates" {
			t.Errorf("log line has %d service fields: %s", n, line)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run = %v, want nil after cancel", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
	wait(t, svc.stopped, "the service to stop")
}

// With METRICS_ADDR, /metrics is served there and not on the service's
// port (the gateway's port is public).
func TestMetricsCanMoveToTheirOwnListener(t *testing.T) {
	t.Setenv("MONGODB_URI", mongoURI)
	t.Setenv("REDIS_URL", redisURL)
	t.Setenv("HTTP_ADDR", "127.0.0.1:0")
	t.Setenv("METRICS_ADDR", "127.0.0.1:0")
	t.Setenv("MONGODB_DATABASE", "")
	t.Setenv("SHUTDOWN_TIMEOUT", "5s")
	logs := captureStderr(t)
	svc := newHello()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, "updates", func(context.Context, Deps) (Service, error) { return svc, nil })
	}()
	var addr, metrics string
	waitFor(t, "both listeners", func() bool {
		addr, metrics = logs.listenAddrOf(""), logs.listenAddrOf("metrics")
		return addr != "" && metrics != ""
	})
	if code, _ := get(t, "http://"+addr+"/api/v1/hello/x"); code != http.StatusOK {
		t.Errorf("service route = %d", code)
	}
	if code, _ := get(t, "http://"+addr+"/metrics"); code != http.StatusNotFound {
		t.Errorf("/metrics on the service port = %d, want 404", code)
	}
	code, body := get(t, "http://"+metrics+"/metrics")
	if code != http.StatusOK || !strings.Contains(body, `kept_http_requests_total{code="200",method="GET",route="/api/v1/hello/:name",service="updates"} 1`) {
		t.Errorf("/metrics on the metrics port = %d %.500s", code, body)
	}
	if code, _ := get(t, "http://"+metrics+"/api/v1/hello/x"); code != http.StatusNotFound {
		t.Errorf("the metrics port serves service routes: %d", code)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run = %v after cancel", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after cancel")
	}
}

func TestRunReportsConfigAndBuildErrors(t *testing.T) {
	t.Setenv("MONGODB_URI", mongoURI)
	t.Setenv("REDIS_URL", redisURL)
	t.Setenv("HTTP_ADDR", "127.0.0.1:0")
	t.Setenv("STREAM_MAXLEN", "many")
	built := false
	err := run(context.Background(), "updates", func(context.Context, Deps) (Service, error) { built = true; return newHello(), nil })
	if err == nil || !strings.Contains(err.Error(), "STREAM_MAXLEN") || built {
		t.Errorf("run with a bad variable = %v (built %v), want the config error before building", err, built)
	}
	t.Setenv("STREAM_MAXLEN", "")
	err = run(context.Background(), "updates", func(context.Context, Deps) (Service, error) {
		return nil, errors.New("index plans_by_org: conflict")
	})
	if err == nil || !strings.Contains(err.Error(), "build updates") || !strings.Contains(err.Error(), "plans_by_org") {
		t.Errorf("run with a failing build = %v, want it to name the service and the cause", err)
	}
}
