package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/protobuf/types/known/timestamppb"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/dashboards/internal/allowlist"
	"github.com/kept-ogp/kept/services/dashboards/internal/api"
	"github.com/kept-ogp/kept/services/dashboards/internal/embedhttp"
	"github.com/kept-ogp/kept/services/dashboards/internal/rag"
	"github.com/kept-ogp/kept/services/dashboards/internal/readmodel"
	"github.com/kept-ogp/kept/services/kit/httpserver"
	"github.com/kept-ogp/kept/services/kit/logging"
	"github.com/kept-ogp/kept/services/kit/stream"
)

// now is 2026-07-01 in the afternoon; C01.1.1 (due 2026-09-30) is 91 days
// away, just outside the due-soon window.
var now = time.Date(2026, 7, 1, 15, 0, 0, 0, time.UTC)

var embedAllowlist = []string{"https://www.canada.ca", "https://*.gc.ca"}

type harness struct {
	t     *testing.T
	h     http.Handler
	api   *api.Handler
	store *readmodel.Store
}

func lt(en, fr string) *eventsv1.LocalizedText {
	return &eventsv1.LocalizedText{Values: map[string]string{"en": en, "fr": fr}}
}

func (e *harness) apply(env *eventsv1.Envelope) {
	e.t.Helper()
	if _, err := e.store.Apply(context.Background(), env); err != nil {
		e.t.Fatal(err)
	}
}

func dateDeadline(d string) *eventsv1.Deadline {
	return &eventsv1.Deadline{Original: lt("By "+d, "D'ici "+d), Kind: eventsv1.Deadline_KIND_DATE, DueDate: d}
}

// seed builds the read model from events, as the consumers would: a plan
// with two commitments, C01 with two indicators and C02 with one milestone.
func (e *harness) seed() {
	e.t.Helper()
	ctx := context.Background()
	pe := stream.NewEnvelope(ctx, "commitments", "commitments.plan.upserted", "ca-nap6", 1)
	pe.Body = &eventsv1.Envelope_PlanUpserted{PlanUpserted: &eventsv1.PlanUpserted{PlanId: "ca-nap6",
		Title: lt("Canada's 2025-2029 National Action Plan on Open Government", "Plan d'action national du Canada pour un gouvernement ouvert de 2025-2029"),
		Start: "2025-01", End: "2029-12", Languages: []string{"en", "fr"}, CommitmentCodes: []string{"C01", "C02"}}}
	e.apply(pe)
	c01 := &eventsv1.CommitmentUpserted{PlanId: "ca-nap6", Code: "C01", Title: lt("Inclusive and meaningful public participation", "Participation inclusive et significative"),
		Milestones: []*eventsv1.Milestone{{Code: "C01.1", Title: lt("Forum", "Forum"), Deadline: dateDeadline("2028-12-31"),
			Indicators: []*eventsv1.Indicator{
				{Code: "C01.1.1", Title: lt("Strategic plan", "Plan stratégique"), Deadline: dateDeadline("2026-09-30"), LeadOrgs: []*eventsv1.Organisation{{Code: "rcmp-grc"}}},
				{Code: "C01.1.2", Title: lt("Terms of reference", "Mandat"), Deadline: dateDeadline("2027-12-31"), LeadOrgs: []*eventsv1.Organisation{{Code: "rcmp-grc"}}},
			}}}}
	c02 := &eventsv1.CommitmentUpserted{PlanId: "ca-nap6", Code: "C02", Title: lt("Open data", "Données ouvertes"),
		Milestones: []*eventsv1.Milestone{{Code: "C02.1", Title: lt("Catalogue", "Catalogue"), Deadline: dateDeadline("2028-06-30")}}}
	for _, c := range []*eventsv1.CommitmentUpserted{c01, c02} {
		env := stream.NewEnvelope(ctx, "commitments", "commitments.commitment.upserted", "ca-nap6/"+c.GetCode(), 1)
		env.Body = &eventsv1.Envelope_CommitmentUpserted{CommitmentUpserted: c}
		e.apply(env)
	}
}

