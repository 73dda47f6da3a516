package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/commitments/internal/api"
	"github.com/kept-ogp/kept/services/commitments/internal/catalog"
	"github.com/kept-ogp/kept/services/commitments/internal/events"
	"github.com/kept-ogp/kept/services/commitments/internal/planfile"
	"github.com/kept-ogp/kept/services/commitments/internal/store"
	"github.com/kept-ogp/kept/services/kit/auth"
)

const realPlan = "../../testdata/canada-nap6-2025-2029.csv"

// importer does what the commitments app does on an import, without the
// relay: parse the whole file, then store it with its events.
type importer struct{ st *store.Store }

func evs(p catalog.Plan, revision, version int64) []*eventsv1.Envelope {
	return events.ForPlan(context.Background(), p, revision, version)
}

func (im importer) Import(ctx context.Context, r io.Reader, filename string, opts planfile.Options, by string) (*store.Revision, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	pf, err := planfile.Parse(bytes.NewReader(raw), filename, opts)
	if err != nil {
		return nil, err
	}
	return im.st.Import(ctx, catalog.FromFile(pf), store.Revision{ImportedBy: by, Filename: filename, SHA256: api.Digest(raw)}, evs)
}

func (im importer) SetDeadline(ctx context.Context, planID, code string, d catalog.Deadline) (*store.PlanDoc, error) {
	return im.st.SetDeadline(ctx, planID, code, d, evs)
}

type harness struct {
	t      *testing.T
	h      http.Handler
	st     *store.Store
	tokens *auth.Store
}

func setup(t *testing.T) *harness {
	t.Helper()
	gin.SetMode(gin.TestMode)
	st := store.New(newDB(t, "commitments"))
	if err := st.EnsureIndexes(context.Background()); err != nil {
		t.Fatal(err)
	}
	tokens := auth.NewStore(newDB(t, "auth"))
	r := gin.New()
	(&api.Handler{Store: st, Importer: importer{st}, Verifier: tokens, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}).Routes(r)
	return &harness{t: t, h: r, st: st, tokens: tokens}
}

func (e *harness) token(name string, roles ...auth.Role) string {
	e.t.Helper()
	_, secret, err := e.tokens.Create(context.Background(), name, "test", roles)
	if err != nil {
		e.t.Fatal(err)
	}
	return secret
}

func (e *harness) admin() string { return e.token("admin", auth.Role{Kind: auth.KindAdmin}) }

type response struct {
	*httptest.ResponseRecorder
	t *testing.T
}

func (e *harness) do(method, path, token, contentType string, body []byte) response {
	e.t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, req)
	return response{w, e.t}
}

func (e *harness) get(path string) response { return e.do(http.MethodGet, path, "", "", nil) }

func (r response) decode(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Body.Bytes(), v); err != nil {
		r.t.Fatalf("decode %s: %v", r.Body.String(), err)
	}
}

func (r response) want(status int) response {
	r.t.Helper()
	if r.Code != status {
		r.t.Fatalf("status %d, want %d: %s", r.Code, status, r.Body.String())
	}
	return r
}

type apiError struct {
	Error struct {
		Code    string                `json:"code"`
		Message string                `json:"message"`
		Details []planfile.FieldError `json:"details"`
	} `json:"error"`
}

func (r response) apiError() apiError {
	r.t.Helper()
	if ct := r.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		r.t.Errorf("error response has Content-Type %q, want JSON", ct)
	}
	var e apiError
	r.decode(&e)
	return e
}

