package e2e

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/kept-ogp/kept/tests/internal/cluster"
)

// Import rules through the API: the real file, a BOM, a bad file that imports
// nothing and lists every error by row and column, and a second import that
// updates in place and keeps history.
func TestImportRules(t *testing.T) {
	c := cluster.Start(t)
	admin := c.Token(t, "admin", "admin")
	api := c.URLs["commitments"] + "/api/v1"

	bad := bytes.Replace(cluster.RealPlan(t), []byte("ca-nap6,Canada's 2025-2029"), []byte("ca-nap6,Canada's 2025-2029"), 1)
	lines := strings.Split(string(bad), "\r\n")
	lines[3] = strings.Replace(lines[3], "2025-01,2029-12", "2025-13,2029-12", 1)      // bad plan_start on row 4
	lines[5] = strings.Replace(lines[5], ",,By fall 2028", ",2028-13,By fall 2028", 1) // bad due on row 6
	lines[7] = strings.Replace(lines[7], ",C01,", ",,", 1)                             // no commitment code on row 8
	bad = []byte(strings.Join(lines, "\r\n"))
	r := cluster.Do(t, "POST", api+"/plans/import?filename=bad.csv", admin, bad)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad file: %d %s", r.Status, r.Body)
	}
	for _, want := range []string{`"row":4,"column":"plan_start"`, `"row":6,"column":"due"`, `"row":8,"column":"commitment_code"`} {
		if !bytes.Contains(r.Body, []byte(want)) {
			t.Errorf("bad file errors lack %s: %s", want, r.Body)
		}
	}
	if got := cluster.Do(t, "GET", api+"/plans/ca-nap6", "", nil); got.Status != http.StatusNotFound {
		t.Fatalf("a rejected file left a plan behind: %d", got.Status)
	}

	bom := append([]byte("\ufeff"), cluster.RealPlan(t)...)
	r = cluster.Do(t, "POST", api+"/plans/import?filename=bom.csv", admin, bom)
	if r.Status != http.StatusCreated || !bytes.Contains(r.Body, []byte(`"indicators":65`)) {
		t.Fatalf("BOM file: %d %s", r.Status, r.Body)
	}
	r = cluster.Do(t, "POST", api+"/plans/import?filename=canada.csv", admin, cluster.RealPlan(t))
	if r.Status != http.StatusCreated || !bytes.Contains(r.Body, []byte(`"revision":2`)) {
		t.Fatalf("second import: %d %s", r.Status, r.Body)
	}
	if !bytes.Contains(r.Body, []byte(`"changed":[]`)) || !bytes.Contains(r.Body, []byte(`"added":[]`)) {
		t.Fatalf("re-import of the same plan reports changes: %s", r.Body)
	}
	revs := cluster.Do(t, "GET", api+"/plans/ca-nap6/revisions", "", nil)
	if !bytes.Contains(revs.Body, []byte(`"revision":1`)) || !bytes.Contains(revs.Body, []byte(`"revision":2`)) {
		t.Fatalf("history not kept: %s", revs.Body)
	}
	plans := cluster.Do(t, "GET", api+"/plans", "", nil)
	if bytes.Count(plans.Body, []byte(`"id":"ca-nap6"`)) != 1 {
		t.Fatalf("re-import duplicated the plan: %s", plans.Body)
	}
}

// A file that is not a plan at all is refused as the file's fault (422), with
// the reason, never as a server error.
func TestImportRefusesFilesThatAreNotPlans(t *testing.T) {
	c := cluster.Start(t)
	admin := c.Token(t, "admin", "admin")
	api := c.URLs["commitments"] + "/api/v1/plans/import"
	for name, tc := range map[string]struct {
		query string
		body  []byte
		want  string
	}{
		"empty":                {"?filename=e.csv", []byte{}, "empty"},
		"header only":          {"?filename=h.csv", bytes.SplitN(cluster.RealPlan(t), []byte("\n"), 2)[0], "no rows"},
		"csv named xlsx":       {"?filename=p.xlsx", cluster.RealPlan(t), "zip"},
		"unknown encoding":     {"?filename=p.csv&encoding=klingon", cluster.RealPlan(t), "encoding"},
		"utf-8 given encoding": {"?filename=p.csv&encoding=windows-1252", cluster.RealPlan(t), "UTF-8"},
	} {
		r := cluster.Do(t, "POST", api+tc.query, admin, tc.body)
		if r.Status != http.StatusUnprocessableEntity || !bytes.Contains(r.Body, []byte(`"row":0`)) || !bytes.Contains(r.Body, []byte(tc.want)) {
			t.Errorf("%s: %d %s", name, r.Status, cluster.Tail(r.Body, 300))
		}
	}
	if r := cluster.Do(t, "GET", c.URLs["commitments"]+"/api/v1/plans", "", nil); !bytes.Contains(r.Body, []byte(`"plans":[]`)) {
		t.Fatalf("a refused file left a plan: %s", r.Body)
	}
}
