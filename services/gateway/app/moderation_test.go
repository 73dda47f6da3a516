package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kept-ogp/kept/services/gateway/internal/accounts"
	"github.com/kept-ogp/kept/services/gateway/internal/upstream"
	"github.com/kept-ogp/kept/services/kit/auth"
)

// agreedUpdate posts an update on the first indicator of commitment code
// and has both sides agree it, through the API; it returns the update id.
func agreedUpdate(t *testing.T, code, progress string) string {
	t.Helper()
	var cm struct {
		Commitment upstream.Commitment `json:"commitment"`
	}
	getJSON(t, "/api/v1/plans/ca-nap6/commitments/"+code, &cm)
	var item, org string
	for _, m := range cm.Commitment.Milestones {
		for _, in := range m.Indicators {
			if item == "" && len(in.LeadOrgs) > 0 {
				item, org = in.Code, in.LeadOrgs[0].Code
			}
		}
	}
	ts := stack.process.Tokens
	_, editor, err := ts.Create(t.Context(), "Comment test editor", "test", []auth.Role{{Kind: auth.KindAgencyEditor, Org: org}})
	if err != nil {
		t.Fatal(err)
	}
	_, gov, _ := ts.Create(t.Context(), "Comment test gov", "test", []auth.Role{{Kind: auth.KindWGMember, Plan: "ca-nap6", Commitment: code, Side: auth.SideGovernment}})
	_, cso, _ := ts.Create(t.Context(), "Comment test cso", "test", []auth.Role{{Kind: auth.KindWGMember, Plan: "ca-nap6", Commitment: code, Side: auth.SideCivilSociety}})
	u := apiPost(t, editor, "/api/v1/updates", map[string]any{"plan": "ca-nap6", "item": item, "period": "2026-06", "status": "substantial",
		"progress": map[string]string{"en": progress}, "delay_reason": map[string]string{"en": "Took longer."}})
	if u == nil {
		t.FailNow()
	}
	id := u["update"].(map[string]any)["id"].(string)
	apiPost(t, gov, "/api/v1/updates/"+id+"/agree", nil)
	apiPost(t, cso, "/api/v1/updates/"+id+"/agree", nil)
	if t.Failed() {
		t.FailNow()
	}
	return id
}

// A citizen comments on an agreed update without an account; the comment
// is escaped on the update's page and under the update on the commitment
// page; a moderator hides it from the console with a reason, which the
// public then sees instead of the text.
func TestACitizenCommentsOnAnUpdateAndAModeratorHidesIt(t *testing.T) {
	id := agreedUpdate(t, "C03", "Comment test: the open data portal is live.")
	pub := newBrowser(t)
	var cm page
	eventually(t, "the agreed update on the commitment page", func() bool {
		cm = pub.get("/plans/ca-nap6/commitments/C03?lang=en")
		return strings.Contains(cm.body, "the open data portal is live")
	})
	link := "/plans/ca-nap6/commitments/C03/updates/" + id + "?lang=en#comment"
	if !strings.Contains(cm.body, `href="`+strings.ReplaceAll(link, "&", "&amp;")+`"`) {
		t.Fatalf("the commitment page has no link to comment on the update")
	}
	var up page
	eventually(t, "the update's comment page", func() bool {
		up = pub.get("/plans/ca-nap6/commitments/C03/updates/" + id + "?lang=zh-Hant")
		return up.status == http.StatusOK
	})
	// The plan is in English and French: a Chinese reader gets those and Chinese, preselected.
	if !strings.Contains(up.body, `<option value="zh-Hant" selected>`) || !strings.Contains(up.body, `<option value="en">`) || !strings.Contains(up.body, `<option value="fr">`) {
		t.Errorf("the comment form does not offer the plan's languages: %.400s", up.body[strings.Index(up.body, `id="c-lang"`):])
	}
	tok := up.csrf(t)
	form := url.Values{"csrf": {tok}, "text": {"<b>Great</b> — but where is the 2025 data?"}, "language": {"en"}, "display_name": {"Jo"}}
	r := pub.post("/plans/ca-nap6/commitments/C03/updates/"+id+"/comments?lang=en", form)
	if r.status != http.StatusSeeOther {
		t.Fatalf("comment: %d %s", r.status, errorList(r.body))
	}
	after := pub.get(r.header.Get("Location"))
	if strings.Contains(after.body, "<b>Great</b>") || !strings.Contains(after.body, "&lt;b&gt;Great&lt;/b&gt; — but where is the 2025 data?") || !strings.Contains(after.body, "Thank you, your comment is published.") {
		t.Errorf("the comment is not shown escaped with a thank-you: %.2000s", after.body)
	}
	if c := pub.get("/plans/ca-nap6/commitments/C03?lang=en"); !strings.Contains(c.body, "where is the 2025 data?") || !strings.Contains(c.body, "1 comments") {
		t.Error("the commitment page does not show the comment under its update")
	}
	// A language that does not exist is refused in the reader's language, the text kept.
	bad := pub.post("/plans/ca-nap6/commitments/C03/updates/"+id+"/comments?lang=fr", url.Values{"csrf": {tok}, "text": {"Kommentar"}, "language": {"xx"}, "anonymous": {"on"}})
	if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "Langue : choisissez une langue dans la liste") || !strings.Contains(bad.body, "Kommentar") {
		t.Errorf("comment in German: %d %s", bad.status, errorList(bad.body))
	}
	// Without the form token: refused.
	if nc := newBrowser(t).post("/plans/ca-nap6/commitments/C03/updates/"+id+"/comments", url.Values{"text": {"no token"}, "language": {"en"}}); nc.status != http.StatusForbidden {
		t.Errorf("comment without a form token: %d", nc.status)
	}
	// On an update that does not exist: not found.
	if nf := pub.get("/plans/ca-nap6/commitments/C03/updates/01NOSUCHUPDATE0000000000?lang=en"); nf.status != http.StatusNotFound {
		t.Errorf("unknown update page: %d", nf.status)
	}

	mod := staff(t, "Moderator", auth.Role{Kind: auth.KindPoC})
	list := mod.get("/console/comments?lang=en&plan=ca-nap6")
	i := strings.Index(list.body, "where is the 2025 data?")
	if list.status != http.StatusOK || i < 0 {
		t.Fatalf("the console does not list the comment: %d", list.status)
	}
	j := strings.Index(list.body[i:], `action="/console/comments/`)
	action := list.body[i+j+len(`action="`):]
	action = strings.ReplaceAll(action[:strings.Index(action, `"`)], "&amp;", "&")
	if !strings.Contains(action, "/hide") {
		t.Fatalf("first form after the comment is %s", action)
	}
	if h := mod.post(action, url.Values{"csrf": {list.csrf(t)}, "reason": {"Off topic for this update"}}); h.status != http.StatusSeeOther {
		t.Fatalf("hide: %d %s", h.status, errorList(h.body))
	}
	hidden := newBrowser(t).get("/plans/ca-nap6/commitments/C03/updates/" + id + "?lang=en")
	if strings.Contains(hidden.body, "where is the 2025 data?") || !strings.Contains(hidden.body, "A moderator hid this comment. Reason: Off topic for this update") {
		t.Errorf("the hidden comment: %.1500s", hidden.body[strings.Index(hidden.body, `id="comments"`):])
	}
	audit := mod.get("/console/audit?lang=en")
	if !strings.Contains(audit.body, "comment.hide") {
		t.Error("the audit log lacks the hide")
	}
}

