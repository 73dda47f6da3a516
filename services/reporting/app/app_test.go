package app

import (
	"strings"
	"testing"
	"time"
)

func TestLoadSettings(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	s, err := LoadSettings(env(map[string]string{}))
	if err != nil || s.Zone.String() != "Asia/Taipei" || s.RateMax != 5 || s.RateWindow != 10*time.Minute {
		t.Fatalf("defaults = %+v %v", s, err)
	}
	s, err = LoadSettings(env(map[string]string{"KEPT_TIMEZONE": "America/Toronto", "REPORTING_RATE_LIMIT": "9", "REPORTING_RATE_WINDOW": "1h"}))
	if err != nil || s.Zone.String() != "America/Toronto" || s.RateMax != 9 || s.RateWindow != time.Hour {
		t.Fatalf("settings = %+v %v", s, err)
	}
	for k, v := range map[string]string{"REPORTING_TIMEZONE": "Nowhere/City", "REPORTING_RATE_LIMIT": "0", "REPORTING_RATE_WINDOW": "soon"} {
		if _, err := LoadSettings(env(map[string]string{k: v})); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: error %v, want it named", k, v, err)
		}
	}
}
