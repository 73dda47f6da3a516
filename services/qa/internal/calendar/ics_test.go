package calendar

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func toronto(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/Toronto")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestICSFixture(t *testing.T) {
	data := readFixture(t, "canada-2026.ics")
	days, err := ParseICS(bytes.NewReader(data), ICSOptions{Location: toronto(t), FirstYear: 2026, LastYear: 2027})
	if err != nil {
		t.Fatal(err)
	}
	got := map[Date]string{}
	for i, day := range days {
		if !day.Off || day.Source != SourceICS {
			t.Errorf("%+v: want a day off from ics", day)
		}
		if i > 0 && days[i-1].Date.After(day.Date) {
			t.Errorf("not in date order at %v", day.Date)
		}
		got[day.Date] = day.Name
	}
	want := map[Date]string{
		d(2026, 1, 1):   "New Year's Day / Jour de l'An",
		d(2026, 4, 3):   "Good Friday / Vendredi saint",
		d(2026, 4, 6):   "Easter Monday / Lundi de Pâques",
		d(2026, 5, 18):  "Victoria Day / Fête de la Reine",
		d(2027, 5, 24):  "Victoria Day / Fête de la Reine",
		d(2026, 7, 1):   "Canada Day / Fête du Canada",
		d(2027, 7, 1):   "Canada Day / Fête du Canada",
		d(2026, 8, 3):   "Civic Holiday / Premier lundi d'août",
		d(2026, 9, 7):   "Labour Day / Fête du Travail",
		d(2027, 9, 6):   "Labour Day / Fête du Travail",
		d(2026, 9, 30):  "National Day for Truth and Reconciliation / Journée nationale de la vérité et de la réconciliation (Orange Shirt Day)",
		d(2026, 10, 12): "Thanksgiving / Action de grâce",
		d(2027, 10, 11): "Thanksgiving / Action de grâce",
		d(2026, 11, 11): "Remembrance Day; jour du Souvenir, 11 h",
		d(2026, 12, 25): "Christmas Day / Noël",
		d(2026, 12, 28): "Boxing Day (observed) / Lendemain de Noël (observé)",
		d(2026, 12, 29): "Holiday closure\nOffices closed / Fermeture des bureaux",
		d(2026, 12, 30): "Holiday closure\nOffices closed / Fermeture des bureaux",
		d(2026, 12, 31): "Holiday closure\nOffices closed / Fermeture des bureaux",
	}
	for date, name := range want {
		if got[date] != name {
			t.Errorf("%v: got %q, want %q", date, got[date], name)
		}
	}
	for date, name := range got {
		if _, ok := want[date]; !ok {
			t.Errorf("unexpected day %v %q (cancelled, VALARM, VTIMEZONE or out of range?)", date, name)
		}
	}
}

func TestICSUTCNeedsALocation(t *testing.T) {
	data := readFixture(t, "canada-2026.ics")
	_, err := ParseICS(bytes.NewReader(data), ICSOptions{FirstYear: 2026, LastYear: 2026})
	var ie *ImportError
	if !errors.As(err, &ie) || len(ie.Problems) != 1 || ie.Problems[0].Field != "DTSTART" {
		t.Fatalf("err = %v", err)
	}
	line := bytes.Count(data[:bytes.Index(data, []byte("DTSTART:20261228T050000Z"))], []byte("\n")) + 1
	if ie.Problems[0].Line != line {
		t.Errorf("reported line %d, the DTSTART is on line %d", ie.Problems[0].Line, line)
	}
	// The same UTC instant is a different date in Taipei.
	taipei, _ := time.LoadLocation("Asia/Taipei")
	days, err := ParseICS(strings.NewReader(cal("DTSTART:20260101T170000Z", "SUMMARY:x")), ICSOptions{Location: taipei})
	if err != nil || len(days) != 1 || days[0].Date != d(2026, 1, 2) {
		t.Errorf("Taipei: %v, %v", days, err)
	}
}

