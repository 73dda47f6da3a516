package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/kit/outbox"
	"github.com/kept-ogp/kept/services/kit/stream"
	"github.com/kept-ogp/kept/services/updates/internal/api"
	"github.com/kept-ogp/kept/services/updates/internal/items"
	"github.com/kept-ogp/kept/services/updates/internal/plans"
	"github.com/kept-ogp/kept/services/updates/internal/progress"
)

// now is "today" for every test: C01.1.2 (due 2025-03-31) is late,
// C01.1.1 (due 2027-12-31) is not. The clock moves a second per reading, so
// that posts have an order.
var now = time.Date(2026, 7, 1, 14, 30, 0, 0, time.UTC)

func clock() func() time.Time {
	var ticks atomic.Int64
	return func() time.Time { return now.Add(time.Duration(ticks.Add(1)) * time.Second) }
}

// published records what the outbox relay sends to the stream.
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

type harness struct {
	t       *testing.T
	h       http.Handler
	updates *progress.Store
	plans   *plans.Store
	items   *items.Store
	tokens  *auth.Store
	pub     *published
}

func lt(en string) *eventsv1.LocalizedText {
	return &eventsv1.LocalizedText{Values: map[string]string{"en": en}}
}

func org(code string) []*eventsv1.Organisation {
	return []*eventsv1.Organisation{{Code: code, Name: lt(code)}}
}

func due(d string) *eventsv1.Deadline {
	return &eventsv1.Deadline{Original: lt(d), Kind: eventsv1.Deadline_KIND_DATE, DueDate: d}
}

// seedItems applies the commitments events the updates service would have
// read: part of Canada's C01 and C04.
func seedItems(t *testing.T, st *items.Store) {
	t.Helper()
	ctx := context.Background()
	c01 := &eventsv1.CommitmentUpserted{PlanId: "ca-nap6", Code: "C01", Title: lt("Participation"), LeadOrgs: org("rcmp-grc"),
		Milestones: []*eventsv1.Milestone{
			{Code: "C01.1", Title: lt("Forum"), Deadline: due("2028-12-31"), LeadOrgs: org("rcmp-grc"), Indicators: []*eventsv1.Indicator{
				{Code: "C01.1.1", Title: lt("Strategic plan"), Deadline: due("2027-12-31"), LeadOrgs: org("rcmp-grc")},
				{Code: "C01.1.2", Title: lt("Terms of reference"), Deadline: due("2025-03-31"), LeadOrgs: org("rcmp-grc")},
			}},
			{Code: "C01.4", Title: lt("Access to information"), Deadline: due("2028-12-31"), LeadOrgs: org("tbs-sct"), Indicators: []*eventsv1.Indicator{
				{Code: "C01.4.1", Title: lt("Guidance"), Deadline: due("2026-12-31"), LeadOrgs: org("tbs-sct")},
			}},
			{Code: "C01.5", Title: lt("Procurement"), Deadline: due("2029-12-31"), LeadOrgs: append(org("pwgsc-tpsgc"), org("hc-sc")...), Indicators: []*eventsv1.Indicator{
				{Code: "C01.5.1", Title: lt("Open contracting"), Deadline: due("2029-12-31"), LeadOrgs: append(org("pwgsc-tpsgc"), org("hc-sc")...)},
			}},
		}}
	c04 := &eventsv1.CommitmentUpserted{PlanId: "ca-nap6", Code: "C04", Title: lt("Justice"), LeadOrgs: org("jus"),
		Milestones: []*eventsv1.Milestone{{Code: "C04.3", Title: lt("Feedback"), LeadOrgs: org("jus"),
			Deadline: &eventsv1.Deadline{Original: lt("Biannually until 2029"), Kind: eventsv1.Deadline_KIND_RECURRING}, Indicators: []*eventsv1.Indicator{
				{Code: "C04.3.1", Title: lt("Feedback"), Deadline: &eventsv1.Deadline{Original: lt("Biannually until 2029"), Kind: eventsv1.Deadline_KIND_RECURRING}, LeadOrgs: org("jus")},
			}}}}
	for _, c := range []*eventsv1.CommitmentUpserted{c01, c04} {
		env := stream.NewEnvelope(ctx, "commitments", "commitments.commitment.upserted", "ca-nap6/"+c.GetCode(), 1)
		env.Body = &eventsv1.Envelope_CommitmentUpserted{CommitmentUpserted: c}
		if err := st.Apply(ctx, env); err != nil {
			t.Fatal(err)
		}
	}
}

