package periods

import (
	"strings"
	"testing"
	"time"
)

func zone(t *testing.T, n string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(n)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func ids(ps []Period) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return strings.Join(out, " ")
}

func TestCanadaSixMonthly(t *testing.T) {
	tp := zone(t, "Asia/Taipei")
	ps := Default().List("2025-07", "2026-12", tp)
	if got := ids(ps); got != "2025-12 2026-06 2026-12" {
		t.Fatalf("periods = %s, want Canada's 2025-12 2026-06 2026-12", got)
	}
	p := ps[1]
	if p.Start != "2026-01-01" || p.End != "2026-06-30" {
		t.Fatalf("2026-06 = %s to %s, want 1 January to 30 June", p.Start, p.End)
	}
	// 23:30 in Taipei on 30 June is 15:30 UTC: January–June.
	late := time.Date(2026, 6, 30, 23, 30, 0, 0, tp)
	if got, _ := Of(ps, late); got.ID != "2026-06" {
		t.Fatalf("23:30 Taipei on 30 June falls in %q", got.ID)
	}
	// 00:10 on 1 July in Taipei is still 30 June in UTC: July–December.
	if got, _ := Of(ps, time.Date(2026, 6, 30, 16, 10, 0, 0, time.UTC)); got.ID != "2026-12" {
		t.Fatalf("00:10 Taipei on 1 July falls in %q", got.ID)
	}
	if !p.From.Equal(time.Date(2025, 12, 31, 16, 0, 0, 0, time.UTC)) {
		t.Fatalf("2026-06 starts at %s, want local midnight", p.From.UTC())
	}
}

func TestSchemes(t *testing.T) {
	utc := time.UTC
	c, err := Config{Scheme: CalendarHalves}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(c.List("2025-03", "2026-02", utc)); got != "2025-H1 2025-H2 2026-H1" {
		t.Fatalf("halves = %s", got)
	}
	c, err = Config{EndMonths: []int{9, 3}}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	ps := c.List("2025-04", "2026-03", utc)
	if got := ids(ps); got != "2025-09 2026-03" || ps[0].Start != "2025-04-01" || ps[1].End != "2026-03-31" {
		t.Fatalf("fiscal halves = %s %+v", got, ps)
	}
	c, err = Config{Scheme: Explicit, Periods: []Span{{ID: "y2", Start: "2026-09-01", End: "2027-08-31"}, {ID: "y1", Start: "2025-09-01", End: "2026-08-31"}}}.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(c.List("", "", utc)); got != "y1 y2" {
		t.Fatalf("explicit = %s", got)
	}
	if _, err := c.Find("y3", "", "", utc); err == nil || !strings.Contains(err.Error(), "y1, y2") {
		t.Fatalf("unknown period error = %v", err)
	}
}

func TestBadConfigsNameTheField(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Scheme: "monthly"}, "scheme"},
		{Config{EndMonths: []int{6, 11}}, "end_months"},
		{Config{Scheme: Explicit}, "periods"},
		{Config{Scheme: Explicit, Periods: []Span{{ID: "a", Start: "2026-13-01", End: "2026-12-31"}}}, "periods[0].start"},
		{Config{Scheme: Explicit, Periods: []Span{{ID: "a", Start: "2026-02-01", End: "2026-01-31"}}}, "before start"},
		{Config{Scheme: Explicit, Periods: []Span{{ID: "a", Start: "2026-01-01", End: "2026-06-30"}, {ID: "b", Start: "2026-06-01", End: "2026-12-31"}}}, "overlaps"},
		{Config{Scheme: Explicit, Periods: []Span{{ID: "a b", Start: "2026-01-01", End: "2026-06-30"}}}, "periods[0].id"},
	} {
		if _, err := c.cfg.Normalize(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want it to name %q", c.cfg, err, c.want)
		}
	}
}

func TestZone(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "Asia/Taipei"},
		{map[string]string{"KEPT_TIMEZONE": "America/Toronto"}, "America/Toronto"},
		{map[string]string{"KEPT_TIMEZONE": "America/Toronto", "REPORTING_TIMEZONE": "Europe/Paris"}, "Europe/Paris"},
	} {
		l, err := Zone(env(c.env))
		if err != nil || l.String() != c.want {
			t.Errorf("%v: zone %v %v, want %s", c.env, l, err, c.want)
		}
	}
	if _, err := Zone(env(map[string]string{"REPORTING_TIMEZONE": "Mars/Olympus"})); err == nil || !strings.Contains(err.Error(), "REPORTING_TIMEZONE") {
		t.Fatalf("bad zone error = %v", err)
	}
}
