// Package deadline turns the deadline words of an action plan ("By fall 2025",
// "D'ici la fin de 2028", "Biannually until 2029") into a date where the words
// allow it, and says how sure that date is. The plan's own words are always
// kept: a derived date is a reading of them, never a replacement.
package deadline

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Kind says what the deadline words turned out to be.
type Kind string

// The kinds of deadline.
const (
	KindDate       Kind = "date"       // one date could be read
	KindRecurring  Kind = "recurring"  // "Ongoing", "Annually": no single date
	KindUnreadable Kind = "unreadable" // the PoC must set the date by hand
	KindNone       Kind = "none"       // the plan gives no deadline
)

// Precision is how much of the calendar the words pinned down.
type Precision string

// The precisions of a derived date; "" when there is no date.
const (
	PrecisionDay    Precision = "day"
	PrecisionMonth  Precision = "month"
	PrecisionSeason Precision = "season" // seasons, quarters, "early 2026" and the like
	PrecisionYear   Precision = "year"
)

// Where a date came from.
const (
	SourceDueColumn = "due_column"
	SourceWords     = "words"
	SourceManual    = "manual" // set by the PoC; never produced by Derive
)

// Deadline is a deadline as the plan wrote it, plus what was derived from it.
type Deadline struct {
	Original    map[string]string // language tag -> the plan's own words, kept verbatim
	Kind        Kind
	Due         string // YYYY-MM-DD when Kind==KindDate, else ""
	Precision   Precision
	Approximate bool   // true for seasons, "early 2026", ranges, etc.
	Source      string // "due_column", "words", "manual"; "" for KindNone
	Note        string // plain English: how the date was derived, or why not (shown to the PoC)
	UntilYear   int    // last year of a recurring deadline ("Biannually until 2029"), else 0
}

var dueColumnRE = regexp.MustCompile(`^(\d{4})-(\d{2})$`)

// Derive reads the words (all languages) and the optional due column (YYYY-MM,
// wins over words). It returns an error only when dueColumn is non-empty and
// not a valid YYYY-MM.
func Derive(original map[string]string, dueColumn string) (Deadline, error) {
	d := Deadline{Original: copyWords(original)}
	words := readAll(original)

	if due := strings.TrimSpace(dueColumn); due != "" {
		y, m, err := parseYearMonth(due)
		if err != nil {
			return Deadline{Original: d.Original, Kind: KindUnreadable, Note: "The due column could not be read."}, fmt.Errorf("deadline: due column: %w", err)
		}
		t := lastDayOfMonth(y, m)
		d.Kind, d.Due, d.Precision, d.Source = KindDate, t.Format(time.DateOnly), PrecisionMonth, SourceDueColumn
		d.Note = fmt.Sprintf("Taken from the due column (%s): the last day of that month.", due)
		// The PoC should know when the words say something else.
		if words.kind == KindDate && words.due != d.Due {
			d.Note += fmt.Sprintf(" The words read as %s; the due column wins.", words.due)
		} else if words.kind == KindRecurring {
			d.Note += " The words describe a recurring deadline; the due column wins."
		}
		return d, nil
	}

	d.Kind, d.Note = words.kind, words.note
	switch words.kind {
	case KindNone:
		return d, nil
	case KindDate:
		d.Due, d.Precision, d.Approximate = words.due, words.precision, words.approximate
	case KindRecurring:
		d.UntilYear = words.until
	}
	d.Source = SourceWords
	return d, nil
}

// ParseYearMonth checks a YYYY-MM value, as used by the due column and by
// plan start and end dates.
func ParseYearMonth(s string) (year, month int, err error) {
	return parseYearMonth(s)
}

func parseYearMonth(s string) (int, int, error) {
	m := dueColumnRE.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, fmt.Errorf("%q is not a year and month written YYYY-MM", s)
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	if y < 1 || mo < 1 || mo > 12 {
		return 0, 0, fmt.Errorf("%q is not a real year and month (YYYY-MM, month 01 to 12)", s)
	}
	return y, mo, nil
}

