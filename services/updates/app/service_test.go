package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/devenv/ferret"
	"github.com/kept-ogp/kept/services/devenv/redisserver"
	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/kit/config"
	"github.com/kept-ogp/kept/services/kit/runtime"
	"github.com/kept-ogp/kept/services/kit/stream"
	"github.com/kept-ogp/kept/services/updates/app"
	"github.com/kept-ogp/kept/services/updates/internal/items"
	"github.com/kept-ogp/kept/services/updates/internal/plans"
	"github.com/kept-ogp/kept/services/updates/internal/progress"
)

const database = "kept_updates"

// openProcess opens the infrastructure of the service's binary on its own
// FerretDB and redis-server.
func openProcess(t *testing.T, ctx context.Context) *runtime.Process {
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
	env := map[string]string{"MONGODB_URI": fs.URI(), "REDIS_URL": rs.URL, "POD_NAME": "updates-test", "LOG_LEVEL": "error"}
	cfg, err := config.Load(app.Name, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	p, err := runtime.Open(ctx, cfg, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p
}

// startService builds the service as its binary does and runs it until the
// test ends.
func startService(t *testing.T, ctx context.Context, p *runtime.Process) *gin.Engine {
	t.Helper()
	s, err := app.Build(ctx, p.Deps(app.Name, database))
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
	return engine
}

func planEvent(ctx context.Context, version int64, langs ...string) *eventsv1.Envelope {
	env := stream.NewEnvelope(ctx, "commitments", "commitments.plan.upserted", "ca-nap6", version)
	env.Body = &eventsv1.Envelope_PlanUpserted{PlanUpserted: &eventsv1.PlanUpserted{PlanId: "ca-nap6", Start: "2025-01", End: "2029-12",
		Languages: langs, CommitmentCodes: []string{"C01"}, Revision: version}}
	return env
}

func commitmentEvent(ctx context.Context, version int64) *eventsv1.Envelope {
	lead := []*eventsv1.Organisation{{Code: "rcmp-grc"}}
	due := &eventsv1.Deadline{Kind: eventsv1.Deadline_KIND_DATE, DueDate: "2027-12-31"}
	env := stream.NewEnvelope(ctx, "commitments", "commitments.commitment.upserted", "ca-nap6/C01", version)
	env.Body = &eventsv1.Envelope_CommitmentUpserted{CommitmentUpserted: &eventsv1.CommitmentUpserted{PlanId: "ca-nap6", Code: "C01", LeadOrgs: lead,
		Milestones: []*eventsv1.Milestone{{Code: "C01.1", Deadline: due, LeadOrgs: lead,
			Indicators: []*eventsv1.Indicator{{Code: "C01.1.1", Deadline: due, LeadOrgs: lead}}}}}}
	return env
}

// waitForPlan waits until the service holds version of ca-nap6.
func waitForPlan(t *testing.T, ctx context.Context, st *plans.Store, version int64) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if p, err := st.Get(ctx, "ca-nap6"); err == nil && p.Version >= version {
			return
		}
	}
	t.Fatalf("plan ca-nap6 version %d not learnt from the stream", version)
}

// TestPlansAreLearntWhereTheGroupHadReadThem is a deployment upgraded from a
// version that kept no plans: its "updates" group has read the plan events
// already (its items are stored). The plans' own group reads the stream from
// the start, so the plan's languages and months are checked anyway, and a
// re-import that adds a language is followed.
func TestPlansAreLearntWhereTheGroupHadReadThem(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p := openProcess(t, ctx)
	db := p.Mongo.Database(database)

	// What the earlier version did: read the import and keep its items.
	commitments := stream.NewPublisher(p.Redis, app.CommitmentsStream, 1000)
	first := []*eventsv1.Envelope{planEvent(ctx, 1, "en", "fr"), commitmentEvent(ctx, 1)}
	for _, env := range first {
		if _, err := commitments.Publish(ctx, env); err != nil {
			t.Fatal(err)
		}
		if err := items.New(db).Apply(ctx, env); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Redis.XGroupCreateMkStream(ctx, app.CommitmentsStream, app.Name, "$").Err(); err != nil {
		t.Fatal(err)
	}

	engine := startService(t, ctx, p)
	pls := plans.New(db)
	waitForPlan(t, ctx, pls, 1)

	_, editor, err := p.Tokens.Create(ctx, "RCMP editor", "test", []auth.Role{{Kind: auth.KindAgencyEditor, Org: "rcmp-grc"}})
	if err != nil {
		t.Fatal(err)
	}
	post := func(period string, progress map[string]string) *httptest.ResponseRecorder {
		t.Helper()
		body, err := json.Marshal(map[string]any{"plan": "ca-nap6", "item": "C01.1.1", "period": period, "status": "substantial", "progress": progress})
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, "/api/v1/updates", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+editor)
		w := httptest.NewRecorder()
		engine.ServeHTTP(w, req)
		return w
	}
	refused := func(w *httptest.ResponseRecorder, field, message string) {
		t.Helper()
		var er struct {
			Error struct {
				Code    string                `json:"code"`
				Details []progress.FieldError `json:"details"`
			} `json:"error"`
		}
		if w.Code != http.StatusUnprocessableEntity || json.Unmarshal(w.Body.Bytes(), &er) != nil || er.Error.Code != "invalid_update" ||
			len(er.Error.Details) != 1 || er.Error.Details[0] != (progress.FieldError{Field: field, Message: message}) {
			t.Errorf("got %d %s, want 422 with %s: %s", w.Code, w.Body.String(), field, message)
		}
	}

	refused(post("2026-06", map[string]string{"de": "Entwurf."}), "progress.de", `"de" is not a language of plan ca-nap6 (en, fr)`)
	refused(post("2040-12", map[string]string{"en": "Drafted."}), "period", "2040-12 is outside plan ca-nap6 (2025-01 to 2029-12)")
	refused(post("2026-06", map[string]string{"zz": "Drafted."}), "progress.zz", `"zz" is not a language of plan ca-nap6 (en, fr)`)
	if w := post("2026-06", map[string]string{"EN": "Drafted."}); w.Code != http.StatusCreated || !strings.Contains(w.Body.String(), `"progress":{"en":"Drafted."}`) {
		t.Errorf("EN: %d %s, want it stored as en", w.Code, w.Body.String())
	}

	// The plan is re-imported with a new language.
	for _, env := range []*eventsv1.Envelope{planEvent(ctx, 2, "de", "en", "fr"), commitmentEvent(ctx, 2)} {
		if _, err := commitments.Publish(ctx, env); err != nil {
			t.Fatal(err)
		}
	}
	waitForPlan(t, ctx, pls, 2)
	if w := post("2026-12", map[string]string{"de": "Entwurf."}); w.Code != http.StatusCreated {
		t.Errorf("de after the re-import: %d %s", w.Code, w.Body.String())
	}
	// And the "updates" group reads the re-import's items.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		it, err := items.New(db).Get(ctx, "ca-nap6", "C01.1.1")
		if err == nil && it.Version == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("item after the re-import: %+v %v, want version 2", it, err)
		}
	}

	us, err := progress.NewStore(db).List(ctx, progress.Filter{Plan: "ca-nap6"})
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 2 {
		t.Errorf("%d updates stored, want the 2 accepted", len(us))
	}
}
