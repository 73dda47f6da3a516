package e2e

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kept-ogp/kept/tests/internal/cluster"
)

// The main job on real input: import Canada's plan, an agency posts progress,
// the working group agrees it, and the ministry's badge and widget change.
func TestImportPostAgreeAndEmbedsChange(t *testing.T) {
	c := cluster.Start(t)
	admin := c.Token(t, "admin", "admin")
	editor := c.Token(t, "RCMP editor", "agency_editor:rcmp-grc")
	gov := c.Token(t, "RCMP WG lead", "wg_member:ca-nap6/C01:government")
	cso := c.Token(t, "CSO WG member", "wg_member:ca-nap6/C01:civil_society")

	imp := cluster.Do(t, "POST", c.URLs["commitments"]+"/api/v1/plans/import?filename=canada.csv", admin, cluster.RealPlan(t))
	if imp.Status != http.StatusCreated {
		t.Fatalf("import: %d %s", imp.Status, imp.Body)
	}
	plan := cluster.Do(t, "GET", c.URLs["commitments"]+"/api/v1/plans/ca-nap6", "", nil)
	if plan.Status != 200 || !strings.Contains(string(plan.Body), `"indicators":65`) {
		t.Fatalf("public plan: %d %s", plan.Status, cluster.Tail(plan.Body, 300))
	}

	dash := c.URLs["dashboards"]
	badgeURL := dash + "/badge/plans/ca-nap6/commitments/C01.svg?lang=en"
	cluster.Eventually(t, 20*time.Second, "dashboards to see the plan", func() bool {
		return cluster.Do(t, "GET", badgeURL, "", nil).Status == 200
	})
	// The updates service learns the plan from events too; wait for it.
	body := map[string]any{"plan": "ca-nap6", "item": "C01.1.1", "period": "2026-12", "status": "complete",
		"progress":   map[string]string{"en": "Strategic plan drafted and approved.", "fr": "Plan stratégique rédigé et approuvé."},
		"evidence":   []map[string]any{{"url": "https://www.rcmp-grc.gc.ca/en/plan", "title": map[string]string{"en": "Strategic plan"}, "kind": "publication"}},
		"next_steps": map[string]string{"en": "Launch the forum."}}
	var post cluster.Response
	cluster.Eventually(t, 20*time.Second, "updates service to know C01.1.1", func() bool {
		post = cluster.Do(t, "POST", c.URLs["updates"]+"/api/v1/updates", editor, body)
		return post.Status != http.StatusUnprocessableEntity
	})
	if post.Status != http.StatusCreated {
		t.Fatalf("post update: %d %s", post.Status, post.Body)
	}
	id := post.JSON(t)["update"].(map[string]any)["id"].(string)

	first := cluster.Do(t, "GET", badgeURL, "", nil)
	etag := first.Header.Get("ETag")
	if etag == "" || !strings.Contains(first.Header.Get("Content-Type"), "image/svg+xml") {
		t.Fatalf("badge headers: %v", first.Header)
	}
	if cc := first.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=") {
		t.Fatalf("badge Cache-Control = %q", cc)
	}
	if got := cluster.Do(t, "GET", badgeURL, "", nil, "If-None-Match", etag); got.Status != http.StatusNotModified {
		t.Fatalf("conditional GET before the change: %d, want 304", got.Status)
	}
	widgetURL := dash + "/embed/plans/ca-nap6/commitments/C01?lang=fr"
	w1 := cluster.Do(t, "GET", widgetURL, "", nil)
	if w1.Status != 200 || w1.Header.Get("X-Frame-Options") != "" ||
		!strings.Contains(w1.Header.Get("Content-Security-Policy"), "frame-ancestors https://www.canada.ca https://*.gc.ca") {
		t.Fatalf("widget: %d headers %v", w1.Status, w1.Header)
	}

	// A draft is not public and does not move the dashboard.
	if got := cluster.Do(t, "GET", c.URLs["updates"]+"/api/v1/updates/"+id, "", nil); got.Status != http.StatusNotFound {
		t.Fatalf("draft visible to the public: %d", got.Status)
	}
	if got := cluster.Do(t, "POST", c.URLs["updates"]+"/api/v1/updates/"+id+"/agree", gov, nil); got.Status != 200 {
		t.Fatalf("government agrees: %d %s", got.Status, got.Body)
	}
	if got := cluster.Do(t, "GET", badgeURL, "", nil, "If-None-Match", etag); got.Status != http.StatusNotModified {
		t.Fatalf("one side's agreement changed the badge: %d", got.Status)
	}
	if got := cluster.Do(t, "POST", c.URLs["updates"]+"/api/v1/updates/"+id+"/agree", cso, nil); got.Status != 200 {
		t.Fatalf("civil society agrees: %d %s", got.Status, got.Body)
	}

	cluster.Eventually(t, 20*time.Second, "the dashboard JSON to show the agreed update", func() bool {
		j := cluster.Do(t, "GET", dash+"/api/v1/dashboards/plans/ca-nap6/commitments/C01", "", nil)
		return j.Status == 200 && bytes.Contains(j.Body, []byte(`"code":"C01.1.1"`)) &&
			bytes.Contains(j.Body, []byte(`"status":"complete"`))
	})
	var after cluster.Response
	cluster.Eventually(t, 5*time.Second, "the badge to change", func() bool {
		after = cluster.Do(t, "GET", badgeURL, "", nil, "If-None-Match", etag)
		return after.Status == 200
	})
	if after.Header.Get("ETag") == etag || after.Header.Get("ETag") == "" {
		t.Fatalf("badge ETag did not change: %q", after.Header.Get("ETag"))
	}
	if bytes.Equal(after.Body, first.Body) {
		t.Fatal("badge body did not change")
	}
	w2 := cluster.Do(t, "GET", widgetURL, "", nil)
	if bytes.Equal(w1.Body, w2.Body) || w2.Header.Get("ETag") == w1.Header.Get("ETag") {
		t.Fatal("widget did not change after the agreement")
	}
	pub := cluster.Do(t, "GET", c.URLs["updates"]+"/api/v1/updates?plan=ca-nap6&commitment=C01", "", nil)
	if !bytes.Contains(pub.Body, []byte(id)) || !bytes.Contains(pub.Body, []byte(`"state":"agreed"`)) {
		t.Fatalf("agreed update not public: %s", pub.Body)
	}
}

