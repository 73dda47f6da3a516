package proxy

import "testing"

func TestTargetRoutesEachPathToItsService(t *testing.T) {
	for path, want := range map[string]string{
		"/api/v1/plans":                                            "commitments",
		"/api/v1/plans/ca-nap6":                                    "commitments",
		"/api/v1/plans/ca-nap6/commitments/C01":                    "commitments",
		"/api/v1/plans/ca-nap6/commitments/C01/questions":          "qa",
		"/api/v1/plans/ca-nap6/commitments/C01/questions/x/pause":  "qa",
		"/api/v1/plans/import":                                     "commitments",
		"/api/v1/plans/ca-nap6/commitments/C01/comments":           "qa",
		"/api/v1/plans/ca-nap6/commitments/C01/comments/x/hide":    "qa",
		"/api/v1/plans/ca-nap6/commitments/C01/updates/u/comments": "qa",
		"/api/v1/plans/ca-nap6/commitments/C01/updates":            "commitments",
		"/api/v1/admin/tokens":                                     "commitments",
		"/api/v1/updates":                                          "updates",
		"/api/v1/updates/x/agree":                                  "updates",
		"/api/v1/drafts":                                           "updates",
		"/api/v1/dashboards/plans/ca-nap6":                         "dashboards",
		"/embed/plans/ca-nap6":                                     "dashboards",
		"/badge/plans/ca-nap6.svg":                                 "dashboards",
		"/api/v1/qa/calendar/import":                               "qa",
		"/api/v1/reporting/sar":                                    "reporting",
		"/api/v1/notifications/subscriptions":                      "notifications",
		"/api/v1/planspotting":                                     "",
		"/api/v1/other":                                            "",
	} {
		if got := Target(path); got != want {
			t.Errorf("Target(%q) = %q, want %q", path, got, want)
		}
	}
}
