package auth

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"go.mongodb.org/mongo-driver/v2/bson"
)

func init() { gin.SetMode(gin.TestMode) }

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

type response struct {
	*httptest.ResponseRecorder
}

func (r response) apiError(t testing.TB) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(r.Body.Bytes(), &e); err != nil {
		t.Fatalf("body %q is not the JSON error shape: %v", r.Body.String(), err)
	}
	return e
}

func do(h http.Handler, method, path, token, body string) response {
	var req *http.Request
	if body != "" {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(method, path, nil)
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return response{w}
}

// protected mounts a route behind Authenticate that echoes the principal, and
// one that also needs admin or poc; reached counts handler runs.
func protected(v Verifier, reached *atomic.Int32) *gin.Engine {
	r := gin.New()
	g := r.Group("/w", Authenticate(v))
	g.GET("/me", func(c *gin.Context) {
		reached.Add(1)
		c.JSON(http.StatusOK, FromContext(c))
	})
	g.POST("/imports", RequireAny(KindAdmin, KindPoC), func(c *gin.Context) {
		reached.Add(1)
		c.Status(http.StatusAccepted)
	})
	return r
}

func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	s, _ := testStore(t)
	_, editor := mustCreate(t, s, "RCMP editor", Role{Kind: KindAgencyEditor, Org: "rcmp-grc"})
	revokedTok, revoked := mustCreate(t, s, "gone", Role{Kind: KindAdmin})
	if err := s.Revoke(ctx, revokedTok.ID); err != nil {
		t.Fatal(err)
	}
	var reached atomic.Int32
	h := protected(s, &reached)

	missing := map[string]string{
		"no header":        "",
		"basic scheme":     "Basic YWRtaW46YWRtaW4=",
		"bare token":       editor,
		"empty bearer":     "Bearer ",
		"blank bearer":     "Bearer    ",
		"scheme only":      "Bearer",
		"scheme run in":    "Bearer" + editor,
		"bearer-ish token": "Bearerx " + editor,
	}
	for name, hdr := range missing {
		w := do(h, http.MethodGet, "/w/me", hdr, "")
		if w.Code != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, w.Code)
		}
		if got := w.Header().Get("WWW-Authenticate"); got != `Bearer realm="kept"` {
			t.Errorf("%s: WWW-Authenticate = %q", name, got)
		}
		if e := w.apiError(t); e.Error.Code != "unauthenticated" || !strings.Contains(e.Error.Message, "Authorization: Bearer") {
			t.Errorf("%s: error = %+v", name, e)
		}
	}

	invalid := map[string]string{
		"garbage":      "Bearer not-a-token",
		"wrong secret": "Bearer " + editor[:len(editor)-2] + "zz",
		"revoked":      "Bearer " + revoked,
	}
	for name, hdr := range invalid {
		w := do(h, http.MethodGet, "/w/me", hdr, "")
		if w.Code != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, w.Code)
		}
		if got := w.Header().Get("WWW-Authenticate"); got != `Bearer realm="kept", error="invalid_token"` {
			t.Errorf("%s: WWW-Authenticate = %q", name, got)
		}
		if e := w.apiError(t); e.Error.Code != "invalid_token" {
			t.Errorf("%s: error = %+v", name, e)
		}
	}
	if n := reached.Load(); n != 0 {
		t.Fatalf("handler ran %d times for unauthenticated requests", n)
	}

	w := do(h, http.MethodGet, "/w/me", "Bearer "+editor, "")
	if w.Code != http.StatusOK {
		t.Fatalf("valid token: status %d, body %s", w.Code, w.Body)
	}
	var p Principal
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Name != "RCMP editor" || !p.EditsFor("rcmp-grc") {
		t.Errorf("handler saw principal %+v", p)
	}
	// Surrounding whitespace from a copy-paste does not break a good token,
	// and the scheme name is case-insensitive (RFC 9110 section 11.1).
	for _, hdr := range []string{"Bearer  " + editor + " ", "bearer " + editor, "BEARER " + editor} {
		if w := do(h, http.MethodGet, "/w/me", hdr, ""); w.Code != http.StatusOK {
			t.Errorf("Authorization %q: status %d, want 200", hdr, w.Code)
		}
	}
}

