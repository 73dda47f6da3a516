package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/dashboards/app"
	"github.com/kept-ogp/kept/services/devenv/ferret"
	"github.com/kept-ogp/kept/services/devenv/redisserver"
	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/kit/config"
	"github.com/kept-ogp/kept/services/kit/runtime"
	"github.com/kept-ogp/kept/services/kit/stream"
)

// One embedded FerretDB and one redis-server serve the package; each test
// builds the service on its own databases and a flushed Redis.
var (
	mongoURI, redisURL string
	dbSeq              atomic.Int64
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kept-dashboards-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	fs, err := ferret.Start(ctx, ferret.Options{Dir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, "dashboards tests need FerretDB:", err)
		return 1
	}
	defer fs.Stop()
	rs, err := redisserver.Start(ctx, true)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dashboards tests need Redis:", err)
		return 1
	}
	defer rs.Stop()
	mongoURI, redisURL = fs.URI(), rs.URL
	gin.SetMode(gin.TestMode)
	return m.Run()
}

// cluster is dashboards replicas, each its own process, on one database.
type cluster struct {
	t    *testing.T
	ctx  context.Context
	p    *runtime.Process // the first process: tokens and publishing
	vars map[string]string
	db   string
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	db := fmt.Sprintf("kept_dashboards_t%d", dbSeq.Add(1))
	c := &cluster{t: t, ctx: ctx, db: db, vars: map[string]string{"MONGODB_URI": mongoURI, "REDIS_URL": redisURL,
		"LOG_LEVEL": "error", "MONGODB_DATABASE": db, "AUTH_DATABASE": db + "_auth"}}
	c.p = c.open("dashboards-setup")
	t.Cleanup(func() {
		_ = c.p.Mongo.Database(db).Drop(context.Background())
		_ = c.p.Mongo.Database(db + "_auth").Drop(context.Background())
	})
	if err := c.p.Redis.FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	return c
}

// open starts a process's infrastructure, as a replica's binary does.
func (c *cluster) open(pod string) *runtime.Process {
	c.t.Helper()
	vars := map[string]string{"POD_NAME": pod}
	for k, v := range c.vars {
		vars[k] = v
	}
	cfg, err := config.Load(app.Name, func(k string) string { return vars[k] })
	if err != nil {
		c.t.Fatal(err)
	}
	p, err := runtime.Open(c.ctx, cfg, runtime.Options{})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { p.Close(context.Background()) })
	return p
}

// replica builds and runs a dashboards process named pod on the cluster's
// database, with the given environment and allowlist refresh.
func (c *cluster) replica(pod string, env map[string]string, refresh time.Duration) http.Handler {
	c.t.Helper()
	set, err := app.LoadSettings(func(k string) string { return env[k] })
	if err != nil {
		c.t.Fatal(err)
	}
	set.AllowlistRefresh = refresh
	p := c.open(pod)
	s, err := app.NewWith(c.ctx, p.Deps(app.Name, c.db), set)
	if err != nil {
		c.t.Fatal(err)
	}
	engine, err := p.Engine()
	if err != nil {
		c.t.Fatal(err)
	}
	s.Routes(engine)
	runCtx, stop := context.WithCancel(c.ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(runCtx) }()
	c.t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			c.t.Error(err)
		}
	})
	return engine
}

func (c *cluster) token(name string, roles ...auth.Role) string {
	c.t.Helper()
	_, secret, err := c.p.Tokens.Create(c.ctx, name, "test", roles)
	if err != nil {
		c.t.Fatal(err)
	}
	return secret
}

// seed publishes a plan with one commitment on kept:commitments.
func (c *cluster) seed() {
	c.t.Helper()
	pub := stream.NewPublisher(c.p.Redis, app.CommitmentsStream, 1000)
	lt := func(en string) *eventsv1.LocalizedText {
		return &eventsv1.LocalizedText{Values: map[string]string{"en": en}}
	}
	pe := stream.NewEnvelope(c.ctx, "commitments", "commitments.plan.upserted", "ca-nap6", 1)
	pe.Body = &eventsv1.Envelope_PlanUpserted{PlanUpserted: &eventsv1.PlanUpserted{PlanId: "ca-nap6", Title: lt("NAP6"),
		Start: "2025-01", End: "2029-12", Languages: []string{"en"}, CommitmentCodes: []string{"C01"}}}
	ce := stream.NewEnvelope(c.ctx, "commitments", "commitments.commitment.upserted", "ca-nap6/C01", 1)
	ce.Body = &eventsv1.Envelope_CommitmentUpserted{CommitmentUpserted: &eventsv1.CommitmentUpserted{PlanId: "ca-nap6", Code: "C01",
		Title: lt("Participation"), Milestones: []*eventsv1.Milestone{{Code: "C01.1", Title: lt("Forum"),
			Deadline: &eventsv1.Deadline{Original: lt("By 2028-12-31"), Kind: eventsv1.Deadline_KIND_DATE, DueDate: "2028-12-31"}}}}}
	for _, env := range []*eventsv1.Envelope{pe, ce} {
		if _, err := pub.Publish(c.ctx, env); err != nil {
			c.t.Fatal(err)
		}
	}
}