// cal wraps properties in one VEVENT of a minimal calendar, LF-separated.
func cal(props ...string) string {
	return "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\n" + strings.Join(props, "\n") + "\nEND:VEVENT\nEND:VCALENDAR\n"
}

func dates(days []Day) []string {
	var out []string
	for _, d := range days {
		out = append(out, d.Date.String())
	}
	return out
}

func TestICSRecurrence(t *testing.T) {
	opt := ICSOptions{FirstYear: 2026, LastYear: 2029}
	for _, c := range []struct {
		name  string
		props []string
		want  string
	}{
		{"count from DTSTART before range", []string{"DTSTART;VALUE=DATE:20240101", "RRULE:FREQ=YEARLY;COUNT=4"},
			"2026-01-01 2027-01-01"},
		{"until", []string{"DTSTART;VALUE=DATE:20260101", "RRULE:FREQ=YEARLY;UNTIL=20280101"},
			"2026-01-01 2027-01-01 2028-01-01"},
		{"interval", []string{"DTSTART;VALUE=DATE:20250704", "RRULE:FREQ=YEARLY;INTERVAL=2"},
			"2027-07-04 2029-07-04"},
		{"exdate and rdate", []string{"DTSTART;VALUE=DATE:20260101", "RRULE:FREQ=YEARLY", "EXDATE;VALUE=DATE:20270101,20280101", "RDATE;VALUE=DATE:20270102"},
			"2026-01-01 2027-01-02 2029-01-01"},
		{"last Monday of May", []string{"DTSTART;VALUE=DATE:20260525", "RRULE:FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO;COUNT=2"},
			"2026-05-25 2027-05-31"},
		{"Feb 29 only in leap years", []string{"DTSTART;VALUE=DATE:20240229", "RRULE:FREQ=YEARLY"},
			"2028-02-29"},
		{"multi-day series", []string{"DTSTART;VALUE=DATE:20261231", "DURATION:P2D", "RRULE:FREQ=YEARLY;COUNT=2"},
			"2026-12-31 2027-01-01 2027-12-31 2028-01-01"},
		{"date-time range ending at midnight", []string{"DTSTART;TZID=Asia/Taipei:20260216T000000", "DTEND;TZID=Asia/Taipei:20260218T000000"},
			"2026-02-16 2026-02-17"},
		{"date-time range ending mid-day", []string{"DTSTART:20260216T090000", "DTEND:20260217T120000"},
			"2026-02-16 2026-02-17"},
	} {
		days, err := ParseICS(strings.NewReader(cal(append(c.props, "SUMMARY:h")...)), opt)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := strings.Join(dates(days), " "); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func TestICSRecurrenceOverride(t *testing.T) {
	in := "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nDTSTART;VALUE=DATE:20260101\nRRULE:FREQ=YEARLY\nSUMMARY:New Year\nEND:VEVENT\n" +
		"BEGIN:VEVENT\nUID:a\nRECURRENCE-ID;VALUE=DATE:20270101\nDTSTART;VALUE=DATE:20270102\nSUMMARY:New Year (moved)\nEND:VEVENT\n" +
		"BEGIN:VEVENT\nUID:a\nRECURRENCE-ID;VALUE=DATE:20280101\nDTSTART;VALUE=DATE:20280101\nSTATUS:CANCELLED\nEND:VEVENT\nEND:VCALENDAR\n"
	days, err := ParseICS(strings.NewReader(in), ICSOptions{FirstYear: 2026, LastYear: 2028})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(dates(days), " "); got != "2026-01-01 2027-01-02" || days[1].Name != "New Year (moved)" {
		t.Errorf("got %s %v", got, days)
	}
}

func TestICSErrorsNameTheLine(t *testing.T) {
	opt := ICSOptions{FirstYear: 2026, LastYear: 2026}
	for _, c := range []struct {
		name, in string
		line     int
		msg      string
	}{
		{"not ics", "hello\n", 1, "BEGIN:VCALENDAR"},
		{"no DTSTART", cal("SUMMARY:x"), 3, "no DTSTART"},
		{"bad date", cal("DTSTART;VALUE=DATE:20260230"), 4, "not a date"},
		{"monthly", cal("DTSTART;VALUE=DATE:20260101", "RRULE:FREQ=MONTHLY"), 5, "FREQ=MONTHLY"},
		{"bysetpos", cal("DTSTART;VALUE=DATE:20260101", "RRULE:FREQ=YEARLY;BYSETPOS=1"), 5, "BYSETPOS"},
		{"end before start", cal("DTSTART;VALUE=DATE:20260105", "DTEND;VALUE=DATE:20260101"), 5, "before DTSTART"},
		{"too long", cal("DTSTART;VALUE=DATE:20260101", "DTEND;VALUE=DATE:20280101"), 3, "more than 366"},
		{"unclosed", "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20260101\n", 2, "no matching END"},
		{"folded bad line", "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20260101\nSUMMARY:ok\nnot a\n  property\nEND:VEVENT\nEND:VCALENDAR\n", 5, "content line"},
		{"bad UTF-8", cal("DTSTART;VALUE=DATE:20260101", "SUMMARY:\xff"), 5, "UTF-8"},
		{"replacement char", cal("DTSTART;VALUE=DATE:20260101", "SUMMARY:a\ufffd"), 5, "U+FFFD"},
		{"period value", cal("DTSTART;VALUE=DATE:20260101", "RDATE;VALUE=PERIOD:20260101T000000Z/PT1H"), 5, "VALUE=PERIOD"},
	} {
		_, err := ParseICS(strings.NewReader(c.in), opt)
		var ie *ImportError
		if !errors.As(err, &ie) {
			t.Errorf("%s: err = %v", c.name, err)
			continue
		}
		if ie.Problems[0].Line != c.line || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: got line %d, %v; want line %d, %q", c.name, ie.Problems[0].Line, err, c.line, c.msg)
		}
	}
	// Without a year range a recurring event is refused, not expanded forever.
	_, err := ParseICS(strings.NewReader(cal("DTSTART;VALUE=DATE:20260101", "RRULE:FREQ=YEARLY")), ICSOptions{})
	if err == nil || !strings.Contains(err.Error(), "line 5 (RRULE)") || !strings.Contains(err.Error(), "year range") {
		t.Errorf("RRULE without range: %v", err)
	}
	if _, err := ParseICS(strings.NewReader(""), ICSOptions{FirstYear: 2030, LastYear: 2026}); err == nil {
		t.Error("backwards year range accepted")
	}
}

func TestUnescapeText(t *testing.T) {
	for in, want := range map[string]string{
		`a\, b\; c\\d\ne\Nf`: "a, b; c\\d\ne\nf",
		`C:\temp`:            `C:\temp`,
		`trailing\`:          `trailing\`,
	} {
		if got := unescapeText(in); got != want {
			t.Errorf("unescapeText(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseICS(f *testing.F) {
	f.Add([]byte(cal("DTSTART;VALUE=DATE:20260101", "RRULE:FREQ=YEARLY;BYMONTH=5;BYDAY=-1MO", "SUMMARY:x")))
	f.Add([]byte(cal("DTSTART:20260101T000000Z", "DURATION:P1DT2H", "EXDATE:20260101T000000Z")))
	f.Add([]byte("BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY;X=\"a:b\":c\n d\nEND:VEVENT\nEND:VCALENDAR"))
	f.Fuzz(func(t *testing.T, data []byte) {
		days, err := ParseICS(bytes.NewReader(data), ICSOptions{Location: time.UTC, FirstYear: 2026, LastYear: 2030})
		if err != nil {
			return
		}
		if _, _, err := New(days); err != nil {
			t.Fatalf("parsed days do not build a calendar: %v", err)
		}
	})
}