func TestRequireAny(t *testing.T) {
	s, _ := testStore(t)
	_, editor := mustCreate(t, s, "editor", Role{Kind: KindAgencyEditor, Org: "rcmp-grc"})
	_, poc := mustCreate(t, s, "poc", Role{Kind: KindPoC})
	_, admin := mustCreate(t, s, "admin", Role{Kind: KindAdmin})
	var reached atomic.Int32
	h := protected(s, &reached)

	w := do(h, http.MethodPost, "/w/imports", "Bearer "+editor, "")
	if w.Code != http.StatusForbidden {
		t.Fatalf("editor on admin/poc route: status %d, want 403", w.Code)
	}
	e := w.apiError(t)
	if e.Error.Code != "forbidden" || !strings.Contains(e.Error.Message, "admin, poc") {
		t.Errorf("403 body = %+v, want code forbidden naming the roles needed", e)
	}
	if reached.Load() != 0 {
		t.Fatal("handler ran for a forbidden request")
	}
	for name, tok := range map[string]string{"poc": poc, "admin": admin} {
		if w := do(h, http.MethodPost, "/w/imports", "Bearer "+tok, ""); w.Code != http.StatusAccepted {
			t.Errorf("%s: status %d, want 202", name, w.Code)
		}
	}

	// Without Authenticate in front there is no principal: refused, not a panic.
	r := gin.New()
	r.GET("/x", RequireAny(KindAdmin), func(c *gin.Context) { c.Status(http.StatusOK) })
	if w := do(r, http.MethodGet, "/x", "", ""); w.Code != http.StatusForbidden {
		t.Errorf("no principal: status %d, want 403", w.Code)
	}
}

// A MongoDB outage must not look like a bad token: clients get 503 and no
// WWW-Authenticate challenge, so they retry instead of discarding the token.
func TestAuthenticateAnswers503WhenTokensCannotBeChecked(t *testing.T) {
	t.Parallel() // waits out a 1s lookup deadline
	db, cut := outageDB(t)
	s := NewStore(db)
	_, tok := mustCreate(t, s, "editor", Role{Kind: KindPoC})
	var reached atomic.Int32
	h := protected(s, &reached)
	if w := do(h, http.MethodGet, "/w/me", "Bearer "+tok, ""); w.Code != http.StatusOK {
		t.Fatalf("before the outage: %d", w.Code)
	}
	reached.Store(0)
	cut()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req := httptest.NewRequest(http.MethodGet, "/w/me", nil).WithContext(ctx)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	w := response{rec}
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", w.Code)
	}
	if w.Header().Get("WWW-Authenticate") != "" {
		t.Error("an outage must not send a WWW-Authenticate challenge")
	}
	if e := w.apiError(t); e.Error.Code != "auth_unavailable" {
		t.Errorf("error = %+v", e)
	}
	if reached.Load() != 0 {
		t.Fatal("handler ran without a verified token")
	}
}