func do(h http.Handler, method, path, token, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func mustDo(t *testing.T, h http.Handler, method, path, token, body string, want int) *httptest.ResponseRecorder {
	t.Helper()
	w := do(h, method, path, token, body)
	if w.Code != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, w.Code, w.Body.String(), want)
	}
	return w
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const widget = "/embed/plans/ca-nap6/commitments/C01?lang=en"

// frameAncestors returns the widget's frame-ancestors sources.
func frameAncestors(t *testing.T, h http.Handler) string {
	t.Helper()
	w := do(h, http.MethodGet, widget, "", "")
	if w.Code != http.StatusOK {
		t.Fatalf("widget: %d %s", w.Code, w.Body.String())
	}
	for _, d := range strings.Split(w.Header().Get("Content-Security-Policy"), ";") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(d), "frame-ancestors "); ok {
			return v
		}
	}
	t.Fatalf("no frame-ancestors in %q", w.Header().Get("Content-Security-Policy"))
	return ""
}

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func errorOf(t *testing.T, w *httptest.ResponseRecorder) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error.Code == "" {
		t.Fatalf("body %q is not the error shape: %v", w.Body.String(), err)
	}
	return e
}

type entryJSON struct {
	Origin  string     `json:"origin"`
	Source  string     `json:"source"`
	AddedBy string     `json:"added_by"`
	AddedAt *time.Time `json:"added_at"`
	Note    string     `json:"note"`
}

