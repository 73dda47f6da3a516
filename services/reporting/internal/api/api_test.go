package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/kit/outbox"
	"github.com/kept-ogp/kept/services/kit/ratelimit"
	"github.com/kept-ogp/kept/services/kit/stream"
	"github.com/kept-ogp/kept/services/reporting/internal/api"
	"github.com/kept-ogp/kept/services/reporting/internal/fixture"
	"github.com/kept-ogp/kept/services/reporting/internal/readmodel"
	"github.com/kept-ogp/kept/services/reporting/internal/store"
)

var taipei = mustZone("Asia/Taipei")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func tp(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, taipei)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

type env struct {
	t      *testing.T
	engine *gin.Engine
	rm     *readmodel.Store
	st     *store.Store
	clock  *clock
	stream string
	tokens map[string]string
	ip     string
	logs   *syncBuffer
}

// syncBuffer collects the handler's logs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newEnv(t *testing.T) *env {
	t.Helper()
	gin.SetMode(gin.TestMode)
	ctx := context.Background()
	db := newDB(t, "rep")
	rm := readmodel.New(db)
	st := store.New(db)
	if err := st.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	name := "kept:reporting:test:" + db.Name() // unique per test
	t.Cleanup(func() { rdb.Del(context.Background(), name) })
	pub := stream.NewPublisher(rdb, name, 0)
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	vc, cc, fc := st.OutboxCollections()
	rels := api.Relays{Versions: outbox.NewRelay(vc, pub, 0, logger), Consultations: outbox.NewRelay(cc, pub, 0, logger), Finals: outbox.NewRelay(fc, pub, 0, logger)}
	st.VersionLock, st.ConsultationLock = rels.Versions.Lock, rels.Consultations.Lock
	tokens := auth.NewStore(newDB(t, "auth"))
	c := &clock{t: tp(2026, 7, 2, 9, 0)}
	h := &api.Handler{Read: rm, Store: st, Relays: rels, Verifier: tokens, Zone: taipei, Now: c.Now, Logger: logger,
		Limiter: &ratelimit.Limiter{Redis: rdb, Max: 4, Window: time.Minute, Prefix: "kept:reporting:rl:" + name + ":"}}
	r := gin.New()
	h.Routes(r)
	e := &env{t: t, engine: r, rm: rm, st: st, clock: c, stream: name, tokens: map[string]string{}, ip: "203.0.113.9", logs: logs}
	for who, role := range map[string]string{"poc": "poc", "admin": "admin", "editor": "agency_editor:rcmp-grc", "wg": "wg_member:ca-nap6/C01:civil_society"} {
		ro, err := auth.ParseRole(role)
		if err != nil {
			t.Fatal(err)
		}
		_, secret, err := tokens.Create(ctx, who, "test", []auth.Role{ro})
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[who] = secret
	}
	e.loadCanada()
	return e
}

func en(s string) map[string]string { return map[string]string{"en": s, "fr": s + " (fr)"} }

func (e *env) apply(evs ...*eventsv1.Envelope) {
	e.t.Helper()
	for _, ev := range evs {
		if err := e.rm.Apply(context.Background(), ev); err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *env) loadCanada() {
	f, err := os.Open("../../testdata/canada-nap6-2025-2029.csv")
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	evs, err := fixture.CanadaPlan(f)
	if err != nil {
		e.t.Fatal(err)
	}
	e.apply(evs...)
	e.apply(update("U1", "C01.1.1", "substantial", "agreed", tp(2026, 5, 20, 10, 0)),
		update("U3", "C01.1.2", "complete", "disputed", tp(2026, 4, 2, 10, 0)),
		update("U4", "C01.1.3", "complete", "draft", tp(2026, 4, 2, 10, 0)))
}

func update(id, item, status, state string, at time.Time) *eventsv1.Envelope {
	u := fixture.Update{ID: id, Plan: "ca-nap6", Commitment: item[:3], Item: item, Period: "2026-06", Status: status, State: state,
		Version: 2, Agency: "rcmp-grc", Progress: en("Progress of " + id), Posted: at.Add(-48 * time.Hour), Government: at.Add(-24 * time.Hour),
		CivilSociety: at, DisputeReason: en("Civil society disagrees on " + id)}
	if state == "draft" {
		u.CivilSociety = time.Time{}
	}
	return u.Event()
}

type resp struct {
	code int
	body []byte
	hdr  http.Header
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("not JSON (%d): %s", r.code, r.body)
	}
	return m
}

