package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/devenv/ferret"
	"github.com/kept-ogp/kept/services/devenv/redisserver"
	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/kit/config"
	"github.com/kept-ogp/kept/services/kit/runtime"
	"github.com/kept-ogp/kept/services/kit/stream"
	"github.com/kept-ogp/kept/services/notifications/app"
	"github.com/kept-ogp/kept/services/notifications/internal/catalog"
	"github.com/kept-ogp/kept/services/notifications/internal/smtptest"
)

// One embedded FerretDB and one redis-server serve the package; each test
// builds the service on its own database and a flushed Redis.
var (
	mongoURI, redisURL string
	dbSeq              atomic.Int64
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kept-notifications-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	fs, err := ferret.Start(ctx, ferret.Options{Dir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, "notifications tests need FerretDB:", err)
		return 1
	}
	defer fs.Stop()
	rs, err := redisserver.Start(ctx, true)
	if err != nil {
		fmt.Fprintln(os.Stderr, "notifications tests need Redis:", err)
		return 1
	}
	defer rs.Stop()
	mongoURI, redisURL = fs.URI(), rs.URL
	gin.SetMode(gin.TestMode)
	return m.Run()
}

// qaDouble stands in for the qa service's internal asker route. It is the
// other service's HTTP API (not a store), implemented exactly as its
// contract says: GET /api/v1/internal/qa/questions/:id/asker with a
// notifier bearer token answers {"email","confirmed","language"} or 404.
type qaDouble struct {
	mu     sync.Mutex
	askers map[string]map[string]any
	calls  int
	badTok int
}

const qaToken = "kept_notifier_test_secret"