func list(t *testing.T, h http.Handler, token string) []entryJSON {
	t.Helper()
	w := mustDo(t, h, http.MethodGet, "/api/v1/dashboards/embed/allowlist", token, "", http.StatusOK)
	var out struct {
		Origins []entryJSON `json:"origins"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return out.Origins
}

const allowlistPath = "/api/v1/dashboards/embed/allowlist"

// The PoC adds a site from the console: this replica frames-allows it at
// once, another replica on the same database after its next reload; removing
// it undoes both. The configured entries stay.
func TestAllowlistFromTheConsoleReachesEveryReplica(t *testing.T) {
	c := newCluster(t)
	env := map[string]string{"EMBED_ALLOWED_ORIGINS": "https://www.canada.ca,https://*.gc.ca"}
	// a reloads only after its own changes within this test; b every 50 ms.
	a := c.replica("dashboards-a", env, time.Hour)
	b := c.replica("dashboards-b", env, 50*time.Millisecond)
	c.seed()
	eventually(t, 20*time.Second, "the widget to show the plan", func() bool { return do(a, http.MethodGet, widget, "", "").Code == http.StatusOK })
	poc := c.token("Jane Doe (PoC)", auth.Role{Kind: auth.KindPoC})

	if got := frameAncestors(t, a); got != "https://www.canada.ca https://*.gc.ca" {
		t.Fatalf("before: frame-ancestors %q", got)
	}
	if got := list(t, a, poc); len(got) != 2 || got[0] != (entryJSON{Origin: "https://www.canada.ca", Source: "config"}) ||
		got[1] != (entryJSON{Origin: "https://*.gc.ca", Source: "config"}) {
		t.Fatalf("config entries: %+v", got)
	}

	before := time.Now().Add(-time.Second)
	w := mustDo(t, a, http.MethodPost, allowlistPath, poc, `{"origin":"HTTPS://WWW.Ontario.CA","note":"  Ontario's open-government page  "}`, http.StatusCreated)
	var created struct {
		Origin entryJSON `json:"origin"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &created); err != nil {
		t.Fatal(err)
	}
	e := created.Origin
	if e.Origin != "https://www.ontario.ca" || e.Source != "console" || e.AddedBy != "Jane Doe (PoC)" || e.Note != "Ontario's open-government page" ||
		e.AddedAt == nil || e.AddedAt.Before(before) || e.AddedAt.After(time.Now().Add(time.Second)) {
		t.Fatalf("created entry: %s", w.Body.String())
	}
	want := "https://www.canada.ca https://*.gc.ca https://www.ontario.ca"
	if got := frameAncestors(t, a); got != want {
		t.Fatalf("the replica that added it: frame-ancestors %q, want %q", got, want)
	}
	eventually(t, 10*time.Second, "the other replica to allow the new origin", func() bool { return frameAncestors(t, b) == want })

	got := list(t, b, poc)
	if len(got) != 3 || got[2].Origin != "https://www.ontario.ca" || got[2].Source != "console" || got[2].AddedBy != "Jane Doe (PoC)" || got[2].AddedAt == nil {
		t.Fatalf("list after add: %+v", got)
	}
	raw := mustDo(t, b, http.MethodGet, allowlistPath, poc, "", http.StatusOK)
	if cc := raw.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("list Cache-Control %q", cc)
	}
	if strings.Contains(raw.Body.String(), `"source":"config","added_by"`) {
		t.Errorf("config entries carry console fields: %s", raw.Body.String())
	}

	// The same origin again, in another spelling, or one config lists: 409.
	for _, o := range []string{"https://www.ontario.ca", "HTTPS://www.Ontario.ca", "https://WWW.CANADA.CA"} {
		w := mustDo(t, a, http.MethodPost, allowlistPath, poc, `{"origin":"`+o+`"}`, http.StatusConflict)
		if e := errorOf(t, w); e.Error.Code != "conflict" || !strings.Contains(e.Error.Message, strings.ToLower(o)) {
			t.Errorf("duplicate %s: %+v", o, e)
		}
	}

	// Invalid origins: 400 with ValidateOrigin's message naming the entry.
	for o, words := range map[string]string{
		"https://www.ontario.ca/embed":  "path",
		"https://a.gc.ca; script-src *": "semicolon",
		"www.ontario.ca":                "scheme",
		"":                              "empty",
		"'self'":                        "quote",
	} {
		body, _ := json.Marshal(map[string]string{"origin": o})
		w := mustDo(t, a, http.MethodPost, allowlistPath, poc, string(body), http.StatusBadRequest)
		e := errorOf(t, w)
		if e.Error.Code != "invalid_origin" || !strings.Contains(e.Error.Message, fmt.Sprintf("%q", o)) || !strings.Contains(e.Error.Message, words) {
			t.Errorf("invalid %q: %+v", o, e)
		}
	}
	long, _ := json.Marshal(map[string]string{"origin": "https://a.example.ca", "note": strings.Repeat("é", 201)})
	if e := errorOf(t, mustDo(t, a, http.MethodPost, allowlistPath, poc, string(long), http.StatusBadRequest)); !strings.Contains(e.Error.Message, "200") {
		t.Errorf("long note: %+v", e)
	}
	ok200, _ := json.Marshal(map[string]string{"origin": "https://b.example.ca", "note": strings.Repeat("é", 200)})
	mustDo(t, a, http.MethodPost, allowlistPath, poc, string(ok200), http.StatusCreated)
	mustDo(t, a, http.MethodPost, allowlistPath, poc, `not json`, http.StatusBadRequest)
	if got := list(t, a, poc); len(got) != 4 {
		t.Fatalf("refused posts changed the list: %+v", got)
	}

	// Config entries cannot be removed; unknown ones are 404.
	for _, o := range []string{"https://www.canada.ca", "https://*.gc.ca"} {
		w := mustDo(t, a, http.MethodDelete, allowlistPath+"/"+url.QueryEscape(o), poc, "", http.StatusConflict)
		if e := errorOf(t, w); !strings.Contains(e.Error.Message, o) || !strings.Contains(e.Error.Message, "EMBED_ALLOWED_ORIGINS") {
			t.Errorf("delete config %s: %+v", o, e)
		}
	}
	for _, o := range []string{"https://nowhere.example.ca", "not an origin"} {
		w := mustDo(t, a, http.MethodDelete, allowlistPath+"/"+url.PathEscape(o), poc, "", http.StatusNotFound)
		if e := errorOf(t, w); e.Error.Code != "not_found" || !strings.Contains(e.Error.Message, o) {
			t.Errorf("delete unknown %s: %+v", o, e)
		}
	}

	// Removed (escaped as encodeURIComponent does): gone here at once, there after a reload.
	mustDo(t, a, http.MethodDelete, allowlistPath+"/"+url.QueryEscape("https://www.ontario.ca"), poc, "", http.StatusNoContent)
	want = "https://www.canada.ca https://*.gc.ca https://b.example.ca"
	if got := frameAncestors(t, a); got != want {
		t.Fatalf("after delete: frame-ancestors %q, want %q", got, want)
	}
	eventually(t, 10*time.Second, "the other replica to drop the origin", func() bool { return frameAncestors(t, b) == want })
	mustDo(t, b, http.MethodDelete, allowlistPath+"/"+url.QueryEscape("https://www.ontario.ca"), poc, "", http.StatusNotFound)
	// Unescaped slashes and another spelling work too.
	mustDo(t, b, http.MethodDelete, allowlistPath+"/HTTPS://B.example.ca", poc, "", http.StatusNoContent)
	// Listing reloads too, so a sees b's delete without waiting.
	if got := list(t, a, poc); len(got) != 2 {
		t.Fatalf("list after b's delete: %+v", got)
	}
	if got := frameAncestors(t, a); got != "https://www.canada.ca https://*.gc.ca" {
		t.Fatalf("after both deletes: %q", got)
	}

	// A replica started later begins with the stored entries.
	mustDo(t, a, http.MethodPost, allowlistPath, poc, `{"origin":"https://www.quebec.ca"}`, http.StatusCreated)
	late := c.replica("dashboards-c", env, time.Hour)
	if got := frameAncestors(t, late); got != "https://www.canada.ca https://*.gc.ca https://www.quebec.ca" {
		t.Fatalf("a new replica: %q", got)
	}
}

