package app

import (
	"testing"
	"time"

	"github.com/kept-ogp/kept/services/qa/internal/slaclock"
)

func TestLoadSettings(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	s, err := LoadSettings(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if s.Policy.Days != 20 || s.Policy.Mode != slaclock.WorkingDays || s.Policy.Location.String() != "Asia/Taipei" ||
		len(s.Policy.Warnings) != 2 || s.CheckInterval != time.Minute || s.RateMax != 5 || s.RateWindow != 10*time.Minute {
		t.Fatalf("defaults %+v", s)
	}
	s, err = LoadSettings(env(map[string]string{"QA_SLA_DAYS": "10", "QA_SLA_MODE": "calendar", "KEPT_TIMEZONE": "America/Toronto",
		"QA_SLA_WARNINGS": "3", "QA_CHECK_INTERVAL": "30s"}))
	if err != nil || s.Policy.Days != 10 || s.Policy.Mode != slaclock.CalendarDays || s.Policy.Location.String() != "America/Toronto" ||
		len(s.Policy.Warnings) != 1 || s.CheckInterval != 30*time.Second {
		t.Fatalf("%+v, %v", s, err)
	}
	s, err = LoadSettings(env(map[string]string{"QA_TIMEZONE": "Asia/Taipei", "KEPT_TIMEZONE": "UTC"}))
	if err != nil || s.Policy.Location.String() != "Asia/Taipei" {
		t.Fatalf("QA_TIMEZONE should win: %+v, %v", s, err)
	}
	for _, bad := range []map[string]string{{"QA_SLA_DAYS": "0"}, {"QA_SLA_MODE": "weekly"}, {"QA_SLA_WARNINGS": "5,5"},
		{"QA_TIMEZONE": "Mars/Olympus"}, {"QA_CHECK_INTERVAL": "soon"}, {"QA_RATE_LIMIT": "0"}} {
		if _, err := LoadSettings(env(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