// agreeUpdate applies an agreed update on item with status.
func (e *harness) agreeUpdate(id, item, commitment, status string, version int64) {
	e.t.Helper()
	env := stream.NewEnvelope(context.Background(), "updates", "updates.update.changed", id, version)
	env.Body = &eventsv1.Envelope_UpdateChanged{UpdateChanged: &eventsv1.UpdateChanged{UpdateId: id, PlanId: "ca-nap6",
		CommitmentCode: commitment, ItemCode: item, Period: "2026-06", Status: status, State: "agreed",
		Progress: lt("Done.", "Fait."), PostedAt: timestamppb.New(now.Add(-48 * time.Hour)),
		Agreements: []*eventsv1.Agreement{{Side: "government", At: timestamppb.New(now.Add(-24 * time.Hour))}, {Side: "civil_society", At: timestamppb.New(now.Add(-23 * time.Hour))}}}}
	e.apply(env)
}

func setup(t *testing.T) *harness {
	t.Helper()
	db := newDB(t, "dashboards")
	st := readmodel.New(db)
	if err := st.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	logger := logging.New(io.Discard, "error", "dashboards")
	h := &api.Handler{Store: st, Rules: rag.Rules{}, Origins: allowlist.New(db, embedAllowlist, logger), Zone: time.UTC, Now: func() time.Time { return now },
		Logger: logger, Staleness: time.Hour, PublicBase: "https://open.canada.ca/kept"}
	// The service's real engine, with the shared security headers that embeds must undo.
	r, err := httpserver.New(httpserver.Options{Service: "dashboards", Logger: logger, Registry: prometheus.NewRegistry(),
		Tracer: noop.NewTracerProvider(), Propagator: propagation.TraceContext{}})
	if err != nil {
		t.Fatal(err)
	}
	h.Routes(r)
	e := &harness{t: t, h: r, api: h, store: st}
	e.seed()
	return e
}

func (e *harness) get(path string, headers ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	return w
}

func want(t *testing.T, w *httptest.ResponseRecorder, status int) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body.String())
	}
}

type planJSON struct {
	Plan struct {
		ID    string `json:"id"`
		Light struct {
			Light  string `json:"light"`
			Reason string `json:"reason"`
		} `json:"light"`
		PercentComplete int `json:"percent_complete"`
		Commitments     []struct {
			Code  string `json:"code"`
			Light struct {
				Light string `json:"light"`
			} `json:"light"`
			PercentComplete int `json:"percent_complete"`
		} `json:"commitments"`
		AsOf string `json:"as_of"`
	} `json:"plan"`
}