func (r resp) errorMessage(t *testing.T) string {
	t.Helper()
	m := r.json(t)
	e, _ := m["error"].(map[string]any)
	msg, _ := e["message"].(string)
	return msg
}

func (e *env) do(method, path, who string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, "/api/v1/reporting/plans/ca-nap6"+path, rd)
	req.RemoteAddr = e.ip + ":1234"
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[who])
	}
	w := httptest.NewRecorder()
	e.engine.ServeHTTP(w, req)
	return resp{code: w.Code, body: w.Body.Bytes(), hdr: w.Header()}
}

func (e *env) events() []*eventsv1.Envelope {
	e.t.Helper()
	msgs, err := rdb.XRange(context.Background(), e.stream, "-", "+").Result()
	if err != nil {
		e.t.Fatal(err)
	}
	var out []*eventsv1.Envelope
	for _, m := range msgs {
		s, _ := m.Values[stream.FieldEnvelope].(string)
		env := &eventsv1.Envelope{}
		if err := proto.Unmarshal([]byte(s), env); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, env)
	}
	return out
}

func TestWritesNeedTheRightRole(t *testing.T) {
	e := newEnv(t)
	sections := map[string]any{"introduction": en("Intro")}
	writes := []struct {
		method, path string
		body         any
	}{
		{"PUT", "/sar/sections", sections},
		{"PUT", "/periods", map[string]any{"scheme": "calendar_halves"}},
		{"POST", "/versions/sar-en-v1/publish", map[string]any{}},
		{"POST", "/sar/consultations", map[string]any{"version": "sar-en-v1", "opens": "2026-07-01", "closes": "2026-08-01"}},
		{"POST", "/sar/consultations/X/comments/Y/hide", map[string]any{"reason": "spam"}},
		{"PUT", "/sar/consultations/X/response", map[string]any{"summary": en("s")}},
		{"POST", "/sar/consultations/X/review", map[string]any{"reviewers": "MSF", "outcome": "endorsed"}},
		{"POST", "/sar/final", map[string]any{"consultation": "X"}},
	}
	for _, w := range writes {
		if r := e.do(w.method, w.path, "", w.body); r.code != http.StatusUnauthorized {
			t.Errorf("anonymous %s %s = %d, want 401", w.method, w.path, r.code)
		}
		for _, who := range []string{"editor", "wg"} {
			if r := e.do(w.method, w.path, who, w.body); r.code != http.StatusForbidden {
				t.Errorf("%s %s %s = %d, want 403", who, w.method, w.path, r.code)
			}
		}
	}
	if r := e.do("PUT", "/sar/sections", "admin", sections); r.code != http.StatusForbidden {
		t.Errorf("admin writes SAR sections: %d", r.code)
	}
	if r := e.do("PUT", "/periods", "admin", map[string]any{"scheme": "calendar_halves"}); r.code != http.StatusOK {
		t.Errorf("admin sets periods: %d %s", r.code, r.body)
	}
	if r := e.do("PUT", "/sar/sections", "poc", sections); r.code != http.StatusOK {
		t.Errorf("poc writes sections: %d %s", r.code, r.body)
	}
	// Nothing was written by the refused requests.
	if r := e.do("GET", "/versions", "", nil); r.code != 200 || len(r.json(t)["versions"].([]any)) != 0 {
		t.Fatalf("versions after refused writes: %s", r.body)
	}
}

