package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/kit/distlock"
	"github.com/kept-ogp/kept/services/kit/outbox"
	"github.com/kept-ogp/kept/services/kit/ratelimit"
	"github.com/kept-ogp/kept/services/kit/stream"
	"github.com/kept-ogp/kept/services/qa/internal/api"
	"github.com/kept-ogp/kept/services/qa/internal/comments"
	"github.com/kept-ogp/kept/services/qa/internal/leads"
	"github.com/kept-ogp/kept/services/qa/internal/questions"
	"github.com/kept-ogp/kept/services/qa/internal/slaclock"
)

var taipei = mustZone("Asia/Taipei")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// asked is Monday 2 March 2026, 10:00 in Taipei. With 20 working days and no
// holidays the answer is due on Monday 30 March; warnings fall at 09:00 on
// 23 March (5) and 27 March (1); the breach at 00:00 on 31 March.
var asked = time.Date(2026, 3, 2, 10, 0, 0, 0, taipei)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond) // an order for events of one test
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

type published struct {
	mu   sync.Mutex
	envs []*eventsv1.Envelope
}

func (p *published) Publish(_ context.Context, env *eventsv1.Envelope) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.envs = append(p.envs, env)
	return "0-1", nil
}

func (p *published) all() []*eventsv1.Envelope {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*eventsv1.Envelope(nil), p.envs...)
}

func (p *published) types() []string {
	var out []string
	for _, e := range p.all() {
		out = append(out, e.GetType())
	}
	return out
}

// syncBuffer collects log output.
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

type harness struct {
	t      *testing.T
	h      http.Handler
	db     *mongo.Database
	svc    *questions.Service
	tokens *auth.Store
	pub    *published
	logs   *syncBuffer
	clock  *fakeClock
	logger *slog.Logger
	// comments and updates serve the public's comments on updates.
	comments *comments.Service
	updates  *comments.Updates
}

func policy() slaclock.Policy {
	return slaclock.Policy{Days: 20, Mode: slaclock.WorkingDays, Location: taipei, Warnings: []int{5, 1}}
}

func lt(s string) *eventsv1.LocalizedText {
	return &eventsv1.LocalizedText{Values: map[string]string{"en": s}}
}

// newService is one replica's questions service on db.
func (e *harness) newService() *questions.Service {
	st := questions.NewStore(e.db)
	st.Due = &questions.DueIndex{Redis: rdb, Key: "t:" + e.db.Name() + ":next-alert", Logger: e.logger}
	cal := questions.NewCalendarStore(e.db)
	return &questions.Service{Store: st, Calendar: cal, Policy: policy(), Policies: questions.NewPolicyStore(e.db),
		Relay:   outbox.NewRelay(st.Collection(), e.pub, time.Hour, e.logger),
		Alerts:  outbox.NewRelay(st.Alerts(), e.pub, time.Hour, e.logger),
		Changes: outbox.NewRelay(cal.Changes(), e.pub, time.Hour, e.logger),
		Now:     e.clock.Now, Logger: e.logger, Locks: &distlock.Locker{Redis: rdb, Prefix: "t:" + e.db.Name() + ":lock:"}}
}

func setup(t *testing.T) *harness {
	t.Helper()
	gin.SetMode(gin.TestMode)
	ctx := context.Background()
	e := &harness{t: t, db: newDB(t, "qa"), pub: &published{}, logs: &syncBuffer{}, clock: &fakeClock{t: asked}}
	e.logger = slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ls := leads.New(e.db)
	c01 := &eventsv1.CommitmentUpserted{PlanId: "tw-nap3", Code: "C01", Title: lt("Open data"),
		LeadOrgs: []*eventsv1.Organisation{{Code: "ndc", Name: lt("NDC")}, {Code: "moda", Name: lt("MODA")}}}
	env := stream.NewEnvelope(ctx, "commitments", "commitments.commitment.upserted", "tw-nap3/C01", 1)
	env.Body = &eventsv1.Envelope_CommitmentUpserted{CommitmentUpserted: c01}
	if err := ls.Apply(ctx, env); err != nil {
		t.Fatal(err)
	}
	plan := stream.NewEnvelope(ctx, "commitments", "commitments.plan.upserted", "tw-nap3", 1)
	plan.Body = &eventsv1.Envelope_PlanUpserted{PlanUpserted: &eventsv1.PlanUpserted{PlanId: "tw-nap3",
		Languages: []string{"zh-Hant", "en"}, CommitmentCodes: []string{"C01"}}}
	if err := ls.ApplyPlan(ctx, plan); err != nil {
		t.Fatal(err)
	}
	e.svc = e.newService()
	e.updates = comments.NewUpdates(e.db)
	e.updates.Locks = e.svc.Locks
	e.comments = &comments.Service{Store: comments.NewStore(e.db), Updates: e.updates, Locks: e.svc.Locks, Now: e.clock.Now}
	if err := e.svc.Store.EnsureIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	e.tokens = auth.NewStore(newDB(t, "auth"))
	h := &api.Handler{Leads: ls, Service: e.svc, Verifier: e.tokens, Logger: e.logger, Comments: e.comments,
		Limiter: &ratelimit.Limiter{Redis: rdb, Max: 5, Window: 10 * time.Minute, Prefix: "t:" + e.db.Name() + ":"}}
	r := gin.New()
	h.Routes(r)
	e.h = r
	return e
}