func lastDayOfMonth(y, m int) time.Time {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC)
}

// copyWords keeps the caller's map safe from later changes, and nil stays nil
// so that the result compares equal to the input.
func copyWords(in map[string]string) map[string]string {
	if in == nil {
		return nil
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

// combined is the reading of all languages together.
type combined struct {
	kind        Kind
	due         string
	precision   Precision
	approximate bool
	until       int
	note        string
}

// readAll reads every language and settles on one answer, or on none when
// the languages disagree: a bilingual plan must not get a date that one of
// its languages contradicts.
func readAll(original map[string]string) combined {
	langs := make([]string, 0, len(original))
	for lang, text := range original {
		if strings.TrimSpace(text) != "" {
			langs = append(langs, lang)
		}
	}
	sort.Strings(langs)
	if len(langs) == 0 {
		return combined{kind: KindNone, note: "The plan gives no deadline."}
	}

	var readable, blocking, unknown []string
	res := make(map[string]reading, len(langs))
	for _, lang := range langs {
		r := readWords(original[lang])
		res[lang] = r
		switch {
		case r.kind == KindDate || r.kind == KindRecurring:
			readable = append(readable, lang)
		case r.blocking:
			blocking = append(blocking, lang)
		default:
			unknown = append(unknown, lang)
		}
	}
	// Words understood to name something other than one date win: another
	// language's date would be a guess.
	if len(blocking) > 0 {
		note := res[blocking[0]].note
		if len(blocking) < len(langs) {
			note = fmt.Sprintf("In %s: %s", blocking[0], note)
		}
		return combined{kind: KindUnreadable, note: note}
	}
	if len(readable) == 0 {
		return combined{kind: KindUnreadable, note: res[langs[0]].note}
	}

	first := res[readable[0]]
	out := combined{kind: first.kind, due: first.due, precision: first.precision, approximate: first.approximate, until: first.until, note: first.note}
	for _, lang := range readable[1:] {
		r := res[lang]
		if r.kind != out.kind || r.due != out.due || (r.until != 0 && out.until != 0 && r.until != out.until) {
			return combined{kind: KindUnreadable, note: "The languages disagree: " + disagreement(readable, res) + ". Set the date by hand."}
		}
		out.approximate = out.approximate || r.approximate
		if coarser(r.precision, out.precision) {
			out.precision = r.precision
		}
		if out.until == 0 {
			out.until = r.until
		}
	}
	if len(readable) > 1 {
		out.note += fmt.Sprintf(" The %s words agree.", joinAnd(readable))
	}
	if len(unknown) > 0 {
		out.note += fmt.Sprintf(" Read from the %s words only: the %s words could not be read, so check that they say the same.", joinAnd(readable), joinAnd(unknown))
	}
	return out
}

func joinAnd(langs []string) string {
	if len(langs) < 2 {
		return strings.Join(langs, "")
	}
	return strings.Join(langs[:len(langs)-1], ", ") + " and " + langs[len(langs)-1]
}

func disagreement(langs []string, res map[string]reading) string {
	parts := make([]string, 0, len(langs))
	for _, lang := range langs {
		r := res[lang]
		what := r.due
		if r.kind == KindRecurring {
			what = "recurring"
			if r.until != 0 {
				what += fmt.Sprintf(" until %d", r.until)
			}
		}
		parts = append(parts, fmt.Sprintf("%s reads as %s", lang, what))
	}
	return strings.Join(parts, ", ")
}

// coarser reports whether a covers more of the calendar than b.
func coarser(a, b Precision) bool {
	rank := func(p Precision) int {
		switch p {
		case PrecisionDay:
			return 1
		case PrecisionMonth:
			return 2
		case PrecisionSeason:
			return 3
		case PrecisionYear:
			return 4
		}
		return 0
	}
	return rank(a) > rank(b)
}