func TestPeriodsAndProgressReport(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/periods", "", nil)
	if r.code != 200 || !strings.Contains(string(r.body), `"id":"2026-06","start":"2026-01-01","end":"2026-06-30"`) || r.json(t)["time_zone"] != "Asia/Taipei" {
		t.Fatalf("periods = %d %s", r.code, r.body)
	}
	r = e.do("GET", "/periods/2026-06/progress?lang=en", "", nil)
	if r.code != 200 {
		t.Fatalf("progress = %d %s", r.code, r.body)
	}
	body := string(r.body)
	if strings.Contains(body, "U4") || !strings.Contains(body, `"update_id": "U1"`) || !strings.Contains(body, "Civil society disagrees on U3") {
		t.Fatalf("progress report: draft shown or agreed/disputed missing")
	}
	if !strings.Contains(body, `"no_agreed_update": true`) || r.hdr.Get("X-Report-Version") != "progress-2026-06-en-v1" {
		t.Fatalf("missing items not marked or version header %q", r.hdr.Get("X-Report-Version"))
	}
	if r := e.do("GET", "/periods/2026-06/progress?lang=fr&format=html", "", nil); r.code != 200 || !strings.Contains(string(r.body), `<html lang="fr">`) {
		t.Fatalf("french html progress = %d", r.code)
	}
	if r := e.do("GET", "/periods/2026-05/progress", "", nil); r.code != 404 || !strings.Contains(r.errorMessage(t), "2026-06") {
		t.Fatalf("unknown period = %d %s", r.code, r.body)
	}
	if r := e.do("GET", "/periods/2026-06/progress?lang=de", "", nil); r.code != 400 || !strings.Contains(r.errorMessage(t), "en, fr") {
		t.Fatalf("unknown language = %d %s", r.code, r.body)
	}
	if r := e.do("PUT", "/periods", "poc", map[string]any{"scheme": "explicit", "periods": []map[string]string{{"id": "y1", "start": "2025-09-01", "end": "2025-08-31"}}}); r.code != 400 || !strings.Contains(r.errorMessage(t), "periods[0]") {
		t.Fatalf("bad explicit periods = %d %s", r.code, r.body)
	}
	if r := e.do("PUT", "/periods", "poc", map[string]any{"scheme": "calendar_halves"}); r.code != 200 {
		t.Fatalf("set halves = %d %s", r.code, r.body)
	}
	if r := e.do("GET", "/periods/2026-H1/progress", "", nil); r.code != 200 || !strings.Contains(string(r.body), `"update_id": "U1"`) {
		t.Fatalf("2026-H1 progress = %d", r.code)
	}
	if r := e.do("GET", "/periods/2026-06/progress", "", nil); r.code != 404 {
		t.Fatalf("old period name after the scheme changed = %d", r.code)
	}
}

func TestSectionsAreValidatedAndShown(t *testing.T) {
	e := newEnv(t)
	bad := map[string]any{"introduction": map[string]string{"de": "Hallo"},
		"commitments": map[string]any{"C09": map[string]any{}, "C01": map[string]any{"ogp_values": []string{"transparency"}, "start": "soon"}}}
	r := e.do("PUT", "/sar/sections", "poc", bad)
	msg := r.errorMessage(t)
	for _, want := range []string{"introduction.de", "commitments.C09", "commitments.C01.ogp_values[0]", "commitments.C01.start"} {
		if r.code != 400 || !strings.Contains(msg, want) {
			t.Fatalf("bad sections = %d %q, want it to name %s", r.code, msg, want)
		}
	}
	if r := e.do("GET", "/sar/sections", "", nil); r.code != 200 || strings.Contains(string(r.body), "Hallo") {
		t.Fatalf("a refused write was stored: %s", r.body)
	}
	good := map[string]any{"introduction": en("Our <b>SAR</b>"), "forum_meetings": en("Four meetings."),
		"commitments": map[string]any{"C01": map[string]any{"problem": en("Low trust in policing."), "ogp_values": []string{"civic_participation", "civic_participation"}, "start": "2025-09", "end": "2029-06"}}}
	if r := e.do("PUT", "/sar/sections", "poc", good); r.code != 200 {
		t.Fatalf("sections = %d %s", r.code, r.body)
	}
	r = e.do("GET", "/sar?format=md", "", nil)
	md := string(r.body)
	for _, want := range []string{"Our \\<b\\>SAR\\</b\\>", "Four meetings.", "| Problem addressed | Low trust in policing. |",
		"| What it does | Not provided. |", "| OGP values | Civic participation |", "| Start | 2025-09 |", "| Start | 2025-01 |"} {
		if !strings.Contains(md, want) {
			t.Fatalf("SAR markdown lacks %q", want)
		}
	}
}