func (e *harness) token(name string, roles ...auth.Role) string {
	e.t.Helper()
	_, secret, err := e.tokens.Create(context.Background(), name, "test", roles)
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

func editor(org string) auth.Role { return auth.Role{Kind: auth.KindAgencyEditor, Org: org} }

var poc = auth.Role{Kind: auth.KindPoC}

type response struct {
	*httptest.ResponseRecorder
	t *testing.T
}

func (e *harness) request(method, path, token, ip string, body any) response {
	e.t.Helper()
	var rd io.Reader = http.NoBody
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	if ip != "" {
		req.RemoteAddr = ip + ":4000"
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	return response{w, e.t}
}

func (e *harness) do(method, path, token string, body any) response {
	e.t.Helper()
	return e.request(method, path, token, "", body)
}

func (r response) want(status int) response {
	r.t.Helper()
	if r.Code != status {
		r.t.Fatalf("status %d, want %d: %s", r.Code, status, r.Body.String())
	}
	return r
}

func (r response) question() questions.View {
	r.t.Helper()
	var out struct {
		Question questions.View `json:"question"`
	}
	if err := json.Unmarshal(r.Body.Bytes(), &out); err != nil {
		r.t.Fatalf("decode %s: %v", r.Body.String(), err)
	}
	return out.Question
}

const base = "/api/v1/plans/tw-nap3/commitments/C01/questions"

func askBody(text string) map[string]any {
	return map[string]any{"text": text, "language": "zh-Hant", "display_name": "林小姐"}
}

func (e *harness) ask(text string) questions.View {
	e.t.Helper()
	return e.do(http.MethodPost, base, "", askBody(text)).want(http.StatusCreated).question()
}

func (e *harness) get(id string) questions.View {
	e.t.Helper()
	return e.do(http.MethodGet, base+"/"+id, "", nil).want(http.StatusOK).question()
}

func TestAskAnonymouslyNeverShowsTheEmail(t *testing.T) {
	e := setup(t)
	const email = "Asker.Private@example.org"
	body := map[string]any{"text": "When will the data portal\nopen?", "language": "en", "anonymous": true, "email": email}
	r := e.do(http.MethodPost, base, "", body).want(http.StatusCreated)
	q := r.question()
	if q.Status != questions.StatusOpen || q.Agency != "ndc" || !q.Anonymous || q.DueDay != "2026-03-30" {
		t.Fatalf("question %+v", q)
	}
	if !strings.Contains(q.HowComputed, "20 working days") {
		t.Errorf("explanation %q", q.HowComputed)
	}
	// Every way out: responses, events, logs, the question document.
	outs := []string{r.Body.String(), e.do(http.MethodGet, base, "", nil).want(http.StatusOK).Body.String(),
		e.do(http.MethodGet, base+"/"+q.ID, "", nil).want(http.StatusOK).Body.String()}
	// A bad request and a server-side error path log nothing of the body either.
	e.do(http.MethodPost, base, "", map[string]any{"text": "", "language": "en", "anonymous": true, "email": email}).want(http.StatusUnprocessableEntity)
	var confirm *eventsv1.EmailConfirmationRequested
	for _, env := range e.pub.all() {
		b, _ := proto.Marshal(env)
		j, _ := protojson.Marshal(env)
		outs = append(outs, string(b), string(j))
		if c := env.GetEmailConfirmationRequested(); c != nil {
			confirm = c
		}
	}
	var raw bson.M
	if err := e.svc.Store.Collection().FindOne(context.Background(), bson.M{"_id": q.ID}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	rawJSON, _ := json.Marshal(raw)
	outs = append(outs, string(rawJSON), e.logs.String())
	for i, s := range outs {
		if strings.Contains(strings.ToLower(s), strings.ToLower(email)) || strings.Contains(s, "example.org") {
			t.Errorf("output %d shows the email: %s", i, s)
		}
	}
	if got := e.pub.types(); len(got) != 2 || got[0] != questions.TypeAsked || got[1] != questions.TypeConfirmationRequest {
		t.Fatalf("events %v", got)
	}
	// The address is stored apart, with only a hash of the token.
	var ed bson.M
	if err := e.db.Collection("asker_emails").FindOne(context.Background(), bson.M{"_id": q.ID}).Decode(&ed); err != nil {
		t.Fatal(err)
	}
	if ed["email"] != email || confirm == nil || confirm.GetToken() == "" || ed["token_hash"] != questions.TokenHash(confirm.GetToken()) {
		t.Fatalf("email doc %v, confirmation %v", ed, confirm)
	}
	if strings.Contains(string(rawJSON), confirm.GetToken()) {
		t.Error("the question document keeps the raw token after relaying")
	}
}

func TestAskValidates(t *testing.T) {
	e := setup(t)
	for name, body := range map[string]map[string]any{
		"empty":         {"text": "  ", "language": "en", "anonymous": true},
		"too long":      {"text": strings.Repeat("問", 5001), "language": "zh-Hant", "anonymous": true},
		"control char":  {"text": "hi\x07", "language": "en", "anonymous": true},
		"no name":       {"text": "hi", "language": "en"},
		"bad language":  {"text": "hi", "language": "English", "anonymous": true},
		"bad email":     {"text": "hi", "language": "en", "anonymous": true, "email": "not-an-address"},
		"name and anon": {"text": "hi", "language": "en", "anonymous": true, "display_name": "x"},
	} {
		if r := e.request(http.MethodPost, base, "", "198.51.100."+string(rune('1'+len(name)%8)), body); r.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d: %s", name, r.Code, r.Body.String())
		}
	}
	// 5000 characters of Chinese (15000 bytes) are within the limit.
	e.request(http.MethodPost, base, "", "203.0.113.9", map[string]any{"text": strings.Repeat("問", 5000), "language": "zh-Hant", "anonymous": true}).want(http.StatusCreated)
	e.do(http.MethodPost, "/api/v1/plans/tw-nap3/commitments/C99/questions", "", askBody("hi")).want(http.StatusNotFound)
}

func TestHoneypotLooksAcceptedButStoresNothing(t *testing.T) {
	e := setup(t)
	body := askBody("buy cheap watches")
	body["website"] = "http://spam.example"
	body["email"] = "bot@example.net"
	q := e.do(http.MethodPost, base, "", body).want(http.StatusCreated).question()
	if q.ID == "" || q.Status != questions.StatusOpen {
		t.Fatalf("honeypot answer %+v", q)
	}
	e.do(http.MethodGet, base+"/"+q.ID, "", nil).want(http.StatusNotFound)
	for _, coll := range []string{"questions", "asker_emails"} {
		n, err := e.db.Collection(coll).CountDocuments(context.Background(), bson.M{})
		if err != nil || n != 0 {
			t.Errorf("%s: %d documents, %v", coll, n, err)
		}
	}
	if len(e.pub.all()) != 0 {
		t.Errorf("events %v", e.pub.types())
	}
}

func TestRateLimitPerAddressAndPerEmail(t *testing.T) {
	e := setup(t)
	for i := range 5 {
		e.request(http.MethodPost, base, "", "192.0.2.10", askBody("question "+string(rune('a'+i)))).want(http.StatusCreated)
	}
	r := e.request(http.MethodPost, base, "", "192.0.2.10", askBody("one more")).want(http.StatusTooManyRequests)
	if ra := r.Header().Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After %q", ra)
	}
	e.request(http.MethodPost, base, "", "192.0.2.11", askBody("another address")).want(http.StatusCreated)
	// The same email from five other addresses: the sixth is refused.
	for i := range 6 {
		b := askBody("with email")
		b["email"] = "Same@Example.org"
		if i == 3 {
			b["email"] = " same@example.org "
		}
		want := http.StatusCreated
		if i == 5 {
			want = http.StatusTooManyRequests
		}
		e.request(http.MethodPost, base, "", "198.51.100."+string(rune('0'+i)), b).want(want)
	}
}

func TestRoutingAnswerAndFollowups(t *testing.T) {
	e := setup(t)
	q := e.ask("資料何時開放？")
	if q.Agency != "ndc" {
		t.Fatalf("assigned to %q, want the first lead ndc", q.Agency)
	}
	moda, ndc, pocTok := e.token("MODA editor", editor("moda")), e.token("NDC editor", editor("ndc")), e.token("PoC", poc)
	answer := map[string]any{"text": map[string]string{"zh-Hant": "六月開放。"}}
	e.do(http.MethodPost, base+"/"+q.ID+"/answers", "", answer).want(http.StatusUnauthorized)
	e.do(http.MethodPost, base+"/"+q.ID+"/answers", moda, answer).want(http.StatusForbidden)
	e.do(http.MethodPost, base+"/"+q.ID+"/assign", ndc, map[string]string{"agency": "moda"}).want(http.StatusForbidden)

	// Follow-ups by anyone never move the due date.
	e.clock.Set(asked.Add(72 * time.Hour))
	f := e.do(http.MethodPost, base+"/"+q.ID+"/followups", "", map[string]string{"text": "補充：包含哪些資料集？", "language": "zh-Hant"}).
		want(http.StatusCreated).question()
	if len(f.Followups) != 1 || f.DueDay != q.DueDay || *f.DueAt != *q.DueAt {
		t.Fatalf("after follow-up %+v", f)
	}
	// The PoC reassigns; the clock does not move; now MODA answers, NDC may not.
	a := e.do(http.MethodPost, base+"/"+q.ID+"/assign", pocTok, map[string]string{"agency": "moda"}).want(http.StatusOK).question()
	if a.Agency != "moda" || len(a.Assignments) != 2 || a.DueDay != q.DueDay {
		t.Fatalf("after assign %+v", a)
	}
	e.do(http.MethodPost, base+"/"+q.ID+"/answers", ndc, answer).want(http.StatusForbidden)
	e.clock.Set(time.Date(2026, 3, 10, 15, 0, 0, 0, taipei))
	ans := e.do(http.MethodPost, base+"/"+q.ID+"/answers", moda, answer).want(http.StatusOK).question()
	if ans.Status != questions.StatusAnswered || ans.AnsweredAt == nil || ans.OnTime == nil || !*ans.OnTime || ans.DaysTaken != 6 {
		t.Fatalf("answered %+v", ans)
	}
	// A follow-up after the answer keeps it answered.
	e.do(http.MethodPost, base+"/"+q.ID+"/followups", "", map[string]string{"text": "謝謝", "language": "zh-Hant", "display_name": "林小姐"}).want(http.StatusCreated)
	got := e.get(q.ID)
	if got.Status != questions.StatusAnswered || len(got.Followups) != 2 || len(got.Answers) != 1 || got.DueDay != q.DueDay {
		t.Fatalf("thread %+v", got)
	}
	want := []string{questions.TypeAsked, questions.TypeFollowedUp, questions.TypeAssigned, questions.TypeAnswered, questions.TypeFollowedUp}
	if strings.Join(e.pub.types(), " ") != strings.Join(want, " ") {
		t.Errorf("events %v, want %v", e.pub.types(), want)
	}
}

func TestPauseResumeMovesTheDueDateBySLARules(t *testing.T) {
	e := setup(t)
	q := e.ask("Which datasets?")
	ndc := e.token("NDC editor", editor("ndc"))
	moda := e.token("MODA editor", editor("moda"))
	// Paused Tuesday 10:00, resumed Thursday 10:00: Wednesday was wholly
	// paused and does not count; Tuesday and Thursday, partly paused, do.
	e.clock.Set(time.Date(2026, 3, 3, 10, 0, 0, 0, taipei))
	e.do(http.MethodPost, base+"/"+q.ID+"/pause", moda, map[string]string{"reason": "x"}).want(http.StatusForbidden)
	e.do(http.MethodPost, base+"/"+q.ID+"/pause", ndc, map[string]string{"reason": ""}).want(http.StatusUnprocessableEntity)
	p := e.do(http.MethodPost, base+"/"+q.ID+"/pause", ndc, map[string]string{"reason": "Which portal do you mean?"}).want(http.StatusOK).question()
	if p.Status != questions.StatusPaused || p.DueAt != nil || p.Remaining == 0 || len(p.Pauses) != 1 || p.Pauses[0].By != "NDC editor" {
		t.Fatalf("paused %+v", p)
	}
	e.do(http.MethodPost, base+"/"+q.ID+"/pause", ndc, map[string]string{"reason": "again"}).want(http.StatusConflict)
	e.clock.Set(time.Date(2026, 3, 5, 10, 0, 0, 0, taipei))
	r := e.do(http.MethodPost, base+"/"+q.ID+"/resume", ndc, nil).want(http.StatusOK).question()
	if r.Status != questions.StatusOpen || r.DueDay != "2026-03-31" || r.Pauses[0].To == nil {
		t.Fatalf("resumed %+v", r)
	}
	if !strings.Contains(r.HowComputed, "Which portal do you mean?") && !strings.Contains(r.HowComputed, "paused") {
		t.Errorf("explanation does not show the pause: %s", r.HowComputed)
	}
	// A pause within one day changes nothing.
	e.clock.Set(time.Date(2026, 3, 9, 10, 0, 0, 0, taipei))
	e.do(http.MethodPost, base+"/"+q.ID+"/pause", ndc, map[string]string{"reason": "short"}).want(http.StatusOK)
	e.clock.Set(time.Date(2026, 3, 9, 16, 0, 0, 0, taipei))
	if r2 := e.do(http.MethodPost, base+"/"+q.ID+"/resume", ndc, nil).want(http.StatusOK).question(); r2.DueDay != "2026-03-31" {
		t.Fatalf("after a same-day pause due %s", r2.DueDay)
	}
}

func TestExtensionByThePoCWithAReason(t *testing.T) {
	e := setup(t)
	q := e.ask("Budget?")
	ndc, pocTok := e.token("NDC editor", editor("ndc")), e.token("PoC", poc)
	e.do(http.MethodPost, base+"/"+q.ID+"/extend", ndc, map[string]any{"days": 5, "reason": "x"}).want(http.StatusForbidden)
	e.do(http.MethodPost, base+"/"+q.ID+"/extend", pocTok, map[string]any{"days": 5}).want(http.StatusUnprocessableEntity)
	x := e.do(http.MethodPost, base+"/"+q.ID+"/extend", pocTok, map[string]any{"days": 5, "reason": "Needs two ministries"}).want(http.StatusOK).question()
	if x.DueDay != "2026-04-06" || len(x.Extensions) != 1 || x.Extensions[0].Reason != "Needs two ministries" || x.Extensions[0].By != "PoC" {
		t.Fatalf("extended %+v", x)
	}
	last := e.pub.all()[len(e.pub.all())-1].GetQuestionChanged()
	if last.GetChange() != "extended" || last.GetExtensions() != 1 || last.GetChangeReason() != "Needs two ministries" || last.GetDueDay() != "2026-04-06" {
		t.Errorf("event %v", last)
	}
}

func TestHideAndRedactKeepTheRecord(t *testing.T) {
	e := setup(t)
	q := e.ask("My ID number is A123456789, why was my request refused?")
	other := e.ask("Spam spam")
	ndc, pocTok := e.token("NDC editor", editor("ndc")), e.token("PoC", poc)
	e.do(http.MethodPost, base+"/"+q.ID+"/redact", ndc, map[string]string{"text": "x", "reason": "y"}).want(http.StatusForbidden)
	r := e.do(http.MethodPost, base+"/"+q.ID+"/redact", pocTok, map[string]string{
		"text": "My ID number is [redacted], why was my request refused?", "reason": "personal data"}).want(http.StatusOK).question()
	if !r.Redacted || strings.Contains(r.Text, "A123456789") || len(r.Redactions) != 1 || r.Redactions[0].Reason != "personal data" {
		t.Fatalf("redacted %+v", r)
	}
	h := e.do(http.MethodPost, base+"/"+other.ID+"/hide", pocTok, map[string]string{"reason": "advertising"}).want(http.StatusOK).question()
	if h.Status != questions.StatusHidden || h.Text != "hidden by moderator: advertising" {
		t.Fatalf("hidden %+v", h)
	}
	var list struct {
		Questions []questions.View `json:"questions"`
	}
	if err := json.Unmarshal(e.do(http.MethodGet, base, "", nil).want(http.StatusOK).Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Questions) != 2 {
		t.Fatalf("list %+v", list)
	}
	for _, v := range list.Questions {
		if strings.Contains(v.Text, "Spam") || strings.Contains(v.Text, "A123456789") {
			t.Errorf("public text %q", v.Text)
		}
	}
	// Nothing deleted: the hidden question's record is still stored whole.
	stored, err := e.svc.Store.Get(context.Background(), other.ID)
	if err != nil || stored.Text != "Spam spam" || stored.Hidden == nil {
		t.Fatalf("stored %+v, %v", stored, err)
	}
	for _, env := range e.pub.all() {
		if c := env.GetQuestionChanged(); c.GetChange() == "hidden" && (c.GetText() != "" || c.GetHiddenReason() != "advertising") {
			t.Errorf("hidden event %v", c)
		}
	}
}

func TestCalendarChangeRecomputesOpenQuestionsOnly(t *testing.T) {
	e := setup(t)
	open := e.ask("open one")
	answered := e.ask("answered one")
	ndc, pocTok := e.token("NDC editor", editor("ndc")), e.token("PoC", poc)
	e.clock.Set(time.Date(2026, 3, 4, 11, 0, 0, 0, taipei))
	e.do(http.MethodPost, base+"/"+answered.ID+"/answers", ndc, map[string]any{"text": map[string]string{"en": "done"}}).want(http.StatusOK)
	e.do(http.MethodPut, "/api/v1/qa/calendar/days/2026-03-10", ndc, map[string]any{"off": true, "name": "颱風假"}).want(http.StatusForbidden)
	r := e.do(http.MethodPut, "/api/v1/qa/calendar/days/2026-03-10", pocTok, map[string]any{"off": true, "name": "颱風假"}).want(http.StatusOK)
	var out struct {
		Changed    []string `json:"changed"`
		Recomputed int      `json:"recomputed"`
	}
	if err := json.Unmarshal(r.Body.Bytes(), &out); err != nil || out.Recomputed != 1 || len(out.Changed) != 1 {
		t.Fatalf("calendar change %s", r.Body.String())
	}
	o := e.get(open.ID)
	if o.DueDay != "2026-03-31" || !strings.Contains(o.HowComputed, "颱風假") {
		t.Fatalf("open question due %s: %s", o.DueDay, o.HowComputed)
	}
	if a := e.get(answered.ID); a.DueDay != "2026-03-30" {
		t.Fatalf("answered question due %s, want it kept", a.DueDay)
	}
	// The same entry again changes nothing.
	e.do(http.MethodPut, "/api/v1/qa/calendar/days/2026-03-10", pocTok, map[string]any{"off": true, "name": "颱風假"}).want(http.StatusOK)
	var cal, recomputed int
	for _, typ := range e.pub.types() {
		switch typ {
		case questions.TypeCalendarChanged:
			cal++
		case questions.TypeRecomputed:
			recomputed++
		}
	}
	if cal != 1 || recomputed != 1 {
		t.Errorf("events %v", e.pub.types())
	}
	// An iCalendar import: a bad file is refused whole, with problems listed.
	e.do(http.MethodPost, "/api/v1/qa/calendar/import?format=ics", pocTok, nil).want(http.StatusUnprocessableEntity)
}

func TestCalendarImportTaiwanCSV(t *testing.T) {
	e := setup(t)
	open := e.ask("csv")
	pocTok := e.token("PoC", poc)
	csv := "\ufeff西元日期,星期,是否放假,備註\r\n20260309,一,2,測試假日\r\n20260314,六,0,補行上班\r\n"
	req := httptest.NewRequest(http.MethodPost, "/api/v1/qa/calendar/import?format=taiwan-csv", strings.NewReader(csv))
	req.Header.Set("Authorization", "Bearer "+pocTok)
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	if w.Code != http.StatusOK {
		t.Fatalf("import %d: %s", w.Code, w.Body.String())
	}
	// One holiday and one extra working Saturday: the due day stays.
	if o := e.get(open.ID); o.DueDay != "2026-03-30" || !strings.Contains(o.HowComputed, "測試假日") {
		t.Fatalf("due %s: %s", o.DueDay, o.HowComputed)
	}
}
