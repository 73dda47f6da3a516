package calendar

import (
	"encoding/json"
	"testing"
	"time"
	_ "time/tzdata" // the zones below exist even on machines without zoneinfo
)

func TestDateArithmeticMatchesTime(t *testing.T) {
	base := time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)
	ref := Date{1600, time.January, 1}
	for i := 0; i < 200_000; i += 7 {
		tt := base.AddDate(0, 0, i)
		want := DateOf(tt)
		got := ref.AddDays(i)
		if got != want {
			t.Fatalf("AddDays(%d) = %v, want %v", i, got, want)
		}
		if got.Weekday() != tt.Weekday() {
			t.Fatalf("%v.Weekday() = %v, want %v", got, got.Weekday(), tt.Weekday())
		}
		if got.Sub(ref) != i {
			t.Fatalf("%v.Sub(%v) = %d, want %d", got, ref, got.Sub(ref), i)
		}
		if !got.IsValid() {
			t.Fatalf("%v not valid", got)
		}
	}
	if d := (Date{1969, time.December, 31}); d.Weekday() != time.Wednesday || d.AddDays(1) != (Date{1970, 1, 1}) {
		t.Errorf("around the epoch: %v is %v", d, d.Weekday())
	}
}

func TestDateValidity(t *testing.T) {
	for _, c := range []struct {
		d    Date
		want bool
	}{
		{Date{2024, 2, 29}, true}, {Date{2026, 2, 29}, false}, {Date{2000, 2, 29}, true},
		{Date{1900, 2, 29}, false}, {Date{2026, 4, 31}, false}, {Date{2026, 13, 1}, false},
		{Date{2026, 0, 1}, false}, {Date{2026, 1, 0}, false}, {Date{}, false},
	} {
		if got := c.d.IsValid(); got != c.want {
			t.Errorf("%v.IsValid() = %v, want %v", c.d, got, c.want)
		}
	}
}

func TestParseDateAndJSON(t *testing.T) {
	d, err := ParseDate("2026-02-28")
	if err != nil || d != (Date{2026, time.February, 28}) {
		t.Fatalf("ParseDate = %v, %v", d, err)
	}
	if _, err := ParseDate("2026-02-30"); err == nil {
		t.Error("ParseDate accepted 2026-02-30")
	}
	b, _ := json.Marshal(struct{ D Date }{d})
	if string(b) != `{"D":"2026-02-28"}` {
		t.Errorf("JSON = %s", b)
	}
	var back struct{ D Date }
	if err := json.Unmarshal(b, &back); err != nil || back.D != d {
		t.Errorf("round trip = %v, %v", back.D, err)
	}
}

// Start must be the first instant of the date even where midnight does not
// exist: Chile moved its clocks from 00:00 to 01:00 on 2022-09-11.
func TestStartOfDay(t *testing.T) {
	for _, c := range []struct {
		zone string
		d    Date
		hour int
	}{
		{"Asia/Taipei", Date{2026, 1, 1}, 0},
		{"America/Toronto", Date{2026, 3, 8}, 0}, // DST starts at 02:00
		{"America/Santiago", Date{2022, 9, 11}, 1},
		{"America/Havana", Date{2026, 3, 8}, 1},
		{"America/Havana", Date{2026, 11, 1}, 0}, // 01:00 back to 00:00: the first midnight
	} {
		loc, err := time.LoadLocation(c.zone)
		if err != nil {
			t.Fatal(err)
		}
		s := c.d.Start(loc)
		if DateOf(s) != c.d || s.Hour() != c.hour || s.Minute() != 0 {
			t.Errorf("%s %v: Start = %v", c.zone, c.d, s)
		}
		if prev := DateOf(s.Add(-time.Nanosecond)); prev != c.d.AddDays(-1) {
			t.Errorf("%s %v: the instant before Start is on %v", c.zone, c.d, prev)
		}
	}
}

// Samoa skipped 2011-12-30: it has no instant, so its day is empty.
func TestStartOfSkippedDate(t *testing.T) {
	apia, err := time.LoadLocation("Pacific/Apia")
	if err != nil {
		t.Fatal(err)
	}
	skipped := Date{2011, 12, 30}
	exists := func(d Date) bool { return DateOf(d.Start(apia)) == d }
	if exists(skipped) || !exists(skipped.AddDays(1)) || !exists(skipped.AddDays(-1)) {
		t.Error("start of day is wrong around Samoa's skipped day")
	}
	if !skipped.Start(apia).Equal(skipped.AddDays(1).Start(apia)) {
		t.Errorf("skipped day starts %v, next %v", skipped.Start(apia), skipped.AddDays(1).Start(apia))
	}
}
