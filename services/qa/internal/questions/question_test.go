package questions

import (
	"testing"
	"time"

	"github.com/kept-ogp/kept/services/qa/internal/calendar"
	"github.com/kept-ogp/kept/services/qa/internal/slaclock"
)

func TestComputeAndAlertOrder(t *testing.T) {
	tp, err := time.LoadLocation("Asia/Taipei")
	if err != nil {
		t.Fatal(err)
	}
	p := slaclock.Policy{Days: 20, Mode: slaclock.WorkingDays, Location: tp, Warnings: []int{1, 5}}
	asked := time.Date(2026, 3, 2, 10, 0, 0, 0, tp)
	q := &Question{ID: "q", AskedAt: asked, Status: StatusOpen}
	if _, err := q.Compute(p, nil, asked); err != nil {
		t.Fatal(err)
	}
	at := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, tp) }
	want := []struct {
		threshold int
		at        time.Time
	}{{5, at(23, 9)}, {1, at(27, 9)}, {Breach, at(31, 0)}}
	for i, w := range want {
		if q.NextAlertAt == nil || q.NextAlertThreshold != w.threshold || !q.NextAlertAt.Equal(w.at) {
			t.Fatalf("alert %d: %v %v, want %d at %v", i, q.NextAlertThreshold, q.NextAlertAt, w.threshold, w.at)
		}
		if err := q.advanceAlert(p, nil); err != nil {
			t.Fatal(err)
		}
	}
	if q.NextAlertAt != nil || !q.BreachSent || q.DueVersion != 1 {
		t.Fatalf("after the breach: %v %v %d", q.NextAlertAt, q.BreachSent, q.DueVersion)
	}
	// A holiday that moves the due date but leaves it past: a new version,
	// but the breach already sent is not sent again.
	cal, _, err := calendar.New([]calendar.Day{{Date: calendar.Date{Year: 2026, Month: 3, Day: 10}, Off: true, Name: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	moved, err := q.Compute(p, cal, at(31, 0).Add(48*time.Hour))
	if err != nil || !moved || q.DueVersion != 2 || q.NextAlertAt != nil || q.DueDay != "2026-03-31" {
		t.Fatalf("recomputed: moved %v, version %d, next %v, due %s, %v", moved, q.DueVersion, q.NextAlertAt, q.DueDay, err)
	}
	// The same inputs again: nothing moves.
	if moved, err := q.Compute(p, cal, at(31, 0).Add(49*time.Hour)); err != nil || moved || q.DueVersion != 2 {
		t.Fatalf("second compute: moved %v, version %d, %v", moved, q.DueVersion, err)
	}
}

func TestAskValidateCountsCharacters(t *testing.T) {
	a := Ask{Text: "問\r\n好", Language: "zh-Hant", Anonymous: true, Email: "  a@b.tw "}
	if err := a.Validate(); err != nil || a.Email != "a@b.tw" || a.Text != "問\n好" {
		t.Fatalf("%v %q", err, a.Email)
	}
	for _, s := range []string{"a\u2028b", "a\rb", "a\x00b"} {
		if errs := CheckText("text", s, 10, true); len(errs) == 0 {
			t.Errorf("%q accepted", s)
		}
	}
	if errs := CheckText("text", "line\n\tindented", 20, true); len(errs) != 0 {
		t.Errorf("newline and tab refused: %v", errs)
	}
}
