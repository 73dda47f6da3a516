package deadline

import (
	"maps"
	"testing"
	"time"
)

// FuzzDerive checks that no words and no due column make Derive panic or
// break its promises. Seeds are the real plan's rows.
func FuzzDerive(f *testing.F) {
	rows := readRealRows(f)
	due, en, fr := realColumns(f, rows[0])
	for _, r := range rows[1:] {
		f.Add(r[en], r[fr], r[due])
	}
	for _, s := range []string{"2026年12月底前", "民國115年6月", "Winter 2025-26", "31/02/2027", "2026-27", "\xff\xfe", "2027-03"} {
		f.Add(s, "", "")
	}
	f.Add("By March 2027", "D'ici mars 2027", "2027-13")

	f.Fuzz(func(t *testing.T, en, fr, dueColumn string) {
		in := map[string]string{"en": en, "fr": fr}
		keep := maps.Clone(in)
		d, err := Derive(in, dueColumn)
		if !maps.Equal(in, keep) {
			t.Fatalf("input changed: %q", in)
		}
		if !maps.Equal(d.Original, in) {
			t.Fatalf("Original = %q, want %q", d.Original, in)
		}
		if err != nil {
			if _, _, perr := ParseYearMonth(dueColumn); perr == nil && dueColumn != "" {
				t.Fatalf("error %v for a valid due column %q", err, dueColumn)
			}
			if d.Kind == KindDate {
				t.Fatalf("a date despite error %v", err)
			}
			return
		}
		switch d.Kind {
		case KindDate:
			if _, perr := time.Parse(time.DateOnly, d.Due); perr != nil {
				t.Fatalf("Kind date with Due %q: %v", d.Due, perr)
			}
			if d.Precision == "" {
				t.Fatal("Kind date without precision")
			}
		case KindRecurring, KindUnreadable, KindNone:
			if d.Due != "" || d.Precision != "" || d.Approximate {
				t.Fatalf("Kind %s with Due %q precision %q approximate %v", d.Kind, d.Due, d.Precision, d.Approximate)
			}
		default:
			t.Fatalf("unknown kind %q", d.Kind)
		}
		if d.UntilYear != 0 && d.Kind != KindRecurring {
			t.Fatalf("UntilYear %d on kind %s", d.UntilYear, d.Kind)
		}
		if d.Kind != KindNone && d.Note == "" {
			t.Fatal("no note")
		}
	})
}
