package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// A plan's override applies to questions asked on it, an agency's wins over
// the plan's field by field, and a question keeps the policy it was asked
// under when the override changes later.
func TestPolicyOverridesPerPlanAndAgency(t *testing.T) {
	e := setup(t)
	pocTok := e.token("poc", poc)
	route := "/api/v1/qa/policies/plans/tw-nap3"
	// Only the PoC or an admin sets them.
	e.do(http.MethodPut, route, "", map[string]any{"days": 10}).want(http.StatusUnauthorized)
	e.do(http.MethodPut, route, e.token("ndc", editor("ndc")), map[string]any{"days": 10}).want(http.StatusForbidden)
	// Bad input names the field.
	r := e.do(http.MethodPut, route, pocTok, map[string]any{"mode": "lunar"}).want(http.StatusUnprocessableEntity)
	if !strings.Contains(r.Body.String(), "mode") {
		t.Errorf("error %s", r.Body.String())
	}
	r = e.do(http.MethodPut, route, pocTok, map[string]any{"time_zone": "Mars/Olympus"}).want(http.StatusUnprocessableEntity)
	if !strings.Contains(r.Body.String(), "time_zone") {
		t.Errorf("error %s", r.Body.String())
	}
	e.do(http.MethodPut, route, pocTok, map[string]any{}).want(http.StatusUnprocessableEntity)
	e.do(http.MethodPut, "/api/v1/qa/policies/planets/x", pocTok, map[string]any{"days": 3}).want(http.StatusNotFound)

	before := e.ask("按部署的政策")
	if before.DueDay != "2026-03-30" || before.Policy == nil || before.Policy.Source != "deployment" {
		t.Fatalf("deployment policy: due %s policy %+v", before.DueDay, before.Policy)
	}
	// Plan: 10 calendar days. Asked Monday 2 March: day 10 is Thursday 12 March.
	e.do(http.MethodPut, route, pocTok, map[string]any{"days": 10, "mode": "calendar"}).want(http.StatusOK)
	q := e.ask("按計畫的政策")
	if q.DueDay != "2026-03-12" || q.Policy.Source != "deployment + plan tw-nap3" || q.Policy.Mode != "calendar-days" {
		t.Fatalf("plan policy: due %s policy %+v", q.DueDay, q.Policy)
	}
	if !strings.Contains(e.get(q.ID).HowComputed, "10 calendar days") {
		t.Errorf("explanation %q", e.get(q.ID).HowComputed)
	}
	// Agency ndc (the lead): 5 days, mode left to the plan (calendar).
	e.do(http.MethodPut, "/api/v1/qa/policies/agencies/ndc", pocTok, map[string]any{"days": 5}).want(http.StatusOK)
	q2 := e.ask("按機關的政策")
	if q2.DueDay != "2026-03-09" || q2.Policy.Source != "deployment + plan tw-nap3 + agency ndc" {
		t.Fatalf("agency policy: due %s policy %+v", q2.DueDay, q2.Policy)
	}
	// Earlier questions keep theirs.
	if got := e.get(before.ID); got.DueDay != "2026-03-30" {
		t.Errorf("an override moved an earlier question to %s", got.DueDay)
	}
	if got := e.get(q.ID); got.DueDay != "2026-03-12" {
		t.Errorf("the agency override moved a question asked before it to %s", got.DueDay)
	}
	// Public list; deleting restores the broader policy for new questions.
	list := e.do(http.MethodGet, "/api/v1/qa/policies", "", nil).want(http.StatusOK).Body.String()
	if !strings.Contains(list, `"key":"ndc"`) || !strings.Contains(list, `"time_zone":"Asia/Taipei"`) {
		t.Errorf("policies %s", list)
	}
	e.do(http.MethodDelete, "/api/v1/qa/policies/agencies/ndc", pocTok, nil).want(http.StatusOK)
	e.do(http.MethodDelete, "/api/v1/qa/policies/agencies/ndc", pocTok, nil).want(http.StatusNotFound)
	if q3 := e.ask("刪除後"); q3.DueDay != "2026-03-12" {
		t.Errorf("after delete: due %s", q3.DueDay)
	}
}