// The PoC adds a site to the embed allowlist from the console: the widget
// may then be framed by it; removing it takes it out again. A site from the
// deployment's configuration has no remove button.
func TestThePoCManagesTheEmbedAllowlist(t *testing.T) {
	poc := staff(t, "PoC", auth.Role{Kind: auth.KindPoC})
	page := poc.get("/console/embeds?lang=en")
	if page.status != http.StatusOK {
		t.Fatalf("allowlist page: %d %.300s", page.status, page.body)
	}
	frame := func() string {
		req, _ := http.NewRequest(http.MethodGet, stack.base+"/embed/plans/ca-nap6?lang=en", nil)
		return newBrowser(t).do(req).header.Get("Content-Security-Policy")
	}
	bad := poc.post("/console/embeds?lang=en", url.Values{"csrf": {page.csrf(t)}, "origin": {"https://www.ontario.ca/page"}})
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body, "has a path") {
		t.Errorf("an origin with a path: %d %s", bad.status, errorList(bad.body))
	}
	if r := poc.post("/console/embeds?lang=en", url.Values{"csrf": {page.csrf(t)}, "origin": {"https://www.ontario.ca"}, "note": {"Ontario open government page"}}); r.status != http.StatusSeeOther {
		t.Fatalf("add origin: %d %s", r.status, errorList(r.body))
	}
	if csp := frame(); !strings.Contains(csp, "https://www.ontario.ca") {
		t.Errorf("the widget's CSP does not allow the added site: %q", csp)
	}
	listed := poc.get("/console/embeds?lang=en")
	if !strings.Contains(listed.body, "Ontario open government page") || !strings.Contains(listed.body, `name="origin" value="https://www.ontario.ca"`) {
		t.Errorf("the allowlist page does not list the site with a remove button")
	}
	if r := poc.post("/console/embeds/remove?lang=en", url.Values{"csrf": {listed.csrf(t)}, "origin": {"https://www.ontario.ca"}}); r.status != http.StatusSeeOther {
		t.Fatalf("remove origin: %d %s", r.status, errorList(r.body))
	}
	if csp := frame(); strings.Contains(csp, "https://www.ontario.ca") {
		t.Errorf("the removed site is still allowed: %q", csp)
	}
}