func (q *qaDouble) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.calls++
	if r.Header.Get("Authorization") != "Bearer "+qaToken {
		q.badTok++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	id, ok := strings.CutPrefix(r.URL.Path, "/api/v1/internal/qa/questions/")
	id, ok2 := strings.CutSuffix(id, "/asker")
	a, found := q.askers[id]
	if r.Method != http.MethodGet || !ok || !ok2 || !found {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error":{"code":"not_found","message":"the question has no asker email"}}`)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(a)
}

type env struct {
	t      *testing.T
	ctx    context.Context
	engine *gin.Engine
	p      *runtime.Process
	smtp   *smtptest.Server
	qa     *qaDouble
	pub    map[string]*stream.Publisher
	poc    string // a poc token
	db     string
}

// start builds and runs the service as its binary does, with extra
// settings; NOTIFY_SMTP_ADDR is set to the test SMTP server unless vars
// sets it to "none".
func start(t *testing.T, vars map[string]string) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	e := &env{t: t, ctx: ctx, smtp: smtptest.Start(t), qa: &qaDouble{askers: map[string]map[string]any{}}}
	qaSrv := httptest.NewServer(e.qa)
	t.Cleanup(qaSrv.Close)
	db := fmt.Sprintf("kept_notifications_t%d", dbSeq.Add(1))
	e.db = db
	base := map[string]string{"MONGODB_URI": mongoURI, "REDIS_URL": redisURL, "POD_NAME": "notifications-test",
		"LOG_LEVEL": "error", "MONGODB_DATABASE": db, "AUTH_DATABASE": db + "_auth"}
	cfg, err := config.Load(app.Name, func(k string) string { return base[k] })
	if err != nil {
		t.Fatal(err)
	}
	p, err := runtime.Open(ctx, cfg, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.p = p
	t.Cleanup(func() { p.Close(context.Background()) })
	if err := p.Redis.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{
		"NOTIFY_PUBLIC_BASE_URL": "https://kept.example.org",
		"NOTIFY_PUBLIC_API_URL":  "https://api.kept.example.org",
		"NOTIFY_SMTP_ADDR":       e.smtp.Addr,
		"NOTIFY_SMTP_FROM":       "kept <no-reply@kept.example.org>",
		"NOTIFY_QA_URL":          qaSrv.URL,
		"NOTIFY_QA_TOKEN":        qaToken,
		"NOTIFY_WORKER_INTERVAL": "30ms",
		"NOTIFY_RETRY_BASE":      "30ms",
		"NOTIFY_RETRY_MAX":       "100ms",
		"NOTIFY_STREAM_START":    "all",
	}
	for k, v := range vars {
		settings[k] = v
	}
	if settings["NOTIFY_SMTP_ADDR"] == "none" {
		delete(settings, "NOTIFY_SMTP_ADDR")
	}
	set, err := app.LoadSettings(func(k string) string { return settings[k] })
	if err != nil {
		t.Fatal(err)
	}
	s, err := app.NewWith(ctx, p.Deps(app.Name, db), set)
	if err != nil {
		t.Fatal(err)
	}
	if e.engine, err = p.Engine(); err != nil {
		t.Fatal(err)
	}
	s.Routes(e.engine)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(runCtx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	e.pub = map[string]*stream.Publisher{app.QAStream: stream.NewPublisher(p.Redis, app.QAStream, 1000),
		app.UpdatesStream:     stream.NewPublisher(p.Redis, app.UpdatesStream, 1000),
		app.ReportingStream:   stream.NewPublisher(p.Redis, app.ReportingStream, 1000),
		app.CommitmentsStream: stream.NewPublisher(p.Redis, app.CommitmentsStream, 1000)}
	e.poc = e.token("poc", auth.Role{Kind: auth.KindPoC})
	return e
}

func (e *env) token(name string, roles ...auth.Role) string {
	e.t.Helper()
	_, secret, err := e.p.Tokens.Create(e.ctx, name, "test", roles)
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

// do sends a request to the service; token may be empty.
func (e *env) do(method, path, token, body string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	e.engine.ServeHTTP(w, req)
	return w
}

func (e *env) mustDo(method, path, token, body string, want int) *httptest.ResponseRecorder {
	e.t.Helper()
	w := e.do(method, path, token, body)
	if w.Code != want {
		e.t.Fatalf("%s %s: %d %s, want %d", method, path, w.Code, w.Body.String(), want)
	}
	return w
}

// publish puts an envelope on a stream; the same envelope twice is a
// duplicate delivery of one event.
func (e *env) publish(streamName string, env *eventsv1.Envelope) {
	e.t.Helper()
	if _, err := e.pub[streamName].Publish(e.ctx, env); err != nil {
		e.t.Fatal(err)
	}
}

// plan publishes a plan at version with its commitment codes on
// kept:commitments, as the commitments service does on an import, and waits
// until the service has it in its catalog.
func (e *env) plan(id string, version int64, codes ...string) {
	e.t.Helper()
	ev := stream.NewEnvelope(e.ctx, "commitments", "commitments.plan.upserted", id, version)
	ev.Body = &eventsv1.Envelope_PlanUpserted{PlanUpserted: &eventsv1.PlanUpserted{PlanId: id, CommitmentCodes: codes,
		Title: &eventsv1.LocalizedText{Values: map[string]string{"en": id}}, Languages: []string{"en"}}}
	e.publish(app.CommitmentsStream, ev)
	for _, code := range codes { // commitment events too, which the catalog may ignore
		ce := stream.NewEnvelope(e.ctx, "commitments", "commitments.commitment.upserted", id+"/"+code, version)
		ce.Body = &eventsv1.Envelope_CommitmentUpserted{CommitmentUpserted: &eventsv1.CommitmentUpserted{PlanId: id, Code: code}}
		e.publish(app.CommitmentsStream, ce)
	}
	e.waitPlan(id, version)
}

// waitPlan waits until the catalog holds plan id at version or later.
func (e *env) waitPlan(id string, version int64) {
	e.t.Helper()
	coll := e.p.Mongo.Database(e.db).Collection(catalog.Collection)
	deadline := time.Now().Add(15 * time.Second)
	for {
		var p catalog.Plan
		err := coll.FindOne(e.ctx, bson.M{"_id": id}).Decode(&p)
		if err == nil && p.Version >= version {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("plan %s version %d not in the catalog within 15s (last: %+v, %v)", id, version, p, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func envelope(typ, aggregate string) *eventsv1.Envelope {
	ev := stream.NewEnvelope(context.Background(), "test", typ, aggregate, 1)
	ev.Time = timestamppb.Now()
	return ev
}

// mail waits for n messages in all and returns them parsed, by recipient.
func (e *env) mail(n int) map[string][]*smtptest.Parsed {
	e.t.Helper()
	msgs := e.smtp.Wait(e.t, n, 15*time.Second)
	if len(msgs) != n {
		e.t.Fatalf("%d messages arrived, want %d", len(msgs), n)
	}
	out := map[string][]*smtptest.Parsed{}
	for _, m := range msgs {
		p, err := smtptest.Parse(m.Data)
		if err != nil {
			e.t.Fatalf("%v\n%s", err, m.Data)
		}
		for _, to := range m.To {
			out[to] = append(out[to], p)
		}
	}
	return out
}

// settle waits for the worker to go idle: nothing pending for a while.
func (e *env) settle() {
	e.t.Helper()
	time.Sleep(400 * time.Millisecond)
}

type deliveryJSON struct {
	ID        string `json:"id"`
	EventID   string `json:"event_id"`
	Channel   string `json:"channel"`
	Kind      string `json:"kind"`
	Role      string `json:"role"`
	Recipient string `json:"recipient"`
	Language  string `json:"language"`
	Status    string `json:"status"`
	Attempts  int    `json:"attempts"`
	LastError string `json:"last_error"`
}

func (e *env) deliveries(query string) []deliveryJSON {
	e.t.Helper()
	w := e.mustDo(http.MethodGet, "/api/v1/notifications/deliveries"+query, e.poc, "", http.StatusOK)
	var out struct {
		Deliveries []deliveryJSON `json:"deliveries"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		e.t.Fatal(err)
	}
	return out.Deliveries
}

var tokenRe = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)

func linkToken(t *testing.T, s string) string {
	t.Helper()
	m := tokenRe.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no token link in %q", s)
	}
	return m[1]
}