func TestPlanJSONThen304(t *testing.T) {
	e := setup(t)
	w := e.get("/api/v1/dashboards/plans/ca-nap6")
	want(t, w, http.StatusOK)
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	etag := w.Header().Get("ETag")
	if !strings.HasPrefix(etag, `"`) || etag != embedhttp.ETag(w.Body.Bytes()) {
		t.Errorf("ETag %s is not the strong tag of the body", etag)
	}
	if w.Header().Get("Cache-Control") != embedhttp.CacheControl || w.Header().Get("Vary") != "Accept-Language" {
		t.Errorf("Cache-Control %q, Vary %q", w.Header().Get("Cache-Control"), w.Header().Get("Vary"))
	}
	var p planJSON
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Plan.ID != "ca-nap6" || len(p.Plan.Commitments) != 2 || p.Plan.Commitments[0].Code != "C01" || p.Plan.AsOf != "2026-07-01" {
		t.Fatalf("plan summary = %+v", p.Plan)
	}
	// Nothing is reported and the nearest deadline (2026-09-30) is 91 days away: grey.
	if p.Plan.Light.Light != "grey" || p.Plan.Commitments[0].Light.Light != "grey" {
		t.Errorf("lights = %+v", p.Plan)
	}

	w2 := e.get("/api/v1/dashboards/plans/ca-nap6", "If-None-Match", etag)
	want(t, w2, http.StatusNotModified)
	if w2.Body.Len() != 0 || w2.Header().Get("ETag") != etag || w2.Header().Get("Vary") != "Accept-Language" {
		t.Errorf("304 = body %q, ETag %s, Vary %q", w2.Body.String(), w2.Header().Get("ETag"), w2.Header().Get("Vary"))
	}
	// A weak form of the same tag and a list naming it match too; another tag does not.
	want(t, e.get("/api/v1/dashboards/plans/ca-nap6", "If-None-Match", `"other", W/`+etag), http.StatusNotModified)
	want(t, e.get("/api/v1/dashboards/plans/ca-nap6", "If-None-Match", `"other"`), http.StatusOK)

	c := e.get("/api/v1/dashboards/plans/ca-nap6/commitments/C02")
	want(t, c, http.StatusOK)
	var cj struct {
		Commitment struct {
			Code       string `json:"code"`
			Plan       string `json:"plan"`
			Milestones []struct {
				Code string `json:"code"`
			} `json:"milestones"`
		} `json:"commitment"`
	}
	if err := json.Unmarshal(c.Body.Bytes(), &cj); err != nil {
		t.Fatal(err)
	}
	if cj.Commitment.Code != "C02" || cj.Commitment.Plan != "ca-nap6" || len(cj.Commitment.Milestones) != 1 {
		t.Errorf("commitment summary = %+v", cj.Commitment)
	}
	if c.Header().Get("ETag") == etag {
		t.Error("the commitment and the plan have the same ETag")
	}
}

func TestUnknownPlanOrCommitmentIs404(t *testing.T) {
	e := setup(t)
	for path, name := range map[string]string{
		"/api/v1/dashboards/plans/zz-nap9":                 "zz-nap9",
		"/api/v1/dashboards/plans/zz-nap9/commitments/C01": "zz-nap9",
		"/api/v1/dashboards/plans/ca-nap6/commitments/C09": "C09",
		"/embed/plans/zz-nap9":                             "zz-nap9",
		"/embed/plans/ca-nap6/commitments/C09":             "C09",
		"/badge/plans/zz-nap9.svg":                         "zz-nap9",
		"/badge/plans/ca-nap6/commitments/C09.svg":         "C09",
	} {
		w := e.get(path)
		if w.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, w.Code)
			continue
		}
		if strings.HasPrefix(path, "/badge/") {
			// Badges answer with a "not found" image instead (TestUnknownBadgeIsAnSVG).
			continue
		}
		var body struct {
			Error struct{ Code, Message string }
		}
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.Error.Code != "not_found" || !strings.Contains(body.Error.Message, name) {
			t.Errorf("GET %s: %s", path, w.Body.String())
		}
		if strings.Contains(body.Error.Message, ".svg") {
			t.Errorf("GET %s names the file, not the code: %s", path, body.Error.Message)
		}
	}
}