func readPlan(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(realPlan)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (e *harness) importRaw(token string, body []byte, query string) response {
	e.t.Helper()
	return e.do(http.MethodPost, "/api/v1/plans/import"+query, token, "text/csv", body)
}

func (e *harness) importMultipart(token, filename string, body []byte) response {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := fw.Write(body); err != nil {
		e.t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		e.t.Fatal(err)
	}
	return e.do(http.MethodPost, "/api/v1/plans/import", token, mw.FormDataContentType(), buf.Bytes())
}

type revisionBody struct {
	Revision struct {
		PlanID     string         `json:"plan_id"`
		Revision   int64          `json:"revision"`
		ImportedBy string         `json:"imported_by"`
		Filename   string         `json:"filename"`
		SHA256     string         `json:"sha256"`
		Counts     catalog.Counts `json:"counts"`
		Changes    store.Changes  `json:"changes"`
	} `json:"revision"`
}

func (e *harness) loaded() {
	e.t.Helper()
	e.importRaw(e.admin(), readPlan(e.t), "?filename=canada.csv").want(http.StatusCreated)
}

func TestPublicReadsNeedNoToken(t *testing.T) {
	e := setup(t)
	e.loaded()

	var plans struct {
		Plans []struct {
			ID       string         `json:"id"`
			Title    catalog.Text   `json:"title"`
			Revision int64          `json:"revision"`
			Version  int64          `json:"version"`
			Counts   catalog.Counts `json:"counts"`
		} `json:"plans"`
	}
	e.get("/api/v1/plans").want(http.StatusOK).decode(&plans)
	if len(plans.Plans) != 1 || plans.Plans[0].ID != "ca-nap6" {
		t.Fatalf("plans = %+v", plans.Plans)
	}
	if c := plans.Plans[0].Counts; c.Commitments != 4 || c.Milestones != 19 || c.Indicators != 65 || c.NeedsDate != 4 {
		t.Errorf("counts = %+v, want 4/19/65 with 4 deadlines to set", c)
	}
	if plans.Plans[0].Title["fr"] == "" {
		t.Error("plan list lacks the French title")
	}

	var plan struct {
		Plan        struct{ ID string }  `json:"plan"`
		Commitments []catalog.Commitment `json:"commitments"`
	}
	e.get("/api/v1/plans/ca-nap6").want(http.StatusOK).decode(&plan)
	if plan.Plan.ID != "ca-nap6" || len(plan.Commitments) != 4 || len(plan.Commitments[0].Milestones) != 7 {
		t.Errorf("plan = %s with %d commitments", plan.Plan.ID, len(plan.Commitments))
	}

	var list struct {
		Commitments []struct {
			Code       string `json:"code"`
			Milestones int    `json:"milestones"`
		} `json:"commitments"`
	}
	e.get("/api/v1/plans/ca-nap6/commitments").want(http.StatusOK).decode(&list)
	var codes []string
	total := 0
	for _, c := range list.Commitments {
		codes = append(codes, c.Code)
		total += c.Milestones
	}
	if strings.Join(codes, ",") != "C01,C02,C03,C04" || total != 19 {
		t.Errorf("commitments = %v with %d milestones, want C01..C04 with 19", codes, total)
	}

	var cm struct {
		Commitment catalog.Commitment `json:"commitment"`
	}
	e.get("/api/v1/plans/ca-nap6/commitments/C02").want(http.StatusOK).decode(&cm)
	if cm.Commitment.Code != "C02" || len(cm.Commitment.Milestones) != 3 {
		t.Errorf("commitment C02 = %+v", cm.Commitment.Code)
	}

	var it struct {
		Item catalog.Item `json:"item"`
	}
	e.get("/api/v1/plans/ca-nap6/items/C01.1.1").want(http.StatusOK).decode(&it)
	if it.Item.Level != "indicator" || it.Item.Commitment != "C01" || it.Item.Milestone != "C01.1" || it.Item.Deadline.Original["en"] != "Fall 2027" {
		t.Errorf("item C01.1.1 = %+v", it.Item)
	}
	e.get("/api/v1/plans/ca-nap6/items/C02.2").want(http.StatusOK).decode(&it)
	if it.Item.Level != "milestone" || len(it.Item.Indicators) != 4 {
		t.Errorf("item C02.2 = level %s with %d indicators, want a milestone with 4", it.Item.Level, len(it.Item.Indicators))
	}

	var orgs struct {
		Organisations []struct {
			Code  string       `json:"code"`
			Name  catalog.Text `json:"name"`
			Leads []string     `json:"leads"`
		} `json:"organisations"`
	}
	e.get("/api/v1/plans/ca-nap6/organisations").want(http.StatusOK).decode(&orgs)
	found := false
	for _, o := range orgs.Organisations {
		if o.Code == "jus" {
			found = true
			if o.Name["en"] != "Department of Justice Canada" || !contains(o.Leads, "C04.3.3") || contains(o.Leads, "C01.1.1") {
				t.Errorf("jus = %+v", o)
			}
		}
	}
	if !found {
		t.Errorf("organisations lack the Department of Justice: %+v", orgs.Organisations)
	}

	var revs struct {
		Revisions []struct {
			Revision   int64         `json:"revision"`
			ImportedBy string        `json:"imported_by"`
			Changes    store.Changes `json:"changes"`
		} `json:"revisions"`
	}
	e.get("/api/v1/plans/ca-nap6/revisions").want(http.StatusOK).decode(&revs)
	if len(revs.Revisions) != 1 || revs.Revisions[0].Revision != 1 || revs.Revisions[0].ImportedBy != "admin" {
		t.Errorf("revisions = %+v", revs.Revisions)
	}
	if strings.Contains(e.get("/api/v1/plans/ca-nap6/revisions").Body.String(), "snapshot") {
		t.Error("the revision history exposes the snapshot")
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestMissingThingsAre404JSONNamingTheCode(t *testing.T) {
	e := setup(t)
	for _, path := range []string{
		"/api/v1/plans/zz-nap9",
		"/api/v1/plans/zz-nap9/commitments",
		"/api/v1/plans/zz-nap9/commitments/C01",
		"/api/v1/plans/zz-nap9/items/C01.1.1",
		"/api/v1/plans/zz-nap9/organisations",
		"/api/v1/plans/zz-nap9/revisions",
	} {
		r := e.get(path)
		if r.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, r.Code)
			continue
		}
		if er := r.apiError(); er.Error.Code != "not_found" || !strings.Contains(er.Error.Message, "zz-nap9") {
			t.Errorf("GET %s error = %+v, want not_found naming zz-nap9", path, er.Error)
		}
	}
	e.loaded()
	for path, code := range map[string]string{
		"/api/v1/plans/ca-nap6/commitments/C09": "C09",
		"/api/v1/plans/ca-nap6/items/C01.1.9":   "C01.1.9",
		"/api/v1/plans/ca-nap6/items/C01":       "C01", // a commitment is not a milestone or indicator
	} {
		r := e.get(path).want(http.StatusNotFound)
		if er := r.apiError(); er.Error.Code != "not_found" || !strings.Contains(er.Error.Message, code) {
			t.Errorf("GET %s error = %+v, want not_found naming %s", path, er.Error, code)
		}
	}
}

func TestImportRawBodyThenMultipart(t *testing.T) {
	e := setup(t)
	plan := readPlan(t)

	var first revisionBody
	e.importRaw(e.admin(), plan, "?filename=canada-nap6.csv").want(http.StatusCreated).decode(&first)
	r := first.Revision
	if r.PlanID != "ca-nap6" || r.Revision != 1 || r.Filename != "canada-nap6.csv" || r.ImportedBy != "admin" {
		t.Errorf("raw import revision = %+v", r)
	}
	if r.SHA256 != api.Digest(plan) || len(r.SHA256) != 64 {
		t.Errorf("revision sha256 = %q, want the file's digest", r.SHA256)
	}
	if r.Counts.Indicators != 65 || len(r.Changes.Added) != 88 {
		t.Errorf("raw import counts %+v added %d", r.Counts, len(r.Changes.Added))
	}

	poc := e.token("Canada PoC", auth.Role{Kind: auth.KindPoC})
	var second revisionBody
	e.importMultipart(poc, "../../etc/canada.csv", plan).want(http.StatusCreated).decode(&second)
	r = second.Revision
	if r.Revision != 2 || r.ImportedBy != "Canada PoC" || r.Filename != "canada.csv" {
		t.Errorf("multipart import revision = %+v, want revision 2 by the PoC from canada.csv", r)
	}
	if r.Changes.Added == nil || len(r.Changes.Added)+len(r.Changes.Removed)+len(r.Changes.Changed) != 0 {
		t.Errorf("same file again: changes = %+v, want empty lists", r.Changes)
	}
	d, err := e.st.Get(context.Background(), "ca-nap6")
	if err != nil {
		t.Fatal(err)
	}
	if d.Version != 2 || d.Revision != 2 {
		t.Errorf("stored version/revision = %d/%d, want 2/2", d.Version, d.Revision)
	}

	// A multipart request without the "file" field is a bad upload.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("other", "x")
	_ = mw.Close()
	er := e.do(http.MethodPost, "/api/v1/plans/import", poc, mw.FormDataContentType(), buf.Bytes()).want(http.StatusBadRequest).apiError()
	if er.Error.Code != "bad_upload" {
		t.Errorf("multipart without file: %+v", er.Error)
	}
	if er := e.importRaw(poc, plan, "?encoding=utf-8%20rm").want(http.StatusBadRequest).apiError(); er.Error.Code != "bad_encoding" {
		t.Errorf("bad encoding name: %+v", er.Error)
	}
}

// breakPlan returns the real file with two cells made invalid.
func breakPlan(t *testing.T) []byte {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(readPlan(t))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) int {
		for i, h := range recs[0] {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	recs[3][col("plan_start")] = "2025-13"
	recs[10][col("lead_org_codes")] = ""
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestBadFileIs422WithRowsAndColumnsAndNothingIsStored(t *testing.T) {
	for _, how := range []string{"raw", "multipart"} {
		t.Run(how, func(t *testing.T) {
			e := setup(t)
			bad := breakPlan(t)
			var r response
			if how == "raw" {
				r = e.importRaw(e.admin(), bad, "?filename=broken.csv")
			} else {
				r = e.importMultipart(e.admin(), "broken.csv", bad)
			}
			r.want(http.StatusUnprocessableEntity)
			var raw struct {
				Error struct {
					Details []map[string]any `json:"details"`
				} `json:"error"`
			}
			r.decode(&raw)
			for _, d := range raw.Error.Details {
				for _, k := range []string{"row", "column", "message"} {
					if _, ok := d[k]; !ok {
						t.Errorf("detail %v lacks %q", d, k)
					}
				}
			}
			er := r.apiError()
			if er.Error.Code != "invalid_plan_file" || !strings.Contains(er.Error.Message, "broken.csv") || !strings.Contains(er.Error.Message, "nothing was imported") {
				t.Errorf("error = %+v", er.Error)
			}
			var sawStart, sawOrgs bool
			for _, d := range er.Error.Details {
				if d.Message == "" {
					t.Errorf("detail without a message: %+v", d)
				}
				// Rows are file lines: the header is row 1, so recs[3] is row 4.
				if d.Row == 4 && d.Column == "plan_start" {
					sawStart = true
				}
				if d.Row == 11 && strings.HasPrefix(d.Column, "lead_org_") {
					sawOrgs = true
				}
			}
			if !sawStart || !sawOrgs {
				t.Errorf("details = %+v, want row 4 plan_start and row 11 lead organisations", er.Error.Details)
			}

			if d, err := e.st.Get(context.Background(), "ca-nap6"); err == nil {
				t.Errorf("a rejected file stored plan version %d", d.Version)
			}
			if rev, err := e.st.LatestRevision(context.Background(), "ca-nap6"); err != nil || rev != nil {
				t.Errorf("a rejected file left revision %+v (%v)", rev, err)
			}
			var plans struct{ Plans []any }
			e.get("/api/v1/plans").want(http.StatusOK).decode(&plans)
			if len(plans.Plans) != 0 {
				t.Errorf("plans after a rejected file = %v", plans.Plans)
			}
		})
	}
}

func TestImportNeedsAdminOrPoC(t *testing.T) {
	e := setup(t)
	plan := readPlan(t)
	editor := e.token("RCMP editor", auth.Role{Kind: auth.KindAgencyEditor, Org: "rcmp-grc"})
	member := e.token("WG member", auth.Role{Kind: auth.KindWGMember, Plan: "ca-nap6", Commitment: "C01", Side: auth.SideCivilSociety})
	for name, tok := range map[string]string{"agency editor": editor, "wg member": member} {
		r := e.importRaw(tok, plan, "?filename=x.csv")
		if r.Code != http.StatusForbidden {
			t.Errorf("import by %s = %d, want 403", name, r.Code)
		}
		if er := r.apiError(); er.Error.Code != "forbidden" {
			t.Errorf("import by %s: %+v", name, er.Error)
		}
		if r := e.importMultipart(tok, "x.csv", plan); r.Code != http.StatusForbidden {
			t.Errorf("multipart import by %s = %d, want 403", name, r.Code)
		}
	}
	if r := e.importRaw("", plan, "?filename=x.csv"); r.Code != http.StatusUnauthorized {
		t.Errorf("import without a token = %d, want 401", r.Code)
	}
	if r := e.importRaw("kept_forged_secret", plan, "?filename=x.csv"); r.Code != http.StatusUnauthorized {
		t.Errorf("import with a forged token = %d, want 401", r.Code)
	}
	if _, err := e.st.Get(context.Background(), "ca-nap6"); err == nil {
		t.Error("a refused import stored the plan")
	}
}

func TestSetDeadline(t *testing.T) {
	e := setup(t)
	e.loaded()
	poc := e.token("PoC", auth.Role{Kind: auth.KindPoC})
	put := func(tok, code, body string) response {
		return e.do(http.MethodPut, "/api/v1/plans/ca-nap6/items/"+code+"/deadline", tok, "application/json", []byte(body))
	}
	for _, body := range []string{
		`{"due":"2027-02-30"}`,
		`{"due":"2027-13-01"}`,
		`{"due":"2027-3-31"}`,
		`{"due":"March 2027"}`,
		`{"due":""}`,
		`{}`,
		`not json`,
	} {
		r := put(poc, "C04.3.3", body)
		if r.Code != http.StatusBadRequest {
			t.Errorf("deadline %s = %d, want 400", body, r.Code)
			continue
		}
		if er := r.apiError(); er.Error.Code != "bad_request" || !strings.Contains(er.Error.Message, "YYYY-MM-DD") {
			t.Errorf("deadline %s: %+v", body, er.Error)
		}
	}
	d, _ := e.st.Get(context.Background(), "ca-nap6")
	if d.Version != 1 {
		t.Fatalf("refused deadlines moved the plan to version %d", d.Version)
	}

	editor := e.token("Justice editor", auth.Role{Kind: auth.KindAgencyEditor, Org: "jus"})
	if r := put(editor, "C04.3.3", `{"due":"2027-03-31"}`); r.Code != http.StatusForbidden {
		t.Errorf("deadline by an agency editor = %d, want 403", r.Code)
	}
	if er := put(poc, "C04.9.9", `{"due":"2027-03-31"}`).want(http.StatusNotFound).apiError(); !strings.Contains(er.Error.Message, "C04.9.9") {
		t.Errorf("unknown item: %+v", er.Error)
	}

	var out struct {
		Item catalog.Item `json:"item"`
	}
	put(poc, "C04.3.3", `{"due":"2028-02-29","note":"Agreed with Justice."}`).want(http.StatusOK).decode(&out)
	dl := out.Item.Deadline
	if dl.Due != "2028-02-29" || dl.Source != "manual" || dl.Kind != "date" || dl.NeedsDate || dl.Precision != "day" {
		t.Errorf("deadline = %+v, want a manual day 2028-02-29", dl)
	}
	if !strings.Contains(dl.Note, "Agreed with Justice.") || !strings.HasPrefix(dl.Original["en"], "Feedback will be compiled") {
		t.Errorf("deadline lost the note or the plan's words: %+v", dl)
	}
	var it struct {
		Item catalog.Item `json:"item"`
	}
	e.get("/api/v1/plans/ca-nap6/items/C04.3.3").want(http.StatusOK).decode(&it)
	if it.Item.Deadline.Due != "2028-02-29" {
		t.Errorf("public read after the edit shows %+v", it.Item.Deadline)
	}
	var plans struct {
		Plans []struct {
			Version int64          `json:"version"`
			Counts  catalog.Counts `json:"counts"`
		} `json:"plans"`
	}
	e.get("/api/v1/plans").want(http.StatusOK).decode(&plans)
	if plans.Plans[0].Version != 2 || plans.Plans[0].Counts.NeedsDate != 3 {
		t.Errorf("after the edit: version %d, %d deadlines to set; want 2 and 3", plans.Plans[0].Version, plans.Plans[0].Counts.NeedsDate)
	}
}
