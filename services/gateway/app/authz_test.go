package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kept-ogp/kept/services/gateway/internal/accounts"
	"github.com/kept-ogp/kept/services/gateway/internal/console"
	"github.com/kept-ogp/kept/services/kit/auth"
)

// Every console route against every role, anonymous included: the public
// routes admit everyone; the others send anonymous readers to the login page
// (GET) or refuse them (POST); a role not listed is refused with 403; a role
// listed gets past the gateway (the service may still refuse a fake id).
// Every POST without the session's CSRF token is refused.
func TestAuthorizationMatrix(t *testing.T) {
	roles := map[string][]auth.Role{
		"admin":         {{Kind: auth.KindAdmin}},
		"poc":           {{Kind: auth.KindPoC}},
		"agency_editor": {{Kind: auth.KindAgencyEditor, Org: "rcmp-grc"}},
		"wg_member":     {{Kind: auth.KindWGMember, Plan: "ca-nap6", Commitment: "C01", Side: auth.SideGovernment}},
	}
	fill := strings.NewReplacer(":plan", "ca-nap6", ":code", "C04", ":id", "01NOSUCHID000000000000000")
	allowed := func(r console.Route, kinds []string) bool {
		for _, k := range r.Kinds {
			if k == "" {
				return true
			}
			for _, have := range kinds {
				if k == have {
					return true
				}
			}
		}
		return false
	}
	for _, r := range console.Table() {
		path := fill.Replace(r.Path) + "?lang=en"
		// anonymous
		anon := newBrowser(t)
		var got page
		if r.Method == http.MethodGet {
			got = anon.get(path)
		} else {
			got = anon.post(path, url.Values{"csrf": {"x"}, "email": {"nobody@example.org"}, "password": {"wrong password!"}})
		}
		switch {
		case r.Kinds == nil:
			if got.status == http.StatusSeeOther && strings.Contains(got.header.Get("Location"), "/console/login") && r.Method == http.MethodGet {
				t.Errorf("anonymous %s %s: redirected to login on a public route", r.Method, r.Path)
			}
		case r.Method == http.MethodGet:
			if got.status != http.StatusSeeOther || !strings.HasPrefix(got.header.Get("Location"), "/console/login") {
				t.Errorf("anonymous %s %s: %d, want 303 to the login page", r.Method, r.Path, got.status)
			}
		default:
			if got.status != http.StatusUnauthorized {
				t.Errorf("anonymous %s %s: %d, want 401", r.Method, r.Path, got.status)
			}
		}
		if r.Kinds == nil {
			continue
		}
		for name, rs := range roles {
			b := staff(t, name, rs...)
			home := b.get("/console?lang=en")
			tok := home.csrf(t)
			form := url.Values{"csrf": {tok}, "text": {"x"}, "reason": {"x"}, "days": {"1"}, "agency": {"rcmp-grc"}, "side": {auth.SideGovernment},
				"email": {"new-" + name + "@example.org"}, "name": {"New"}, "roles": {"poc"}}
			if r.Method == http.MethodGet {
				got = b.get(path)
			} else {
				// First without the token: always refused by the gateway.
				bad := url.Values{}
				for k, v := range form {
					bad[k] = v
				}
				bad.Del("csrf")
				if nc := b.post(path, bad); nc.status != http.StatusForbidden || !strings.Contains(nc.body, "The form expired") {
					if allowed(r, kinds(rs)) {
						t.Errorf("%s %s %s without CSRF token: %d, want 403 naming the expired form", name, r.Method, r.Path, nc.status)
					}
				}
				got = b.post(path, form)
			}
			if allowed(r, kinds(rs)) {
				if got.status == http.StatusUnauthorized || (got.status == http.StatusForbidden && strings.Contains(got.body, "needs one of the roles")) {
					t.Errorf("%s %s %s: %d, want the route to admit the role", name, r.Method, r.Path, got.status)
				}
			} else if got.status != http.StatusForbidden {
				t.Errorf("%s %s %s: %d, want 403", name, r.Method, r.Path, got.status)
			}
		}
	}
}

func kinds(rs []auth.Role) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Kind)
	}
	return out
}