func TestBadgeIsSVGWithWordsBesideTheColour(t *testing.T) {
	e := setup(t)
	e.agreeUpdate("U1", "C02.1", "C02", "complete", 3)
	for path, words := range map[string][]string{
		"/badge/plans/ca-nap6/commitments/C02.svg":         {"On track", "100% complete", "OGP C02"},
		"/badge/plans/ca-nap6/commitments/C02.svg?lang=fr": {"En bonne voie", "achevé", "OGP C02"},
		"/badge/plans/ca-nap6/commitments/C01.svg":         {"Not yet reported", "0% complete"},
		"/badge/plans/ca-nap6.svg":                         {"On track", "33% complete", "OGP ca-nap6"},
		"/badge/plans/ca-nap6":                             {"On track", "33% complete"},
	} {
		w := e.get(path)
		want(t, w, http.StatusOK)
		if ct := w.Header().Get("Content-Type"); ct != "image/svg+xml" {
			t.Errorf("%s Content-Type = %q", path, ct)
		}
		body := w.Body.String()
		if !strings.HasPrefix(body, "<svg") || !strings.Contains(body, `role="img"`) {
			t.Errorf("%s is not an accessible SVG: %.120s", path, body)
		}
		for _, word := range words {
			if !strings.Contains(body, word) {
				t.Errorf("%s lacks the words %q: %s", path, word, body)
			}
		}
		if w.Header().Get("X-Frame-Options") != "" || w.Header().Get("ETag") == "" || w.Header().Get("Vary") != "Accept-Language" {
			t.Errorf("%s headers = %v", path, w.Header())
		}
	}
	green, grey := e.get("/badge/plans/ca-nap6/commitments/C02.svg").Body.String(), e.get("/badge/plans/ca-nap6/commitments/C01.svg").Body.String()
	if !strings.Contains(green, "#1a7f37") || !strings.Contains(grey, "#57606a") {
		t.Error("badges do not carry their light's colour")
	}
}

func TestWidgetMayBeFramedByTheAllowlistOnly(t *testing.T) {
	e := setup(t)
	for _, path := range []string{"/embed/plans/ca-nap6?lang=en", "/embed/plans/ca-nap6/commitments/C01?lang=en", "/badge/plans/ca-nap6/commitments/C01.svg"} {
		w := e.get(path)
		want(t, w, http.StatusOK)
		if v, ok := w.Header()["X-Frame-Options"]; ok {
			t.Errorf("%s sends X-Frame-Options %v", path, v)
		}
		csp := w.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors https://www.canada.ca https://*.gc.ca;") {
			t.Errorf("%s CSP = %q", path, csp)
		}
		if w.Header().Get("Cache-Control") != "public, max-age=30" {
			t.Errorf("%s Cache-Control = %q", path, w.Header().Get("Cache-Control"))
		}
	}
	w := e.get("/embed/plans/ca-nap6?lang=en")
	if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("widget Content-Type = %q", ct)
	}
	if body := w.Body.String(); !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "Canada&#39;s 2025-2029 National Action Plan") ||
		!strings.Contains(body, "https://open.canada.ca/kept/plans/ca-nap6") {
		t.Errorf("plan widget: %.400s", body)
	}
	// Everything else keeps the shared DENY.
	j := e.get("/api/v1/dashboards/plans/ca-nap6")
	if j.Header().Get("X-Frame-Options") != "DENY" || strings.Contains(j.Header().Get("Content-Security-Policy"), "frame-ancestors https") {
		t.Errorf("JSON route framing headers = %q / %q", j.Header().Get("X-Frame-Options"), j.Header().Get("Content-Security-Policy"))
	}
}

