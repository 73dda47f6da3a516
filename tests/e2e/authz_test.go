package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/kept-ogp/kept/tests/internal/cluster"
)

// Every role against every write route, anonymous included.
func TestAuthorizationMatrix(t *testing.T) {
	c := cluster.Start(t)
	tokens := map[string]string{
		"anonymous":    "",
		"revoked":      "",
		"admin":        c.Token(t, "admin", "admin"),
		"poc":          c.Token(t, "poc", "poc"),
		"editor_rcmp":  c.Token(t, "rcmp", "agency_editor:rcmp-grc"),
		"editor_tbs":   c.Token(t, "tbs", "agency_editor:tbs-sct"),
		"wg_c01_gov":   c.Token(t, "gov", "wg_member:ca-nap6/C01:government"),
		"wg_c01_cso":   c.Token(t, "cso", "wg_member:ca-nap6/C01:civil_society"),
		"wg_c02_gov":   c.Token(t, "c02", "wg_member:ca-nap6/C02:government"),
		"wg_c01_both":  c.Token(t, "both", "wg_member:ca-nap6/C01:government", "wg_member:ca-nap6/C01:civil_society"),
		"forged":       "kept_01jxxxxxxxxxxxxxxxxxxxxxxx_notasecret",
		"wrong_prefix": "Bearer nonsense",
	}
	revoked := c.Token(t, "to revoke", "admin")
	tokens["revoked"] = revoked
	list := cluster.Do(t, "GET", c.URLs["commitments"]+"/api/v1/admin/tokens", tokens["admin"], nil)
	var revokedID string
	for _, tk := range list.JSON(t)["tokens"].([]any) {
		if m := tk.(map[string]any); m["name"] == "to revoke" {
			revokedID = m["id"].(string)
		}
	}
	if r := cluster.Do(t, "DELETE", c.URLs["commitments"]+"/api/v1/admin/tokens/"+revokedID, tokens["admin"], nil); r.Status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	if r := cluster.Do(t, "POST", c.URLs["commitments"]+"/api/v1/plans/import?filename=p.csv", tokens["admin"], cluster.RealPlan(t)); r.Status != 201 {
		t.Fatalf("import: %d", r.Status)
	}
	draft := func() string {
		var r cluster.Response
		cluster.Eventually(t, 20*time.Second, "a draft", func() bool {
			r = cluster.Do(t, "POST", c.URLs["updates"]+"/api/v1/updates", tokens["editor_rcmp"], update())
			return r.Status == 201
		})
		return r.JSON(t)["update"].(map[string]any)["id"].(string)
	}
	unauth := map[string]bool{"anonymous": true, "revoked": true, "forged": true, "wrong_prefix": true}
	type route struct {
		name   string
		method string
		url    func() string
		body   func() any
		allow  map[string]int // role -> expected status when allowed
	}
	com, upd := c.URLs["commitments"], c.URLs["updates"]
	routes := []route{
		{"import plan", "POST", func() string { return com + "/api/v1/plans/import?filename=p.csv" }, func() any { return cluster.RealPlan(t) },
			map[string]int{"admin": 201, "poc": 201}},
		{"set deadline", "PUT", func() string { return com + "/api/v1/plans/ca-nap6/items/C01.1.1/deadline" },
			func() any { return map[string]string{"due": "2027-10-31", "note": "agreed with RCMP"} }, map[string]int{"admin": 200, "poc": 200}},
		{"list tokens", "GET", func() string { return com + "/api/v1/admin/tokens" }, func() any { return nil }, map[string]int{"admin": 200}},
		{"create token", "POST", func() string { return com + "/api/v1/admin/tokens" },
			func() any { return map[string]any{"name": "x", "roles": []map[string]string{{"kind": "poc"}}} }, map[string]int{"admin": 201}},
		{"post update", "POST", func() string { return upd + "/api/v1/updates" }, func() any { return update() }, map[string]int{"editor_rcmp": 201}},
		{"agree", "POST", func() string { return upd + "/api/v1/updates/" + draft() + "/agree" }, func() any { return nil },
			map[string]int{"wg_c01_gov": 200, "wg_c01_cso": 200, "wg_c01_both": 400}},
		{"dispute", "POST", func() string { return upd + "/api/v1/updates/" + draft() + "/dispute" },
			func() any { return map[string]any{"reason": map[string]string{"en": "not true"}} },
			map[string]int{"wg_c01_gov": 200, "wg_c01_cso": 200, "wg_c01_both": 400}},
		{"list drafts", "GET", func() string { return upd + "/api/v1/drafts" }, func() any { return nil },
			map[string]int{"admin": 200, "poc": 200, "editor_rcmp": 200, "editor_tbs": 200, "wg_c01_gov": 200, "wg_c01_cso": 200, "wg_c02_gov": 200, "wg_c01_both": 200}},
	}
	for _, rt := range routes {
		for role, tok := range tokens {
			t.Run(fmt.Sprintf("%s/%s", rt.name, role), func(t *testing.T) {
				want, ok := rt.allow[role]
				switch {
				case ok:
				case unauth[role]:
					want = http.StatusUnauthorized
				default:
					want = http.StatusForbidden
				}
				hdr := []string{}
				if role == "wrong_prefix" {
					hdr = []string{"Authorization", tok}
					tok = ""
				}
				r := cluster.Do(t, rt.method, rt.url(), tok, rt.body(), hdr...)
				if r.Status != want {
					t.Fatalf("%s %s as %s: %d, want %d: %s", rt.method, rt.name, role, r.Status, want, r.Body)
				}
			})
		}
	}

	// A member holding both sides cannot agree for both.
	id := draft()
	both := tokens["wg_c01_both"]
	if r := cluster.Do(t, "POST", upd+"/api/v1/updates/"+id+"/agree", both, map[string]string{"side": "government"}); r.Status != 200 {
		t.Fatalf("both-sides token agrees as government: %d %s", r.Status, r.Body)
	}
	if r := cluster.Do(t, "POST", upd+"/api/v1/updates/"+id+"/agree", both, map[string]string{"side": "civil_society"}); r.Status != http.StatusForbidden {
		t.Fatalf("same member agreeing the other side: %d, want 403: %s", r.Status, r.Body)
	}
	// Another agency's editor cannot post on RCMP's indicator (403 above); the
	// same side cannot agree twice.
	id = draft()
	cluster.Do(t, "POST", upd+"/api/v1/updates/"+id+"/agree", tokens["wg_c01_gov"], nil)
	if r := cluster.Do(t, "POST", upd+"/api/v1/updates/"+id+"/agree", tokens["wg_c01_gov"], nil); r.Status != http.StatusForbidden && r.Status != http.StatusConflict {
		t.Fatalf("agreeing twice: %d", r.Status)
	}
}

func update() map[string]any {
	return map[string]any{"plan": "ca-nap6", "item": "C01.1.1", "period": "2026-12", "status": "substantial",
		"progress": map[string]string{"en": "Draft plan circulated."}}
}