func TestAdminRoutes(t *testing.T) {
	ctx := context.Background()
	s, db := testStore(t)
	adminTok, admin := mustCreate(t, s, "root admin", Role{Kind: KindAdmin})
	_, editor := mustCreate(t, s, "editor", Role{Kind: KindAgencyEditor, Org: "rcmp-grc"})
	_, poc := mustCreate(t, s, "poc", Role{Kind: KindPoC})
	r := gin.New()
	AdminRoutes(r.Group("/api/v1/admin"), s)

	createBody := `{"name":"CSO member","roles":[{"kind":"wg_member","plan":"ca-nap6","commitment":"C01","side":"civil_society"}]}`

	// Only admins reach any of the routes.
	for _, rt := range []struct{ method, path, body string }{
		{http.MethodGet, "/api/v1/admin/tokens", ""},
		{http.MethodPost, "/api/v1/admin/tokens", createBody},
		{http.MethodDelete, "/api/v1/admin/tokens/" + adminTok.ID, ""},
	} {
		if w := do(r, rt.method, rt.path, "", rt.body); w.Code != http.StatusUnauthorized {
			t.Errorf("%s %s without a token: %d, want 401", rt.method, rt.path, w.Code)
		}
		for name, tok := range map[string]string{"editor": editor, "poc": poc} {
			if w := do(r, rt.method, rt.path, "Bearer "+tok, rt.body); w.Code != http.StatusForbidden {
				t.Errorf("%s %s as %s: %d, want 403", rt.method, rt.path, name, w.Code)
			}
		}
	}
	if _, err := s.Verify(ctx, admin); err != nil {
		t.Fatalf("a forbidden DELETE revoked the admin token: %v", err)
	}
	if n, _ := db.Collection("tokens").CountDocuments(ctx, bson.M{}); n != 3 {
		t.Fatalf("forbidden POSTs created tokens: %d stored, want 3", n)
	}

	// Create.
	w := do(r, http.MethodPost, "/api/v1/admin/tokens", "Bearer "+admin, createBody)
	if w.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", w.Code, w.Body)
	}
	var created map[string]json.RawMessage
	if err := json.Unmarshal(w.Body.Bytes(), &created); err != nil {
		t.Fatal(err)
	}
	var secret string
	if err := json.Unmarshal(created["secret"], &secret); err != nil {
		t.Fatal(err)
	}
	var tokFields map[string]any
	if err := json.Unmarshal(created["token"], &tokFields); err != nil {
		t.Fatal(err)
	}
	if _, ok := tokFields["hash"]; ok {
		t.Error("create response includes the hash")
	}
	if tokFields["name"] != "CSO member" || tokFields["created_by"] != "root admin" {
		t.Errorf("created token = %v, want name CSO member created by the admin's name", tokFields)
	}
	newID, _ := tokFields["id"].(string)
	p, err := s.Verify(ctx, secret)
	if err != nil {
		t.Fatalf("issued secret does not verify: %v", err)
	}
	if p.TokenID != newID || len(p.Sides("ca-nap6", "C01")) != 1 || p.Sides("ca-nap6", "C01")[0] != SideCivilSociety {
		t.Errorf("issued token principal = %+v", p)
	}

	// Bad create requests.
	for body, want := range map[string]struct {
		code int
		msg  string
	}{
		`not json`:                               {http.StatusBadRequest, "the body is not valid JSON"},
		`{"name":"x","roles":[]}`:                {http.StatusUnprocessableEntity, "at least one role"},
		`{"name":"","roles":[{"kind":"admin"}]}`: {http.StatusUnprocessableEntity, "name is required"},
		`{"name":"x","roles":[{"kind":"wg_member","plan":"ca-nap6","commitment":"C01","side":"press"}]}`: {http.StatusUnprocessableEntity, `got "press"`},
	} {
		w := do(r, http.MethodPost, "/api/v1/admin/tokens", "Bearer "+admin, body)
		if w.Code != want.code {
			t.Errorf("create %s: %d, want %d", body, w.Code, want.code)
			continue
		}
		if e := w.apiError(t); !strings.Contains(e.Error.Message, want.msg) {
			t.Errorf("create %s: message %q, want it to mention %q", body, e.Error.Message, want.msg)
		}
	}

	// Revoke.
	if w := do(r, http.MethodDelete, "/api/v1/admin/tokens/"+newID, "Bearer "+admin, ""); w.Code != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", w.Code, w.Body)
	}
	if _, err := s.Verify(ctx, secret); err == nil {
		t.Error("revoked token still verifies")
	}
	if w := do(r, http.MethodDelete, "/api/v1/admin/tokens/nosuchid", "Bearer "+admin, ""); w.Code != http.StatusNotFound {
		t.Errorf("revoke unknown: %d, want 404", w.Code)
	}

	// List: every token, revoked ones marked, never a hash or secret.
	w = do(r, http.MethodGet, "/api/v1/admin/tokens", "Bearer "+admin, "")
	if w.Code != http.StatusOK {
		t.Fatalf("list: %d %s", w.Code, w.Body)
	}
	body := w.Body.String()
	var listed struct {
		Tokens []map[string]any `json:"tokens"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &listed); err != nil {
		t.Fatal(err)
	}
	if len(listed.Tokens) != 4 {
		t.Fatalf("list has %d tokens, want 4: %s", len(listed.Tokens), body)
	}
	for _, tk := range listed.Tokens {
		if _, ok := tk["hash"]; ok {
			t.Errorf("list entry %v has a hash field", tk["id"])
		}
		if tk["id"] == newID {
			if _, ok := tk["revoked_at"]; !ok {
				t.Error("revoked token listed without revoked_at")
			}
		}
	}
	cur, err := db.Collection("tokens").Find(ctx, bson.M{})
	if err != nil {
		t.Fatal(err)
	}
	var stored []Token
	if err := cur.All(ctx, &stored); err != nil {
		t.Fatal(err)
	}
	for _, st := range stored {
		if st.Hash == "" || strings.Contains(body, st.Hash) {
			t.Errorf("list response contains the hash of %s", st.ID)
		}
	}
	for _, sec := range []string{admin, editor, poc, secret} {
		_, part := splitSecret(t, sec)
		if strings.Contains(body, part) {
			t.Error("list response contains a token secret")
		}
	}
}