func TestInvalidateShowsTheChangedReadModel(t *testing.T) {
	e := setup(t)
	paths := []string{"/api/v1/dashboards/plans/ca-nap6", "/embed/plans/ca-nap6/commitments/C01?lang=en", "/badge/plans/ca-nap6/commitments/C01.svg"}
	before := map[string]string{}
	for _, p := range paths {
		w := e.get(p)
		want(t, w, http.StatusOK)
		before[p] = w.Header().Get("ETag")
	}
	e.agreeUpdate("U1", "C01.1.1", "C01", "complete", 3)
	e.agreeUpdate("U2", "C01.1.2", "C01", "complete", 3)
	e.api.Invalidate("ca-nap6", false) // progress only

	for _, p := range paths {
		w := e.get(p, "If-None-Match", before[p])
		want(t, w, http.StatusOK) // the old tag no longer matches
		if w.Header().Get("ETag") == before[p] {
			t.Errorf("%s kept its ETag after the read model changed", p)
		}
	}
	var pj planJSON
	if err := json.Unmarshal(e.get("/api/v1/dashboards/plans/ca-nap6").Body.Bytes(), &pj); err != nil {
		t.Fatal(err)
	}
	if pj.Plan.Commitments[0].Light.Light != "green" || pj.Plan.Commitments[0].PercentComplete != 100 || pj.Plan.PercentComplete != 66 {
		t.Errorf("after the update: %+v", pj.Plan)
	}
	if b := e.get("/badge/plans/ca-nap6/commitments/C01.svg").Body.String(); !strings.Contains(b, "On track") || !strings.Contains(b, "100% complete") {
		t.Errorf("badge after the update: %s", b)
	}
	// Invalidating another plan leaves this one's renderings alone.
	etag := e.get("/api/v1/dashboards/plans/ca-nap6").Header().Get("ETag")
	e.api.Invalidate("ca-nap5", true)
	want(t, e.get("/api/v1/dashboards/plans/ca-nap6", "If-None-Match", etag), http.StatusNotModified)
}

func TestInvalidateAfterAStructureChange(t *testing.T) {
	e := setup(t)
	w := e.get("/embed/plans/ca-nap6/commitments/C02?lang=en")
	want(t, w, http.StatusOK)
	etag := w.Header().Get("ETag")
	if !strings.Contains(w.Body.String(), "Open data") {
		t.Fatalf("widget: %.400s", w.Body.String())
	}
	// A re-import renames C02.
	ctx := context.Background()
	c02 := stream.NewEnvelope(ctx, "commitments", "commitments.commitment.upserted", "ca-nap6/C02", 2)
	c02.Body = &eventsv1.Envelope_CommitmentUpserted{CommitmentUpserted: &eventsv1.CommitmentUpserted{PlanId: "ca-nap6", Code: "C02",
		Title:      lt("Open data for everyone", "Des données ouvertes pour tous"),
		Milestones: []*eventsv1.Milestone{{Code: "C02.1", Title: lt("Catalogue", "Catalogue"), Deadline: dateDeadline("2028-06-30")}}}}
	e.apply(c02)
	e.api.Invalidate("ca-nap6", true)

	w = e.get("/embed/plans/ca-nap6/commitments/C02?lang=en", "If-None-Match", etag)
	want(t, w, http.StatusOK)
	if !strings.Contains(w.Body.String(), "Open data for everyone") || w.Header().Get("ETag") == etag {
		t.Errorf("widget after the rename: %.400s", w.Body.String())
	}

	pe := stream.NewEnvelope(ctx, "commitments", "commitments.plan.upserted", "ca-nap6", 2)
	pe.Body = &eventsv1.Envelope_PlanUpserted{PlanUpserted: &eventsv1.PlanUpserted{PlanId: "ca-nap6", Title: lt("NAP6", "PAN6"),
		Languages: []string{"en", "fr"}, CommitmentCodes: []string{"C02"}}}
	e.apply(pe)
	e.api.Invalidate("ca-nap6", true)
	want(t, e.get("/api/v1/dashboards/plans/ca-nap6/commitments/C01"), http.StatusNotFound)
	var pj planJSON
	if err := json.Unmarshal(e.get("/api/v1/dashboards/plans/ca-nap6").Body.Bytes(), &pj); err != nil {
		t.Fatal(err)
	}
	if len(pj.Plan.Commitments) != 1 || pj.Plan.Commitments[0].Code != "C02" {
		t.Errorf("plan after C01 was dropped: %+v", pj.Plan.Commitments)
	}
}