// The PoC issues and revokes API tokens for agencies and integrations, but
// not admin or notifier tokens, which only an admin handles.
func TestThePoCIssuesTokensButNotAdminOnes(t *testing.T) {
	poc := staff(t, "PoC", auth.Role{Kind: auth.KindPoC})
	page := poc.get("/console/tokens?lang=en")
	if page.status != http.StatusOK {
		t.Fatalf("tokens page: %d", page.status)
	}
	tok := page.csrf(t)
	ok := poc.post("/console/tokens?lang=en", url.Values{"csrf": {tok}, "name": {"RCMP integration"}, "roles": {"agency_editor:rcmp-grc"}})
	if ok.status != http.StatusCreated || !strings.Contains(ok.body, "kept_") {
		t.Errorf("PoC issuing an agency token: %d %s", ok.status, errorList(ok.body))
	}
	bad := poc.post("/console/tokens?lang=en", url.Values{"csrf": {tok}, "name": {"Sneaky admin"}, "roles": {"admin"}})
	if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "only an admin may issue tokens with the admin role") {
		t.Errorf("PoC issuing an admin token: %d %s", bad.status, errorList(bad.body))
	}
	at, secret, err := stack.process.Tokens.Create(t.Context(), "Deployment admin", "test", []auth.Role{{Kind: auth.KindAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	if r := poc.post("/console/tokens/"+at.ID+"/revoke?lang=en", url.Values{"csrf": {tok}}); r.status != http.StatusForbidden {
		t.Errorf("PoC revoking an admin token: %d", r.status)
	}
	if _, err := stack.process.Tokens.Verify(t.Context(), secret); err != nil {
		t.Errorf("the admin token no longer works after the PoC's refused revoke: %v", err)
	}
}

// The PoC seats an account on a working group: its session ends and, signed
// in again, it holds the seat; unseated, its session ends again.
func TestThePoCManagesWorkingGroupMembership(t *testing.T) {
	ctx := context.Background()
	const email, password = "wg.member@example.org", "correct horse battery staple"
	if _, err := stack.gateway.Accounts.Create(ctx, accounts.New{Email: email, Name: "Civil society rep", Password: password, By: "test",
		Roles: []auth.Role{{Kind: auth.KindWGMember, Plan: "ca-nap6", Commitment: "C01", Side: auth.SideCivilSociety}}}); err != nil {
		t.Fatal(err)
	}
	signIn := func() *browser {
		b := newBrowser(t)
		lp := b.get("/console/login?lang=en")
		if r := b.post("/console/login?lang=en", url.Values{"csrf": {lp.csrf(t)}, "email": {email}, "password": {password}, "next": {"/console"}}); r.status != http.StatusSeeOther {
			t.Fatalf("login: %d", r.status)
		}
		return b
	}
	member := signIn()
	seat := "wg_member:ca-nap6/C02:civil_society"
	if h := member.get("/console?lang=en"); h.status != http.StatusOK || strings.Contains(h.body, seat) {
		t.Fatalf("home before the seat: %d", h.status)
	}
	poc := staff(t, "PoC", auth.Role{Kind: auth.KindPoC})
	groups := poc.get("/console/working-groups?lang=en")
	if groups.status != http.StatusOK || !strings.Contains(groups.body, `value="ca-nap6|C02"`) {
		t.Fatalf("working groups page: %d", groups.status)
	}
	tok := groups.csrf(t)
	if r := poc.post("/console/working-groups/members?lang=en", url.Values{"csrf": {tok}, "email": {"nobody@example.org"}, "group": {"ca-nap6|C02"}, "side": {"civil_society"}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "no account") {
		t.Errorf("seat for an unknown account: %d %s", r.status, errorList(r.body))
	}
	if r := poc.post("/console/working-groups/members?lang=en", url.Values{"csrf": {tok}, "email": {email}, "group": {"ca-nap6|C99"}, "side": {"civil_society"}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "no commitment") {
		t.Errorf("seat on an unknown commitment: %d %s", r.status, errorList(r.body))
	}
	if r := poc.post("/console/working-groups/members?lang=en", url.Values{"csrf": {tok}, "email": {email}, "group": {"ca-nap6|C02"}, "side": {"civil_society"}}); r.status != http.StatusSeeOther {
		t.Fatalf("seat: %d %s", r.status, errorList(r.body))
	}
	if r := member.get("/console?lang=en"); r.status != http.StatusSeeOther {
		t.Errorf("the member's old session survived the change: %d", r.status)
	}
	member = signIn()
	if h := member.get("/console?lang=en"); !strings.Contains(h.body, seat) {
		t.Errorf("the member does not hold the seat after signing in again: %.600s", h.body)
	}
	if g := poc.get("/console/working-groups?lang=en"); !strings.Contains(g.body, "Civil society rep &lt;"+email+"&gt;") {
		t.Error("the working-groups page does not list the new member")
	}
	if r := poc.post("/console/working-groups/members/remove?lang=en", url.Values{"csrf": {tok}, "email": {email}, "group": {"ca-nap6|C02"}, "side": {"civil_society"}}); r.status != http.StatusSeeOther {
		t.Fatalf("unseat: %d %s", r.status, errorList(r.body))
	}
	if r := member.get("/console/drafts?lang=en"); r.status != http.StatusSeeOther {
		t.Errorf("the unseated member's session still works: %d", r.status)
	}
	a, _ := stack.gateway.Accounts.Get(ctx, email)
	if len(a.Roles) != 1 || a.Roles[0].Commitment != "C01" {
		t.Errorf("roles after removal: %v", a.Roles)
	}
}