// seedPlan applies the plan event of an import of plan id at version, the
// plan running from 2025-01 to 2029-12 in langs.
func seedPlan(t *testing.T, st *plans.Store, id string, version int64, langs ...string) {
	t.Helper()
	env := stream.NewEnvelope(context.Background(), "commitments", "commitments.plan.upserted", id, version)
	env.Body = &eventsv1.Envelope_PlanUpserted{PlanUpserted: &eventsv1.PlanUpserted{PlanId: id, Title: lt("Plan"),
		Start: "2025-01", End: "2029-12", Languages: langs, CommitmentCodes: []string{"C01", "C04"}, Revision: version}}
	if err := st.Apply(context.Background(), env); err != nil {
		t.Fatal(err)
	}
}

func setup(t *testing.T) *harness {
	t.Helper()
	gin.SetMode(gin.TestMode)
	db := newDB(t, "updates")
	its := items.New(db)
	seedItems(t, its)
	pls := plans.New(db)
	seedPlan(t, pls, "ca-nap6", 1, "en", "fr")
	ups := progress.NewStore(db)
	if err := ups.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	tokens := auth.NewStore(newDB(t, "auth"))
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	pub := &published{}
	h := &api.Handler{Items: its, Plans: pls, Updates: ups, Verifier: tokens, Relay: outbox.NewRelay(ups.Collection(), pub, time.Hour, logger),
		Logger: logger, Now: clock(), Zone: time.UTC}
	r := gin.New()
	h.Routes(r)
	return &harness{t: t, h: r, updates: ups, plans: pls, items: its, tokens: tokens, pub: pub}
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

func wg(commitment, side string) auth.Role {
	return auth.Role{Kind: auth.KindWGMember, Plan: "ca-nap6", Commitment: commitment, Side: side}
}

type response struct {
	*httptest.ResponseRecorder
	t *testing.T
}

func (e *harness) do(method, path, token string, body any) response {
	e.t.Helper()
	var rd io.Reader = http.NoBody
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
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

func (r response) want(status int) response {
	r.t.Helper()
	if r.Code != status {
		r.t.Fatalf("status %d, want %d: %s", r.Code, status, r.Body.String())
	}
	return r
}

func (r response) decode(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Body.Bytes(), v); err != nil {
		r.t.Fatalf("decode %s: %v", r.Body.String(), err)
	}
}

func (r response) update() progress.Update {
	r.t.Helper()
	var out struct {
		Update progress.Update `json:"update"`
	}
	r.decode(&out)
	return out.Update
}

type apiError struct {
	Error struct {
		Code    string                `json:"code"`
		Message string                `json:"message"`
		Details []progress.FieldError `json:"details"`
	} `json:"error"`
}

func (r response) apiError() apiError {
	r.t.Helper()
	var e apiError
	r.decode(&e)
	return e
}

func post(item string) map[string]any {
	return map[string]any{
		"plan": "ca-nap6", "item": item, "period": "2026-06", "status": "substantial",
		"progress": map[string]string{"en": "Strategic plan drafted.", "fr": "Plan stratégique rédigé."},
		"evidence": []map[string]any{{"url": "https://www.rcmp-grc.gc.ca/", "title": map[string]string{"en": "Plan"}, "kind": "publication"}},
	}
}

func (e *harness) posted(token, item string) progress.Update {
	e.t.Helper()
	return e.do(http.MethodPost, "/api/v1/updates", token, post(item)).want(http.StatusCreated).update()
}

func TestPostAgreeAgreePublishesTheUpdate(t *testing.T) {
	e := setup(t)
	rcmp := e.token("RCMP editor", editor("rcmp-grc"))
	gov := e.token("RCMP lead", wg("C01", auth.SideGovernment))
	cso := e.token("CSO member", wg("C01", auth.SideCivilSociety))

	u := e.posted(rcmp, "C01.1.1")
	if u.ID == "" || u.State != progress.StateDraft || u.Agency != "rcmp-grc" || u.Commitment != "C01" || u.Level != "indicator" || u.PostedAt.Format(time.DateOnly) != "2026-07-01" {
		t.Fatalf("posted = %+v", u)
	}
	e.do(http.MethodGet, "/api/v1/updates/"+u.ID, "", nil).want(http.StatusNotFound)

	first := e.do(http.MethodPost, "/api/v1/updates/"+u.ID+"/agree", gov, nil).want(http.StatusOK).update()
	if first.State != progress.StateDraft || len(first.Agreements) != 1 {
		t.Fatalf("after the government agreed: %+v", first)
	}
	e.do(http.MethodGet, "/api/v1/updates/"+u.ID, "", nil).want(http.StatusNotFound)
	if n := len(e.pub.all()); n != 0 {
		t.Fatalf("%d events published for a draft", n)
	}

	second := e.do(http.MethodPost, "/api/v1/updates/"+u.ID+"/agree", cso, map[string]string{"side": auth.SideCivilSociety}).want(http.StatusOK).update()
	if second.State != progress.StateAgreed || second.PublishedAt == nil || len(second.Agreements) != 2 {
		t.Fatalf("after both sides agreed: %+v", second)
	}

	pub := e.do(http.MethodGet, "/api/v1/updates/"+u.ID, "", nil).want(http.StatusOK)
	if got := pub.update(); got.State != progress.StateAgreed || got.Progress["fr"] != "Plan stratégique rédigé." || got.Agreements[1].Member != "CSO member" {
		t.Errorf("public update = %+v", got)
	}
	body := pub.Body.String()
	for _, secret := range []string{"posted_by", "member_id", "outbox"} {
		if strings.Contains(body, secret) {
			t.Errorf("public update exposes %s: %s", secret, body)
		}
	}
	var list struct{ Updates []progress.Update }
	e.do(http.MethodGet, "/api/v1/updates?plan=ca-nap6&item=C01.1.1", "", nil).want(http.StatusOK).decode(&list)
	if len(list.Updates) != 1 || list.Updates[0].ID != u.ID {
		t.Errorf("public list = %+v", list.Updates)
	}

	envs := e.pub.all()
	if len(envs) != 1 {
		t.Fatalf("%d events published, want 1", len(envs))
	}
	if b := envs[0].GetUpdateChanged(); b.GetUpdateId() != u.ID || b.GetState() != progress.StateAgreed || envs[0].GetAggregateVersion() != 3 {
		t.Errorf("published %+v v%d", b, envs[0].GetAggregateVersion())
	}
	var doc struct{ Outbox []bson.Raw }
	if err := e.updates.Collection().FindOne(context.Background(), bson.M{"_id": u.ID}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Outbox) != 0 {
		t.Errorf("%d outbox entries left after the flush", len(doc.Outbox))
	}

	// Once agreed, it can be neither agreed again nor disputed.
	if er := e.do(http.MethodPost, "/api/v1/updates/"+u.ID+"/agree", gov, nil).want(http.StatusConflict).apiError(); er.Error.Code != "not_draft" {
		t.Errorf("agree on an agreed update: %+v", er.Error)
	}
	if er := e.do(http.MethodPost, "/api/v1/updates/"+u.ID+"/dispute", cso, map[string]any{"reason": map[string]string{"en": "No."}}).want(http.StatusConflict).apiError(); er.Error.Code != "already_agreed" {
		t.Errorf("dispute on an agreed update: %+v", er.Error)
	}
}

func TestWorkingGroupRulesOverHTTP(t *testing.T) {
	e := setup(t)
	rcmp := e.token("RCMP editor", editor("rcmp-grc"))
	gov := e.token("gov 1", wg("C01", auth.SideGovernment))
	gov2 := e.token("gov 2", wg("C01", auth.SideGovernment))
	both := e.token("both", wg("C01", auth.SideGovernment), wg("C01", auth.SideCivilSociety))
	c04 := e.token("C04 member", wg("C04", auth.SideCivilSociety))
	u := e.posted(rcmp, "C01.1.1")
	agree := func(tok string, body any) response {
		return e.do(http.MethodPost, "/api/v1/updates/"+u.ID+"/agree", tok, body)
	}

	if er := agree(c04, nil).want(http.StatusForbidden).apiError(); er.Error.Code != "forbidden" {
		t.Errorf("member of another commitment: %+v", er.Error)
	}
	if r := agree(rcmp, nil); r.Code != http.StatusForbidden {
		t.Errorf("agency editor agreeing = %d, want 403", r.Code)
	}
	if r := agree("", nil); r.Code != http.StatusUnauthorized {
		t.Errorf("agreeing without a token = %d, want 401", r.Code)
	}
	if er := agree(both, nil).want(http.StatusBadRequest).apiError(); er.Error.Code != "side_required" {
		t.Errorf("both-sides token without a side: %+v", er.Error)
	}
	agree(both, map[string]string{"side": auth.SideGovernment}).want(http.StatusOK)
	if er := agree(both, map[string]string{"side": auth.SideCivilSociety}).want(http.StatusForbidden).apiError(); er.Error.Code != "both_sides" {
		t.Errorf("same member, other side: %+v", er.Error)
	}
	if er := agree(gov2, nil).want(http.StatusConflict).apiError(); er.Error.Code != "already_agreed" {
		t.Errorf("second government member: %+v", er.Error)
	}
	if r := agree(gov, "{not json"); r.Code != http.StatusBadRequest {
		t.Errorf("malformed body = %d, want 400", r.Code)
	}
	if r := e.do(http.MethodPost, "/api/v1/updates/01NOSUCHUPDATE/agree", gov, nil); r.Code != http.StatusNotFound {
		t.Errorf("agree on an unknown update = %d, want 404", r.Code)
	}
	got, err := e.updates.Get(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != progress.StateDraft || len(got.Agreements) != 1 {
		t.Errorf("after refusals: %s with %d agreements", got.State, len(got.Agreements))
	}
}

func TestAnotherAgencysEditorIsRefused(t *testing.T) {
	e := setup(t)
	tbs := e.token("TBS editor", editor("tbs-sct"))
	r := e.do(http.MethodPost, "/api/v1/updates", tbs, post("C01.1.1")).want(http.StatusForbidden)
	if er := r.apiError(); er.Error.Code != "forbidden" || !strings.Contains(er.Error.Message, "rcmp-grc") {
		t.Errorf("error = %+v, want forbidden naming the lead", er.Error)
	}
	// Naming an agency the token does not edit for is refused too.
	multi := e.token("PSPC editor", editor("pwgsc-tpsgc"))
	body := post("C01.5.1")
	body["agency"] = "hc-sc"
	e.do(http.MethodPost, "/api/v1/updates", multi, body).want(http.StatusForbidden)
	body["agency"] = ""
	if u := e.do(http.MethodPost, "/api/v1/updates", multi, body).want(http.StatusCreated).update(); u.Agency != "pwgsc-tpsgc" {
		t.Errorf("co-led item posted for %q, want pwgsc-tpsgc", u.Agency)
	}
	// Working-group members review; they do not post.
	if r := e.do(http.MethodPost, "/api/v1/updates", e.token("gov", wg("C01", auth.SideGovernment)), post("C01.1.1")); r.Code != http.StatusForbidden {
		t.Errorf("wg member posting = %d, want 403", r.Code)
	}
	if r := e.do(http.MethodPost, "/api/v1/updates", "", post("C01.1.1")); r.Code != http.StatusUnauthorized {
		t.Errorf("posting without a token = %d, want 401", r.Code)
	}
	us, err := e.updates.List(context.Background(), progress.Filter{Item: "C01.1.1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 0 {
		t.Errorf("refused posts stored %d updates", len(us))
	}
}

func TestInvalidPostsAre422WithFieldErrors(t *testing.T) {
	e := setup(t)
	rcmp := e.token("RCMP editor", editor("rcmp-grc"))

	bad := post("C01.1.1")
	bad["period"] = "2026-6"
	bad["status"] = "SP"
	bad["evidence"] = []map[string]any{{"url": "javascript:alert(1)", "title": map[string]string{"en": "x"}, "kind": "tweet"}}
	r := e.do(http.MethodPost, "/api/v1/updates", rcmp, bad).want(http.StatusUnprocessableEntity)
	er := r.apiError()
	if er.Error.Code != "invalid_update" {
		t.Errorf("code = %q", er.Error.Code)
	}
	var got []string
	for _, f := range er.Error.Details {
		got = append(got, f.Field)
		if f.Message == "" {
			t.Errorf("field %s without a message", f.Field)
		}
	}
	if strings.Join(got, ",") != "period,status,evidence[0].url,evidence[0].kind" {
		t.Errorf("fields = %v", got)
	}

	// C01.1.2 was due 2025-03-31 and is not complete: the delay needs a reason.
	late := post("C01.1.2")
	er = e.do(http.MethodPost, "/api/v1/updates", rcmp, late).want(http.StatusUnprocessableEntity).apiError()
	if len(er.Error.Details) != 1 || er.Error.Details[0].Field != "delay_reason" {
		t.Errorf("late item without a reason: %+v", er.Error.Details)
	}
	late["delay_reason"] = map[string]string{"en": "The forum's launch moved to 2026."}
	e.do(http.MethodPost, "/api/v1/updates", rcmp, late).want(http.StatusCreated)
	late["delay_reason"], late["status"] = nil, "complete"
	e.do(http.MethodPost, "/api/v1/updates", rcmp, late).want(http.StatusCreated)

	if er := e.do(http.MethodPost, "/api/v1/updates", rcmp, post("C09.9.9")).want(http.StatusUnprocessableEntity).apiError(); er.Error.Code != "unknown_item" || !strings.Contains(er.Error.Message, "C09.9.9") {
		t.Errorf("unknown item: %+v", er.Error)
	}
	if r := e.do(http.MethodPost, "/api/v1/updates", rcmp, `{"plan":`); r.Code != http.StatusBadRequest {
		t.Errorf("malformed JSON = %d, want 400", r.Code)
	}
	big := post("C01.1.1")
	big["progress"] = map[string]string{"en": strings.Repeat("x", api.MaxBody)}
	if r := e.do(http.MethodPost, "/api/v1/updates", rcmp, big); r.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("body over %d bytes = %d, want 413", api.MaxBody, r.Code)
	}
}

func TestDisputePublishesBothPositions(t *testing.T) {
	e := setup(t)
	u := e.posted(e.token("RCMP editor", editor("rcmp-grc")), "C01.1.1")
	gov := e.token("RCMP lead", wg("C01", auth.SideGovernment))
	cso := e.token("CSO member", wg("C01", auth.SideCivilSociety))
	e.do(http.MethodPost, "/api/v1/updates/"+u.ID+"/agree", gov, nil).want(http.StatusOK)

	path := "/api/v1/updates/" + u.ID + "/dispute"
	if er := e.do(http.MethodPost, path, cso, nil).want(http.StatusUnprocessableEntity).apiError(); len(er.Error.Details) != 1 || er.Error.Details[0].Field != "reason" {
		t.Errorf("dispute without a reason: %+v", er.Error)
	}
	e.do(http.MethodGet, "/api/v1/updates/"+u.ID, "", nil).want(http.StatusNotFound)

	d := e.do(http.MethodPost, path, cso, map[string]any{"reason": map[string]string{"en": "No consultation has been scheduled at all."}}).want(http.StatusOK).update()
	if d.State != progress.StateDisputed {
		t.Fatalf("state = %s", d.State)
	}
	got := e.do(http.MethodGet, "/api/v1/updates/"+u.ID, "", nil).want(http.StatusOK).update()
	if got.State != progress.StateDisputed || got.Progress["en"] != "Strategic plan drafted." || len(got.Agreements) != 1 ||
		len(got.Disputes) != 1 || got.Disputes[0].Reason["en"] != "No consultation has been scheduled at all." {
		t.Errorf("public disputed update = %+v", got)
	}
	if envs := e.pub.all(); len(envs) != 1 || envs[0].GetUpdateChanged().GetState() != progress.StateDisputed {
		t.Errorf("published = %v", envs)
	}
}

func TestDraftsAreShownOnlyToThoseWhoWorkOnThem(t *testing.T) {
	e := setup(t)
	rcmp := e.token("RCMP editor", editor("rcmp-grc"))
	tbs := e.token("TBS editor", editor("tbs-sct"))
	jus := e.token("Justice editor", editor("jus"))
	rcmpDraft := e.posted(rcmp, "C01.1.1")
	tbsDraft := e.posted(tbs, "C01.4.1")
	jusDraft := e.posted(jus, "C04.3.1")

	drafts := func(tok, query string) []string {
		t.Helper()
		var out struct {
			Drafts []progress.Update `json:"drafts"`
		}
		e.do(http.MethodGet, "/api/v1/drafts"+query, tok, nil).want(http.StatusOK).decode(&out)
		ids := []string{}
		for _, u := range out.Drafts {
			ids = append(ids, u.ID)
		}
		return ids
	}
	same := func(name string, got []string, want ...string) {
		t.Helper()
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s sees %v, want %v", name, got, want)
		}
	}
	same("RCMP editor", drafts(rcmp, ""), rcmpDraft.ID)
	same("TBS editor", drafts(tbs, ""), tbsDraft.ID)
	same("C04 member", drafts(e.token("C04", wg("C04", auth.SideCivilSociety)), ""), jusDraft.ID)
	same("C01 member", drafts(e.token("C01", wg("C01", auth.SideGovernment)), ""), tbsDraft.ID, rcmpDraft.ID) // newest first
	same("PoC", drafts(e.token("PoC", auth.Role{Kind: auth.KindPoC}), ""), jusDraft.ID, tbsDraft.ID, rcmpDraft.ID)
	same("PoC on C04", drafts(e.token("PoC 2", auth.Role{Kind: auth.KindPoC}), "?plan=ca-nap6&commitment=C04"), jusDraft.ID)
	if r := e.do(http.MethodGet, "/api/v1/drafts", "", nil); r.Code != http.StatusUnauthorized {
		t.Errorf("drafts without a token = %d, want 401", r.Code)
	}

	// The public sees none of them.
	for _, id := range []string{rcmpDraft.ID, tbsDraft.ID, jusDraft.ID} {
		r := e.do(http.MethodGet, "/api/v1/updates/"+id, "", nil).want(http.StatusNotFound)
		if er := r.apiError(); er.Error.Code != "not_found" {
			t.Errorf("public GET of a draft: %+v", er.Error)
		}
		if strings.Contains(r.Body.String(), "draft") {
			t.Errorf("404 for a draft reveals it is one: %s", r.Body.String())
		}
	}
	var list struct{ Updates []progress.Update }
	e.do(http.MethodGet, "/api/v1/updates?plan=ca-nap6", "", nil).want(http.StatusOK).decode(&list)
	if len(list.Updates) != 0 {
		t.Errorf("public list shows %d drafts", len(list.Updates))
	}

	// Once agreed it leaves the drafts list.
	e.do(http.MethodPost, "/api/v1/updates/"+rcmpDraft.ID+"/agree", e.token("g", wg("C01", auth.SideGovernment)), nil).want(http.StatusOK)
	e.do(http.MethodPost, "/api/v1/updates/"+rcmpDraft.ID+"/agree", e.token("c", wg("C01", auth.SideCivilSociety)), nil).want(http.StatusOK)
	same("RCMP editor after agreement", drafts(rcmp, ""))
}

// Both sides agreeing at the same moment: neither agreement is lost, the
// update ends agreed, and exactly one agreed event leaves. FerretDB applies
// updates as read-then-write, so this holds only because writes to one update
// are serialised in the process.
func TestSimultaneousAgreementsAreBothKept(t *testing.T) {
	e := setup(t)
	rcmp := e.token("RCMP editor", editor("rcmp-grc"))
	for round := 0; round < 5; round++ {
		gov := e.token(fmt.Sprintf("gov %d", round), wg("C01", auth.SideGovernment))
		cso := e.token(fmt.Sprintf("cso %d", round), wg("C01", auth.SideCivilSociety))
		u := e.posted(rcmp, "C01.1.1")
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for i, tok := range []string{gov, cso} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = e.do(http.MethodPost, "/api/v1/updates/"+u.ID+"/agree", tok, nil).Code
			}()
		}
		wg.Wait()
		if codes[0] != http.StatusOK || codes[1] != http.StatusOK {
			t.Fatalf("round %d: agree statuses %v", round, codes)
		}
		got := e.do(http.MethodGet, "/api/v1/updates/"+u.ID, "", nil).want(http.StatusOK).update()
		if got.State != progress.StateAgreed || len(got.Agreements) != 2 {
			t.Fatalf("round %d: state %s with %d agreements, want agreed with 2", round, got.State, len(got.Agreements))
		}
	}
}