func TestLanguageFromQueryOrHeader(t *testing.T) {
	e := setup(t)
	en := e.get("/embed/plans/ca-nap6/commitments/C01")
	fr := e.get("/embed/plans/ca-nap6/commitments/C01?lang=fr")
	frHeader := e.get("/embed/plans/ca-nap6/commitments/C01", "Accept-Language", "fr-CA,fr;q=0.9,en;q=0.5")
	zh := e.get("/embed/plans/ca-nap6/commitments/C01?lang=zh-TW")
	for _, w := range []*httptest.ResponseRecorder{en, fr, frHeader, zh} {
		want(t, w, http.StatusOK)
		if w.Header().Get("Vary") != "Accept-Language" {
			t.Errorf("Vary = %q", w.Header().Get("Vary"))
		}
	}
	if b := en.Body.String(); !strings.Contains(b, `<html lang="en">`) || !strings.Contains(b, "Not yet reported") || !strings.Contains(b, "Inclusive and meaningful public participation") {
		t.Errorf("English widget: %.600s", b)
	}
	for name, w := range map[string]*httptest.ResponseRecorder{"?lang=fr": fr, "Accept-Language: fr-CA": frHeader} {
		b := w.Body.String()
		if !strings.Contains(b, `<html lang="fr">`) || !strings.Contains(b, "Pas encore de suivi") || !strings.Contains(b, "Participation inclusive et significative") || !strings.Contains(b, "Prochaines échéances") {
			t.Errorf("%s widget is not French: %.600s", name, b)
		}
		if strings.Contains(b, "Not yet reported") {
			t.Errorf("%s widget mixes in English labels", name)
		}
	}
	if fr.Header().Get("ETag") != frHeader.Header().Get("ETag") || fr.Header().Get("ETag") == en.Header().Get("ETag") {
		t.Error("ETags do not follow the language")
	}
	// Chinese labels; the plan has no Chinese text, so the title falls back visibly.
	if b := zh.Body.String(); !strings.Contains(b, `<html lang="zh-Hant">`) || !strings.Contains(b, "尚未報告") {
		t.Errorf("Chinese widget: %.600s", b)
	}
	if b := e.get("/badge/plans/ca-nap6/commitments/C01.svg", "Accept-Language", "fr").Body.String(); !strings.Contains(b, "Pas encore de suivi") || !strings.Contains(b, `xml:lang="fr"`) {
		t.Errorf("French badge: %s", b)
	}
}

// The widget's table by completion level counts the items nobody has reported
// on yet, so the rows add up to the total.
func TestWidgetCountsItemsWithoutAgreedUpdate(t *testing.T) {
	e := setup(t)
	e.seed()
	var sum struct {
		Plan struct {
			Counts struct {
				Total    int            `json:"total"`
				ByStatus map[string]int `json:"by_status"`
			} `json:"counts"`
		} `json:"plan"`
	}
	if err := json.Unmarshal(e.get("/api/v1/dashboards/plans/ca-nap6").Body.Bytes(), &sum); err != nil {
		t.Fatal(err)
	}
	n := sum.Plan.Counts.ByStatus["not_reported"]
	if n == 0 {
		t.Fatalf("seeded plan has no unreported items: %+v", sum.Plan.Counts)
	}
	html := e.get("/embed/plans/ca-nap6?lang=en").Body.String()
	want := fmt.Sprintf(`<th scope="row">No agreed update yet</th><td class="kw-n">%d</td>`, n)
	if !strings.Contains(html, want) {
		t.Fatalf("widget lacks %s", want)
	}
}

// A mistyped badge code still gives an image (a grey "not found" badge, 404),
// so the ministry page shows words rather than a broken picture.
func TestUnknownBadgeIsAnSVG(t *testing.T) {
	e := setup(t)
	e.seed()
	w := e.get("/badge/plans/ca-nap6/commitments/C99.svg?lang=fr")
	if w.Code != http.StatusNotFound || w.Header().Get("Content-Type") != "image/svg+xml" || !strings.Contains(w.Body.String(), "introuvable") {
		t.Fatalf("unknown badge: %d %s %s", w.Code, w.Header().Get("Content-Type"), w.Body.String())
	}
}