// A disputed update is published as disputed with both positions, and a late
// item needs the reason for its delay.
func TestDisputeAndDelayReason(t *testing.T) {
	c := cluster.Start(t)
	admin := c.Token(t, "admin", "admin")
	editor := c.Token(t, "RCMP editor", "agency_editor:rcmp-grc")
	gov := c.Token(t, "gov", "wg_member:ca-nap6/C01:government")
	cso := c.Token(t, "cso", "wg_member:ca-nap6/C01:civil_society")
	if r := cluster.Do(t, "POST", c.URLs["commitments"]+"/api/v1/plans/import?filename=canada.csv", admin, cluster.RealPlan(t)); r.Status != 201 {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	// C01.1.2 was due "By winter 2025": late, so a reason for the delay is required.
	late := map[string]any{"plan": "ca-nap6", "item": "C01.1.2", "period": "2026-12", "status": "limited",
		"progress": map[string]string{"en": "Consultation postponed."}}
	var r cluster.Response
	cluster.Eventually(t, 20*time.Second, "updates service to know C01.1.2", func() bool {
		r = cluster.Do(t, "POST", c.URLs["updates"]+"/api/v1/updates", editor, late)
		return !bytes.Contains(r.Body, []byte("unknown_item"))
	})
	if r.Status != http.StatusUnprocessableEntity || !bytes.Contains(r.Body, []byte(`"field":"delay_reason"`)) {
		t.Fatalf("late update without delay reason: %d %s", r.Status, r.Body)
	}
	late["delay_reason"] = map[string]string{"en": "Waiting for the forum's terms of reference."}
	r = cluster.Do(t, "POST", c.URLs["updates"]+"/api/v1/updates", editor, late)
	if r.Status != 201 {
		t.Fatalf("late update with reason: %d %s", r.Status, r.Body)
	}
	id := r.JSON(t)["update"].(map[string]any)["id"].(string)
	if g := cluster.Do(t, "POST", c.URLs["updates"]+"/api/v1/updates/"+id+"/agree", gov, nil); g.Status != 200 {
		t.Fatalf("gov agree: %d %s", g.Status, g.Body)
	}
	d := cluster.Do(t, "POST", c.URLs["updates"]+"/api/v1/updates/"+id+"/dispute", cso,
		map[string]any{"reason": map[string]string{"en": "No consultation has been scheduled at all."}})
	if d.Status != 200 {
		t.Fatalf("dispute: %d %s", d.Status, d.Body)
	}
	pub := cluster.Do(t, "GET", c.URLs["updates"]+"/api/v1/updates/"+id, "", nil)
	for _, want := range []string{`"state":"disputed"`, "Consultation postponed.", "No consultation has been scheduled at all."} {
		if !bytes.Contains(pub.Body, []byte(want)) {
			t.Fatalf("public disputed update lacks %q: %s", want, pub.Body)
		}
	}
	cluster.Eventually(t, 20*time.Second, "dashboards to show the dispute", func() bool {
		j := cluster.Do(t, "GET", c.URLs["dashboards"]+"/api/v1/dashboards/plans/ca-nap6/commitments/C01", "", nil)
		return bytes.Contains(j.Body, []byte(`"disputed":1`))
	})
}
