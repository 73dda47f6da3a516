package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/devenv/ferret"
	"github.com/kept-ogp/kept/services/devenv/redisserver"
	"github.com/kept-ogp/kept/services/kit/config"
	"github.com/kept-ogp/kept/services/kit/runtime"
	"github.com/kept-ogp/kept/services/kit/stream"
	"github.com/kept-ogp/kept/services/qa/app"
)

// startService builds the service as its binary does, on its own FerretDB
// and redis-server, and runs it until the test ends.
func startService(t *testing.T, ctx context.Context) (*gin.Engine, *runtime.Process) {
	t.Helper()
	fs, err := ferret.Start(ctx, ferret.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fs.Stop)
	rs, err := redisserver.Start(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rs.Stop)
	env := map[string]string{"MONGODB_URI": fs.URI(), "REDIS_URL": rs.URL, "POD_NAME": "qa-test", "LOG_LEVEL": "error"}
	cfg, err := config.Load(app.Name, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("QA_CHECK_INTERVAL", "100ms")
	p, err := runtime.Open(ctx, cfg, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	s, err := app.Build(ctx, p.Deps(app.Name, "kept_qa"))
	if err != nil {
		t.Fatal(err)
	}
	engine, err := p.Engine()
	if err != nil {
		t.Fatal(err)
	}
	s.Routes(engine)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(runCtx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return engine, p
}

// TestServiceEndToEnd feeds the service a commitments event over Redis and
// sees a question's event leave on kept:qa.
func TestServiceEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	engine, p := startService(t, ctx)

	pub := stream.NewPublisher(p.Redis, app.CommitmentsStream, 1000)
	ev := stream.NewEnvelope(ctx, "commitments", "commitments.commitment.upserted", "tw/C01", 1)
	ev.Body = &eventsv1.Envelope_CommitmentUpserted{CommitmentUpserted: &eventsv1.CommitmentUpserted{PlanId: "tw", Code: "C01",
		LeadOrgs: []*eventsv1.Organisation{{Code: "ndc"}}}}
	if _, err := pub.Publish(ctx, ev); err != nil {
		t.Fatal(err)
	}
	body := `{"text":"何時？","language":"zh-Hant","anonymous":true}`
	var w *httptest.ResponseRecorder
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/plans/tw/commitments/C01/questions", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w = httptest.NewRecorder()
		engine.ServeHTTP(w, req)
		if w.Code != http.StatusNotFound {
			break
		}
	}
	if w.Code != http.StatusCreated || !strings.Contains(w.Body.String(), `"agency":"ndc"`) {
		t.Fatalf("ask: %d %s", w.Code, w.Body.String())
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		msgs, err := p.Redis.XRange(ctx, "kept:qa", "-", "+").Result()
		if err != nil && err != redis.Nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			for _, v := range m.Values {
				s, _ := v.(string)
				e := &eventsv1.Envelope{}
				if proto.Unmarshal([]byte(s), e) == nil && e.GetType() == "qa.question.asked" {
					return
				}
			}
		}
	}
	t.Fatal("no qa.question.asked on kept:qa")
}

// TestCommentsFromStreams publishes a plan, its commitment and an agreed
// update as the other services do, and comments on the update once qa has
// read them: the plans' languages come from their own consumer group, the
// updates from kept:updates.
func TestCommentsFromStreams(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	engine, p := startService(t, ctx)
	commitments := stream.NewPublisher(p.Redis, app.CommitmentsStream, 1000)
	plan := stream.NewEnvelope(ctx, "commitments", "commitments.plan.upserted", "ca", 1)
	plan.Body = &eventsv1.Envelope_PlanUpserted{PlanUpserted: &eventsv1.PlanUpserted{PlanId: "ca", Languages: []string{"en", "fr"},
		CommitmentCodes: []string{"C01"}}}
	cm := stream.NewEnvelope(ctx, "commitments", "commitments.commitment.upserted", "ca/C01", 1)
	cm.Body = &eventsv1.Envelope_CommitmentUpserted{CommitmentUpserted: &eventsv1.CommitmentUpserted{PlanId: "ca", Code: "C01",
		LeadOrgs: []*eventsv1.Organisation{{Code: "rcmp-grc"}}}}
	up := stream.NewEnvelope(ctx, "updates", "updates.update.changed", "U1", 3)
	up.Body = &eventsv1.Envelope_UpdateChanged{UpdateChanged: &eventsv1.UpdateChanged{UpdateId: "U1", PlanId: "ca",
		CommitmentCode: "C01", ItemCode: "C01.1.1", State: "agreed"}}
	for _, env := range []*eventsv1.Envelope{plan, cm} {
		if _, err := commitments.Publish(ctx, env); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := stream.NewPublisher(p.Redis, app.UpdatesStream, 1000).Publish(ctx, up); err != nil {
		t.Fatal(err)
	}
	post := func(lang string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/plans/ca/commitments/C01/updates/U1/comments",
			strings.NewReader(`{"text":"Merci","language":"`+lang+`","anonymous":true}`))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		engine.ServeHTTP(w, req)
		return w
	}
	var w *httptest.ResponseRecorder
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if w = post("fr"); w.Code != http.StatusNotFound && w.Code != http.StatusServiceUnavailable {
			break
		}
	}
	if w.Code != http.StatusCreated || !strings.Contains(w.Body.String(), `"item":"C01.1.1"`) {
		t.Fatalf("comment: %d %s", w.Code, w.Body.String())
	}
	// The plan's languages came from the stream: "FR" is stored as the
	// plan spells it (an unknown plan would leave it a malformed tag).
	if w := post("FR"); w.Code != http.StatusCreated || !strings.Contains(w.Body.String(), `"language":"fr"`) {
		t.Fatalf("a plan language in capitals: %d %s", w.Code, w.Body.String())
	}
	req := httptest.NewRequest(http.MethodGet, "/api/v1/plans/ca/commitments/C01/comments", nil)
	lw := httptest.NewRecorder()
	engine.ServeHTTP(lw, req)
	if lw.Code != http.StatusOK || strings.Count(lw.Body.String(), `"text":"Merci"`) != 2 {
		t.Fatalf("list: %d %s", lw.Code, lw.Body.String())
	}
}