// Reading and changing the allowlist needs the PoC or an admin.
func TestAllowlistAuthorization(t *testing.T) {
	c := newCluster(t)
	h := c.replica("dashboards-a", map[string]string{"EMBED_ALLOWED_ORIGINS": "https://www.canada.ca"}, time.Hour)
	tokens := map[string]string{
		"anonymous": "",
		"forged":    "kept_01jxxxxxxxxxxxxxxxxxxxxxxx_notasecret",
		"editor":    c.token("editor", auth.Role{Kind: auth.KindAgencyEditor, Org: "rcmp-grc"}),
		"wg_member": c.token("member", auth.Role{Kind: auth.KindWGMember, Plan: "ca-nap6", Commitment: "C01", Side: auth.SideCivilSociety}),
		"notifier":  c.token("notifier", auth.Role{Kind: auth.KindNotifier}),
		"poc":       c.token("poc", auth.Role{Kind: auth.KindPoC}),
		"admin":     c.token("admin", auth.Role{Kind: auth.KindAdmin}),
	}
	admin := tokens["admin"]
	mustDo(t, h, http.MethodPost, allowlistPath, admin, `{"origin":"https://keep.example.ca"}`, http.StatusCreated)
	refused := map[string]int{"anonymous": http.StatusUnauthorized, "forged": http.StatusUnauthorized,
		"editor": http.StatusForbidden, "wg_member": http.StatusForbidden, "notifier": http.StatusForbidden}
	for who, tok := range tokens {
		status, isRefused := refused[who]
		for _, rt := range []struct{ method, path, body string }{
			{http.MethodGet, allowlistPath, ""},
			{http.MethodPost, allowlistPath, `{"origin":"https://` + who + `.example.ca"}`},
			{http.MethodDelete, allowlistPath + "/" + url.QueryEscape("https://keep.example.ca"), ""},
		} {
			w := do(h, rt.method, rt.path, tok, rt.body)
			switch {
			case isRefused && w.Code != status:
				t.Errorf("%s %s as %s: %d, want %d", rt.method, rt.path, who, w.Code, status)
			case isRefused:
				if e := errorOf(t, w); (status == http.StatusForbidden && (e.Error.Code != "forbidden" || !strings.Contains(e.Error.Message, "poc, admin"))) ||
					(status == http.StatusUnauthorized && e.Error.Code == "forbidden") {
					t.Errorf("%s %s as %s: %+v", rt.method, rt.path, who, e)
				}
			case rt.method == http.MethodGet && w.Code != http.StatusOK,
				rt.method == http.MethodPost && w.Code != http.StatusCreated:
				t.Errorf("%s %s as %s: %d %s", rt.method, rt.path, who, w.Code, w.Body.String())
			case rt.method == http.MethodDelete:
				if w.Code != http.StatusNoContent {
					t.Errorf("DELETE as %s: %d %s", who, w.Code, w.Body.String())
				}
				// Put it back for the next allowed role.
				mustDo(t, h, http.MethodPost, allowlistPath, admin, `{"origin":"https://keep.example.ca"}`, http.StatusCreated)
			}
		}
	}
	var origins []string
	for _, e := range list(t, h, admin) {
		origins = append(origins, e.Origin)
	}
	// Only the allowed roles' additions are there; refused writes left nothing.
	if got := strings.Join(origins, " "); got != "https://www.canada.ca https://admin.example.ca https://keep.example.ca https://poc.example.ca" {
		t.Fatalf("after the matrix: %s", got)
	}
}
