package app_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kept-ogp/kept/services/gateway/internal/accounts"
	"github.com/kept-ogp/kept/services/kit/auth"
)

func (b *browser) upload(path string, fields map[string]string, filename string, content []byte) page {
	b.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	fw, _ := w.CreateFormFile("file", filename)
	_, _ = fw.Write(content)
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, stack.base+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

func TestPoCImportsAPlanAndAHolidayCalendar(t *testing.T) {
	poc := staff(t, "PoC importer", auth.Role{Kind: auth.KindPoC})
	pg := poc.get("/console/imports?lang=en")
	tok := pg.csrf(t)
	bad := poc.upload("/console/imports/plan?lang=en", map[string]string{"csrf": tok}, "broken.csv", []byte("plan_id,nothing\nx,y\n"))
	if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "nothing was imported") {
		t.Errorf("broken plan file: %d %.600s", bad.status, bad.body)
	}
	ics, err := os.ReadFile(filepath.Join("..", "..", "qa", "internal", "calendar", "testdata", "canada-2026.ics"))
	if err != nil {
		t.Fatal(err)
	}
	ok := poc.upload("/console/imports/calendar?lang=en", map[string]string{"csrf": tok, "format": "ics"}, "canada-2026.ics", ics)
	if ok.status != http.StatusOK || !strings.Contains(ok.body, "changed") {
		t.Errorf("calendar import: %d %.600s", ok.status, ok.body)
	}
	if noTok := poc.upload("/console/imports/calendar", map[string]string{"format": "ics"}, "c.ics", ics); noTok.status != http.StatusForbidden {
		t.Errorf("upload without CSRF token: %d", noTok.status)
	}
	audit := poc.get("/console/audit?lang=en")
	if !strings.Contains(audit.body, "plan.import") || !strings.Contains(audit.body, "calendar.import") {
		t.Error("imports are not in the audit log")
	}
}

var secretRE = regexp.MustCompile(`<code>(kept_[A-Za-z0-9_-]+)</code>`)

func TestAdminCreatesAndRevokesAnAPIToken(t *testing.T) {
	admin := staff(t, "Token admin", auth.Role{Kind: auth.KindAdmin})
	pg := admin.get("/console/tokens?lang=en")
	r := admin.post("/console/tokens?lang=en", map[string][]string{"csrf": {pg.csrf(t)}, "name": {"ministry widget"}, "roles": {"agency_editor:rcmp-grc"}})
	if r.status != http.StatusCreated {
		t.Fatalf("create token: %d %.500s", r.status, r.body)
	}
	m := secretRE.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("the new token is not shown")
	}
	p, err := stack.process.Tokens.Verify(t.Context(), m[1])
	if err != nil || !p.EditsFor("rcmp-grc") {
		t.Fatalf("the shown token does not work: %v", err)
	}
	list := admin.get("/console/tokens?lang=en")
	if strings.Contains(list.body, m[1]) {
		t.Error("the token secret is shown again")
	}
	if r := admin.post("/console/tokens/"+p.TokenID+"/revoke", map[string][]string{"csrf": {list.csrf(t)}}); r.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.status)
	}
	if _, err := stack.process.Tokens.Verify(t.Context(), m[1]); err == nil {
		t.Error("a revoked token still works")
	}
}

func TestAdminCreatesAWorkingGroupAccount(t *testing.T) {
	admin := staff(t, "Account admin", auth.Role{Kind: auth.KindAdmin})
	pg := admin.get("/console/accounts?lang=en")
	bad := admin.post("/console/accounts?lang=en", map[string][]string{"csrf": {pg.csrf(t)}, "email": {"cso@example.org"}, "name": {"CSO"}, "password": {"short"}, "roles": {"wg_member:ca-nap6/C01:press"}})
	if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "press") {
		t.Errorf("bad account: %d %.400s", bad.status, bad.body)
	}
	ok := admin.post("/console/accounts?lang=en", map[string][]string{"csrf": {pg.csrf(t)}, "email": {"cso@example.org"}, "name": {"CSO"}, "password": {"a long enough password"}, "roles": {"wg_member:ca-nap6/C01:civil_society"}})
	if ok.status != http.StatusSeeOther {
		t.Fatalf("create account: %d %.400s", ok.status, ok.body)
	}
	if a, err := stack.gateway.Accounts.Get(t.Context(), "cso@example.org"); err != nil || len(a.Roles) != 1 || a.Roles[0].Side != auth.SideCivilSociety {
		t.Errorf("account not stored as asked: %+v %v", a, err)
	}
}

var totpSecretRE = regexp.MustCompile(`<code>([A-Z2-7]{32})</code>`)

func TestTwoStepVerification(t *testing.T) {
	b := staff(t, "TOTP user", auth.Role{Kind: auth.KindPoC})
	acc := b.get("/console/account?lang=en")
	if r := b.post("/console/account/totp", map[string][]string{"csrf": {acc.csrf(t)}}); r.status != http.StatusSeeOther {
		t.Fatalf("start: %d", r.status)
	}
	acc = b.get("/console/account?lang=en")
	m := totpSecretRE.FindStringSubmatch(acc.body)
	if m == nil {
		t.Fatalf("no secret shown: %.600s", acc.body)
	}
	if r := b.post("/console/account/totp/confirm", map[string][]string{"csrf": {acc.csrf(t)}, "code": {"000000"}}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("wrong confirmation code: %d", r.status)
	}
	code, _ := accounts.TOTPCode(m[1], accounts.TOTPStep(time.Now()))
	if r := b.post("/console/account/totp/confirm", map[string][]string{"csrf": {acc.csrf(t)}, "code": {code}}); r.status != http.StatusSeeOther {
		t.Fatalf("confirm: %d", r.status)
	}
	accountSeq.Lock()
	email := fmt.Sprintf("staff%d@example.org", accountSeq.n)
	accountSeq.Unlock()
	login := func(code string) int {
		nb := newBrowser(t)
		lp := nb.get("/console/login")
		return nb.post("/console/login", map[string][]string{"csrf": {lp.csrf(t)}, "email": {email}, "password": {"correct horse battery staple"}, "code": {code}}).status
	}
	if s := login(""); s != http.StatusUnauthorized {
		t.Errorf("password without the code: %d, want 401", s)
	}
	// The code used to confirm cannot be replayed; the next step's code works.
	if s := login(code); s != http.StatusUnauthorized {
		t.Errorf("replayed code: %d, want 401", s)
	}
	next, _ := accounts.TOTPCode(m[1], accounts.TOTPStep(time.Now())+1)
	if s := login(next); s != http.StatusSeeOther {
		t.Errorf("password and a fresh code: %d, want 303", s)
	}
}