func docxHash(t *testing.T, b []byte) string {
	t.Helper()
	if _, err := zip.NewReader(bytes.NewReader(b), int64(len(b))); err != nil {
		t.Fatalf("not a docx: %v", err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestVersionsPublishAndImmutability(t *testing.T) {
	e := newEnv(t)
	r := e.do("GET", "/sar?lang=en", "", nil)
	if r.code != 200 || r.hdr.Get("X-Report-Version") != "sar-en-v1" {
		t.Fatalf("first SAR = %d %q", r.code, r.hdr.Get("X-Report-Version"))
	}
	if r := e.do("GET", "/sar?lang=en&format=docx", "", nil); r.hdr.Get("X-Report-Version") != "sar-en-v1" {
		t.Fatalf("same data made a new version: %s", r.hdr.Get("X-Report-Version"))
	}
	if r := e.do("GET", "/sar?lang=fr&format=json", "", nil); r.hdr.Get("X-Report-Version") != "sar-fr-v1" {
		t.Fatalf("french SAR version = %s", r.hdr.Get("X-Report-Version"))
	}
	// An agreed update arrives late, for the period already reported.
	e.do("GET", "/periods/2026-06/progress", "", nil)
	e.apply(update("U9", "C02.1.1", "complete", "agreed", tp(2026, 6, 30, 23, 30)))
	r = e.do("GET", "/sar?lang=en", "", nil)
	if r.hdr.Get("X-Report-Version") != "sar-en-v2" || !strings.Contains(string(r.body), "Progress of U9") {
		t.Fatalf("late update did not make a new version: %s", r.hdr.Get("X-Report-Version"))
	}
	if r := e.do("GET", "/periods/2026-06/progress", "", nil); r.hdr.Get("X-Report-Version") != "progress-2026-06-en-v2" {
		t.Fatalf("late update did not make a new progress version: %s", r.hdr.Get("X-Report-Version"))
	}
	// Every version is kept and reads as it was.
	r = e.do("GET", "/versions", "", nil)
	if n := len(r.json(t)["versions"].([]any)); n != 5 {
		t.Fatalf("versions = %d, want 5: %s", n, r.body)
	}
	v1 := e.do("GET", "/versions/sar-en-v1?format=html", "", nil)
	if v1.code != 200 || strings.Contains(string(v1.body), "Progress of U9") {
		t.Fatalf("version 1 changed: %d", v1.code)
	}
	before := e.do("GET", "/versions/sar-en-v1?format=docx", "", nil)
	if r := e.do("POST", "/versions/sar-en-v9/publish", "poc", nil); r.code != 404 {
		t.Fatalf("publish unknown = %d", r.code)
	}
	r = e.do("POST", "/versions/sar-en-v1/publish", "poc", nil)
	if r.code != 200 {
		t.Fatalf("publish = %d %s", r.code, r.body)
	}
	if r := e.do("POST", "/versions/sar-en-v1/publish", "poc", nil); r.code != http.StatusConflict || !strings.Contains(r.errorMessage(t), "can no longer change") {
		t.Fatalf("second publish = %d %s", r.code, r.body)
	}
	docs := e.do("GET", "/documents", "", nil).json(t)["documents"].([]any)
	if len(docs) != 1 {
		t.Fatalf("repository = %v", docs)
	}
	d := docs[0].(map[string]any)
	files := d["files_sha256"].(map[string]any)
	after := e.do("GET", "/versions/sar-en-v1?format=docx", "", nil)
	if d["id"] != "sar-en-v1" || d["content_sha256"] == "" || d["published_at"] == nil ||
		files["docx"] != docxHash(t, after.body) || !bytes.Equal(before.body, after.body) {
		t.Fatalf("published document = %v; the docx served must hash to the listed value", d)
	}
	if strings.Contains(string(e.do("GET", "/documents", "", nil).body), "published_by") {
		t.Fatal("the repository names the publishing token")
	}
	evs := e.events()
	if len(evs) != 1 || evs[0].GetReportPublished().GetVersionId() != "sar-en-v1" || evs[0].GetReportPublished().GetContentSha256() != d["content_sha256"] {
		t.Fatalf("events = %v", evs)
	}
}

func TestConsultationToFinalSAR(t *testing.T) {
	e := newEnv(t)
	e.do("GET", "/sar?lang=en", "", nil)
	short := map[string]any{"version": "sar-en-v1", "opens": "2026-07-06", "closes": "2026-08-02"}
	r := e.do("POST", "/sar/consultations", "poc", short)
	if msg := r.errorMessage(t); r.code != 400 || !strings.Contains(msg, "2026-07-06") || !strings.Contains(msg, "2026-08-02") || !strings.Contains(msg, "2026-08-03") {
		t.Fatalf("27 days = %d %q; want the dates and the earliest close named", r.code, msg)
	}
	if r := e.do("POST", "/sar/consultations", "poc", map[string]any{"version": "progress-2026-06-en-v1", "opens": "2026-07-06", "closes": "2026-08-03"}); r.code != 400 {
		t.Fatalf("consultation on a non-SAR version = %d", r.code)
	}
	r = e.do("POST", "/sar/consultations", "poc", map[string]any{"version": 1, "opens": "2026-07-06", "closes": "2026-08-03"})
	if r.code != 201 {
		t.Fatalf("28 days = %d %s", r.code, r.body)
	}
	id := r.json(t)["consultation"].(map[string]any)["id"].(string)
	evs := e.events()
	if len(evs) != 1 || evs[0].GetConsultationOpened().GetCloses() != "2026-08-03" || evs[0].GetConsultationOpened().GetVersionId() != "sar-en-v1" {
		t.Fatalf("ConsultationOpened = %v", evs)
	}
	path := "/sar/consultations/" + id
	comment := map[string]any{"text": "Please add the forum minutes.", "language": "en", "anonymous": true, "email": "ada@example.org"}
	if r := e.do("POST", path+"/comments", "", comment); r.code != http.StatusConflict || !strings.Contains(r.errorMessage(t), "2026-07-06") {
		t.Fatalf("comment before it opens = %d %s", r.code, r.body)
	}
	e.clock.Set(tp(2026, 7, 6, 0, 0))
	r = e.do("POST", path+"/comments", "", comment)
	if r.code != 201 || strings.Contains(string(r.body), "ada@") {
		t.Fatalf("anonymous comment = %d %s", r.code, r.body)
	}
	cid := r.json(t)["comment"].(map[string]any)["id"].(string)
	if email, _ := e.st.CommentEmail(context.Background(), cid); email != "ada@example.org" {
		t.Fatalf("email stored apart = %q", email)
	}
	// Too long, and a name with a right-to-left override: both named.
	if r := e.do("POST", path+"/comments", "", map[string]any{"text": strings.Repeat("x", 5001), "language": "en", "display_name": "Bo\u202e"}); r.code != 400 ||
		!strings.Contains(r.errorMessage(t), "text") || !strings.Contains(string(r.body), "U+202E") {
		t.Fatalf("long comment with a control character = %d %s", r.code, r.body)
	}
	if r := e.do("POST", path+"/comments", "", map[string]any{"text": "buy now", "language": "en", "display_name": "bot", "website": "http://spam"}); r.code != 201 {
		t.Fatalf("honeypot = %d", r.code)
	}
	if r := e.do("POST", path+"/comments", "", comment); r.code != http.StatusTooManyRequests || r.hdr.Get("Retry-After") == "" {
		t.Fatalf("fourth comment from one IP in the window = %d", r.code)
	}
	pub := e.do("GET", path, "", nil)
	cs := pub.json(t)["comments"].([]any)
	if len(cs) != 1 || strings.Contains(string(pub.body), "ada@") || strings.Contains(string(pub.body), "buy now") || pub.json(t)["open"] != true {
		t.Fatalf("public comments = %s", pub.body)
	}
	if r := e.do("POST", path+"/comments/"+cid+"/redact", "poc", map[string]any{"reason": "Removed a phone number", "text": "Please add the [redacted] minutes."}); r.code != 200 {
		t.Fatalf("redact = %d %s", r.code, r.body)
	}
	if r := e.do("POST", path+"/comments/"+cid+"/hide", "admin", map[string]any{}); r.code != 400 || !strings.Contains(r.errorMessage(t), "reason") {
		t.Fatalf("hide without reason = %d", r.code)
	}
	if r := e.do("POST", path+"/comments/"+cid+"/hide", "admin", map[string]any{"reason": "Off topic"}); r.code != 200 {
		t.Fatalf("hide = %d", r.code)
	}
	pub = e.do("GET", path, "", nil)
	if !strings.Contains(string(pub.body), "Off topic") || !strings.Contains(string(pub.body), "Removed a phone number") || strings.Contains(string(pub.body), "minutes") {
		t.Fatalf("moderated comment = %s", pub.body)
	}
	// Response, review and final wait for the close.
	if r := e.do("PUT", path+"/response", "poc", map[string]any{"summary": en("We added the minutes.")}); r.code != http.StatusConflict {
		t.Fatalf("response before close = %d", r.code)
	}
	if r := e.do("POST", "/sar/final", "poc", map[string]any{"consultation": id}); r.code != http.StatusConflict ||
		!strings.Contains(r.errorMessage(t), "response summary") || !strings.Contains(r.errorMessage(t), "forum's review") {
		t.Fatalf("final too early = %d %s", r.code, r.body)
	}
	e.clock.Set(tp(2026, 8, 3, 23, 59))
	e.ip = "198.51.100.7"
	if r := e.do("POST", path+"/comments", "", map[string]any{"text": "Last minute", "language": "fr", "display_name": "Léa"}); r.code != 201 {
		t.Fatalf("comment on the last day = %d %s", r.code, r.body)
	}
	e.clock.Set(tp(2026, 8, 4, 0, 0))
	if r := e.do("PUT", path+"/response", "poc", map[string]any{"summary": map[string]string{"en": "Only English"}}); r.code != 400 || !strings.Contains(r.errorMessage(t), "summary.fr") {
		t.Fatalf("response without french = %d %s", r.code, r.body)
	}
	if r := e.do("PUT", path+"/response", "poc", map[string]any{"summary": en("We added the minutes.")}); r.code != 200 {
		t.Fatalf("response = %d %s", r.code, r.body)
	}
	if r := e.do("POST", "/sar/final", "poc", map[string]any{"consultation": id}); r.code != http.StatusConflict || !strings.Contains(r.errorMessage(t), "forum's review") {
		t.Fatalf("final without review = %d %s", r.code, r.body)
	}
	if r := e.do("POST", path+"/review", "poc", map[string]any{"reviewers": "MSF co-chairs", "outcome": "great"}); r.code != 400 || !strings.Contains(r.errorMessage(t), "outcome") {
		t.Fatalf("bad outcome = %d", r.code)
	}
	if r := e.do("POST", path+"/review", "poc", map[string]any{"reviewers": "MSF co-chairs A. Roy and B. Tremblay", "outcome": "endorsed", "on": "2026-08-10"}); r.code != 200 {
		t.Fatalf("review = %d %s", r.code, r.body)
	}
	r = e.do("POST", "/sar/final", "poc", map[string]any{"consultation": id})
	if r.code != 200 {
		t.Fatalf("final = %d %s", r.code, r.body)
	}
	if r := e.do("POST", "/sar/final", "poc", map[string]any{"consultation": id}); r.code != http.StatusConflict {
		t.Fatalf("second final = %d", r.code)
	}
	if r := e.do("POST", path+"/review", "poc", map[string]any{"reviewers": "x", "outcome": "changes_requested"}); r.code != http.StatusConflict {
		t.Fatalf("review after final = %d", r.code)
	}
	if r := e.do("POST", "/versions/sar-en-v1/publish", "poc", nil); r.code != http.StatusConflict {
		t.Fatalf("republish the final SAR = %d", r.code)
	}
	docs := e.do("GET", "/documents", "", nil).json(t)["documents"].([]any)
	if len(docs) != 1 || docs[0].(map[string]any)["final"] != true {
		t.Fatalf("repository = %v", docs)
	}
	c := e.do("GET", path, "", nil).json(t)["consultation"].(map[string]any)
	rv := c["review"].(map[string]any)
	if rv["reviewers"] != "MSF co-chairs A. Roy and B. Tremblay" || rv["outcome"] != "endorsed" || rv["on"] != "2026-08-10" || rv["recorded_by"] != "poc" {
		t.Fatalf("review record = %v", rv)
	}
	var types []string
	for _, ev := range e.events() {
		types = append(types, ev.GetType())
		if b, _ := proto.Marshal(ev); bytes.Contains(b, []byte("ada@")) {
			t.Fatal("an event carries a commenter's email")
		}
	}
	if strings.Contains(e.logs.String(), "ada@") || !strings.Contains(e.logs.String(), "comment moderated") {
		t.Fatalf("logs hold an email or miss the moderation: %s", e.logs.String())
	}
	if strings.Join(types, " ") != "reporting.consultation.opened reporting.report.published reporting.sar.finalized" {
		t.Fatalf("events = %v", types)
	}
}