func TestLogoutRevokesTheSessionAndItsToken(t *testing.T) {
	b := staff(t, "PoC", auth.Role{Kind: auth.KindPoC})
	other := staff(t, "PoC elsewhere", auth.Role{Kind: auth.KindPoC})
	home := b.get("/console?lang=en")
	if home.status != http.StatusOK {
		t.Fatal(home.status)
	}
	if r := b.post("/console/logout", url.Values{"csrf": {home.csrf(t)}}); r.status != http.StatusSeeOther {
		t.Fatalf("logout: %d", r.status)
	}
	if r := b.get("/console"); r.status != http.StatusSeeOther {
		t.Errorf("after logout /console: %d, want a redirect to login", r.status)
	}
	if r := other.get("/console"); r.status != http.StatusOK {
		t.Errorf("another session ended with this one: %d", r.status)
	}
	tokens, err := stack.process.Tokens.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	revoked := 0
	for _, tk := range tokens {
		if tk.Name == "PoC" && tk.RevokedAt != nil {
			revoked++
		}
	}
	if revoked == 0 {
		t.Error("logout did not revoke the session's API token")
	}
	for _, c := range b.client.Jar.Cookies(mustURL(stack.base)) {
		if c.Name == console.CookieName && c.Value != "" {
			t.Error("the session cookie is still set")
		}
	}
}

func TestLoginRefusesWrongPasswordsAndSetsASafeCookie(t *testing.T) {
	b := newBrowser(t)
	lp := b.get("/console/login?lang=en")
	r := b.post("/console/login?lang=en", url.Values{"csrf": {lp.csrf(t)}, "email": {"nobody@example.org"}, "password": {"guess guess guess"}})
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "Wrong email, password or code.") {
		t.Errorf("bad login: %d", r.status)
	}
	if r := b.post("/console/login", url.Values{"email": {"nobody@example.org"}, "password": {"x"}}); r.status != http.StatusForbidden {
		t.Errorf("login without form token: %d, want 403", r.status)
	}
	// A good login sets an HttpOnly, SameSite=Lax session cookie.
	if _, err := stack.gateway.Accounts.Create(t.Context(), accounts.New{Email: "cookie@example.org", Name: "Cookie", Password: "long enough password", Roles: []auth.Role{{Kind: auth.KindAdmin}}}); err != nil {
		t.Fatal(err)
	}
	a := newBrowser(t)
	lp = a.get("/console/login")
	ok := a.post("/console/login", url.Values{"csrf": {lp.csrf(t)}, "email": {"Cookie@Example.org"}, "password": {"long enough password"}})
	if ok.status != http.StatusSeeOther {
		t.Fatalf("login: %d", ok.status)
	}
	var set string
	for _, c := range ok.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, console.CookieName+"=") {
			set = c
		}
	}
	if !strings.Contains(set, "HttpOnly") || !strings.Contains(set, "SameSite=Lax") || !strings.Contains(set, "Path=/") {
		t.Errorf("session cookie = %q", set)
	}
	if strings.Contains(ok.body, "kept_") {
		t.Error("the API token reached the browser")
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// The database holds neither the cookie value nor the session's API token
// in the clear: a copy of it cannot act as the staff member.
func TestSessionsStoreNoUsableSecrets(t *testing.T) {
	b := staff(t, "Secret keeper", auth.Role{Kind: auth.KindPoC})
	var cookie string
	for _, c := range b.client.Jar.Cookies(mustURL(stack.base)) {
		if c.Name == console.CookieName {
			cookie = c.Value
		}
	}
	if cookie == "" {
		t.Fatal("no session cookie")
	}
	cur, err := stack.process.Mongo.Database("kept_gateway").Collection("sessions").Find(t.Context(), bson.M{})
	if err != nil {
		t.Fatal(err)
	}
	var docs []bson.M
	if err := cur.All(t.Context(), &docs); err != nil {
		t.Fatal(err)
	}
	if len(docs) == 0 {
		t.Fatal("no sessions stored")
	}
	for _, d := range docs {
		raw, _ := bson.MarshalExtJSON(d, false, false)
		if strings.Contains(string(raw), cookie) || strings.Contains(string(raw), "kept_") {
			t.Fatalf("a session document holds a usable secret: %.300s", raw)
		}
	}
}
