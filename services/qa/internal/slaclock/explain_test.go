package slaclock

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestExplanationJSON(t *testing.T) {
	tp := zone(t, "Asia/Taipei")
	p := Policy{Days: 20, Mode: CalendarDays, Location: tp, Warnings: []int{1, 5}}
	r := mustDue(t, at(t, tp, "2026-03-15 14:00"), p, taiwan2026(t), nil, nil)
	b, err := json.Marshal(r.Explanation)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Policy struct {
			Days     int
			Mode     string
			TimeZone string
			Warnings []int
		}
		AskedDay string
		DueDay   string
		DueAt    string
		Days     []map[string]any
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Policy.Mode != "calendar-days" || back.Policy.TimeZone != "Asia/Taipei" || back.Policy.Warnings[0] != 5 ||
		back.AskedDay != "2026-03-15" || back.DueDay != "2026-04-07" || back.DueAt != "2026-04-07T23:59:59+08:00" {
		t.Errorf("JSON %s", b)
	}
	day20 := back.Days[19]
	if day20["date"] != "2026-04-04" || day20["kind"] != "holiday" || day20["name"] != "兒童節" || day20["count"] != float64(20) {
		t.Errorf("day 20 = %v", day20)
	}
	moved := back.Days[20]
	if moved["step"] != "move" || moved["skip"] != "holiday" || moved["name"] != "清明節" {
		t.Errorf("first moved day = %v", moved)
	}
	s := r.Explanation.String()
	for _, want := range []string{
		"Day 20: Sat 2026-04-04 (holiday 兒童節), not a working day, so the due day moves to the next working day.",
		"Sun 2026-04-05: skipped, holiday 清明節.",
		"Tue 2026-04-07: the next working day, so the answer is due then.",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("explanation lacks %q:\n%s", want, s)
		}
	}
}
