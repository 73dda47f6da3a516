package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/devenv/ferret"
	"github.com/kept-ogp/kept/services/devenv/redisserver"
	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/kit/config"
	"github.com/kept-ogp/kept/services/kit/runtime"
	"github.com/kept-ogp/kept/services/kit/stream"
	"github.com/kept-ogp/kept/services/reporting/app"
	"github.com/kept-ogp/kept/services/reporting/internal/fixture"
)

// TestServiceEndToEnd builds the service as its binary does, feeds it the
// Canadian plan, an agreed update and a question over Redis, reads the
// period report, publishes it and sees ReportPublished leave on
// kept:reporting.
func TestServiceEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	fs, err := ferret.Start(ctx, ferret.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Stop()
	rs, err := redisserver.Start(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Stop()
	env := map[string]string{"MONGODB_URI": fs.URI(), "REDIS_URL": rs.URL, "POD_NAME": "reporting-test", "LOG_LEVEL": "error"}
	cfg, err := config.Load(app.Name, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	p, err := runtime.Open(ctx, cfg, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	s, err := app.Build(ctx, p.Deps(app.Name, "kept_reporting"))
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
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	f, err := os.Open("../testdata/canada-nap6-2025-2029.csv")
	if err != nil {
		t.Fatal(err)
	}
	evs, err := fixture.CanadaPlan(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	publish := func(name string, evs ...*eventsv1.Envelope) {
		pub := stream.NewPublisher(p.Redis, name, 1000)
		for _, ev := range evs {
			if _, err := pub.Publish(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	tp, _ := time.LoadLocation("Asia/Taipei")
	at := time.Date(2026, 6, 30, 23, 30, 0, 0, tp)
	publish(app.CommitmentsStream, evs...)
	publish(app.UpdatesStream, fixture.Update{ID: "U1", Plan: "ca-nap6", Commitment: "C01", Item: "C01.1.1", Period: "2026-06",
		Status: "limited", State: "agreed", Version: 2, Agency: "rcmp-grc", Posted: at.Add(-time.Hour), Government: at.Add(-time.Minute),
		CivilSociety: at, Progress: map[string]string{"en": "Agreed late on 30 June"}}.Event())
	publish(app.QAStream, fixture.Question{ID: "Q1", Plan: "ca-nap6", Commitment: "C01", Agency: "rcmp-grc", Status: "open",
		Version: 1, Asked: at.Add(-24 * time.Hour)}.Event())

	get := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		engine.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w
	}
	var w *httptest.ResponseRecorder
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		w = get("/api/v1/reporting/plans/ca-nap6/periods/2026-06/progress")
		if w.Code == 200 && strings.Contains(w.Body.String(), "Agreed late on 30 June") && strings.Contains(w.Body.String(), `"asked": 1`) {
			break
		}
	}
	if w.Code != 200 || !strings.Contains(w.Body.String(), "Agreed late on 30 June") || !strings.Contains(w.Body.String(), `"asked": 1`) {
		t.Fatalf("progress from the streams = %d %.400s", w.Code, w.Body.String())
	}
	vid := w.Header().Get("X-Report-Version")
	_, secret, err := p.Tokens.Create(ctx, "poc-test", "test", []auth.Role{{Kind: auth.KindPoC}})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/api/v1/reporting/plans/ca-nap6/versions/"+vid+"/publish", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	w = httptest.NewRecorder()
	engine.ServeHTTP(w, req)
	if w.Code != 200 {
		t.Fatalf("publish = %d %s", w.Code, w.Body.String())
	}
	msgs, err := p.Redis.XRange(ctx, app.Stream, "-", "+").Result()
	if err != nil && err != redis.Nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 {
		t.Fatalf("kept:reporting has %d entries, want ReportPublished", len(msgs))
	}
	ev := &eventsv1.Envelope{}
	if err := proto.Unmarshal([]byte(msgs[0].Values[stream.FieldEnvelope].(string)), ev); err != nil {
		t.Fatal(err)
	}
	if ev.GetReportPublished().GetVersionId() != vid || ev.GetReportPublished().GetPeriod() != "2026-06" {
		t.Fatalf("event = %v", ev)
	}
}
