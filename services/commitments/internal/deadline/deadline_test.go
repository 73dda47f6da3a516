package deadline

import (
	"encoding/csv"
	"os"
	"reflect"
	"strings"
	"testing"
)

const realPlan = "../../testdata/canada-nap6-2025-2029.csv"

type want struct {
	kind   Kind
	due    string
	prec   Precision
	approx bool
	until  int
}

func date(due string, prec Precision, approx bool) want {
	return want{kind: KindDate, due: due, prec: prec, approx: approx}
}

var (
	recurring  = want{kind: KindRecurring}
	unreadable = want{kind: KindUnreadable}
)

// realDeadlines holds every distinct (deadline_en, deadline_fr) pair of the
// Canadian plan; TestRealPlanDeadlines fails when the file has one that is
// missing here.
var realDeadlines = []struct {
	en, fr string
	want   want
}{
	{"2025 to 2028", "De 2025 à 2028", date("2028-12-31", PrecisionYear, true)},
	{"2025 to 2029", "De 2025 à 2029", date("2029-12-31", PrecisionYear, true)},
	{"2026-27", "2026\u20112027", date("2027-12-31", PrecisionYear, true)},
	{"Annually, by March 31; to be reported as part of VAC's access to information and privacy annual reports",
		"Chaque année, au plus tard le 31 mars; en rendre compte dans le cadre des rapports annuels d'ACC sur l'accès à l'information et la protection des renseignements personnels", recurring},
	{"Biannually until 2029", "Deux fois par année jusqu'en 2029", want{kind: KindRecurring, until: 2029}},
	{"By 2026", "D'ici 2026", date("2026-12-31", PrecisionYear, false)},
	{"By 2029", "D'ici 2029", date("2029-12-31", PrecisionYear, false)},
	{"By April 2026", "D'ici avril 2026", date("2026-04-30", PrecisionMonth, false)},
	{"By December 2026", "D'ici décembre 2026", date("2026-12-31", PrecisionMonth, false)},
	{"By December 2027", "D'ici décembre 2027", date("2027-12-31", PrecisionMonth, false)},
	{"By December 2028", "D'ici décembre 2028", date("2028-12-31", PrecisionMonth, false)},
	{"By December 2029", "D'ici décembre 2029", date("2029-12-31", PrecisionMonth, false)},
	{"By June 2026", "D'ici juin 2026", date("2026-06-30", PrecisionMonth, false)},
	{"By March 2026", "D'ici mars 2026", date("2026-03-31", PrecisionMonth, false)},
	{"By March 2027", "D'ici mars 2027", date("2027-03-31", PrecisionMonth, false)},
	{"By November 2025", "D'ici novembre 2025", date("2025-11-30", PrecisionMonth, false)},
	{"By early 2026", "D'ici le début de 2026", date("2026-04-30", PrecisionSeason, true)},
	{"By end of 2025", "D'ici la fin de 2025", date("2025-12-31", PrecisionYear, false)},
	{"By end of 2026", "D'ici la fin de 2026", date("2026-12-31", PrecisionYear, false)},
	{"By end of 2028", "D'ici la fin de 2028", date("2028-12-31", PrecisionYear, false)},
	{"By end of 2029", "D'ici la fin de 2029", date("2029-12-31", PrecisionYear, false)},
	{"By fall 2025", "D'ici l'automne 2025", date("2025-12-31", PrecisionSeason, true)},
	{"By fall 2027", "D'ici l'automne 2027", date("2027-12-31", PrecisionSeason, true)},
	{"By fall 2028", "D'ici l'automne 2028", date("2028-12-31", PrecisionSeason, true)},
	{"By spring 2026", "D'ici le printemps 2026", date("2026-06-30", PrecisionSeason, true)},
	{"By summer 2025", "D'ici l'été 2025", date("2025-09-30", PrecisionSeason, true)},
	{"By winter 2025", "D'ici l'hiver 2025", date("2025-03-31", PrecisionSeason, true)},
	{"By winter 2028", "D'ici l'hiver 2028", date("2028-03-31", PrecisionSeason, true)},
	{"Examples will be compiled in March 2027 and at the end of the commitment and shared via public report.",
		"Les exemples seront compilés en mars 2027 ainsi qu'à la fin de l'engagement et publiés dans un rapport public", unreadable},
	{"Fall 2027", "Automne 2027", date("2027-12-31", PrecisionSeason, true)},
	{"Feedback will be compiled at the end of two years of promoting the Index, November 2027.",
		"La rétroaction sera compilée à la fin des deux années de promotion de l'Indice, soit en novembre 2027", date("2027-11-30", PrecisionMonth, false)},
	{"Feedback will be compiled in March 2027 and at the end of the commitment and published in a report.",
		"La rétroaction sera compilée en mars 2027 ainsi qu'à la fin de l'engagement et publiée dans un rapport", unreadable},
	{"Feedback will be compiled in March 2027 and at the end of the commitment and published in a report.",
		"La rétroaction sera compilée en mars 2027 ainsi qu'à la fin de l'engagement et publiée dans un rapport.", unreadable},
	{"Feedback will be compiled in March 2027 and at the end of the commitment and shared via public report.",
		"La rétroaction sera compilée en mars 2027 ainsi qu'à la fin de l'engagement et publiée dans un rapport public", unreadable},
	{"March 2029", "Mars 2029", date("2029-03-31", PrecisionMonth, false)},
	{"Ongoing", "Permanent", recurring},
	{"Ongoing, annually", "Permanent, chaque année", recurring},
	{"Updated monthly internally to reflect progress and published quarterly to the [Integrated strategy for human resources and pay webpage](https://www.canada.ca/en/public-services-procurement/services/pay-pension/pay-administration/integrated-strategy-human-resources-pay.html). Updated annually to reflect new commitments.",
		"Effectuer une mise à jour à l'interne chaque mois pour refléter les progrès et procéder à une publication trimestrielle sur [la page Web Stratégie intégrée en matière de ressources humaines et de paye](https://www.canada.ca/fr/services-publics-approvisionnement/services/paye-pension/administration-paye/strategie-integree-ressources-humaines-salaire.html). Procéder à une mise à jour annuelle pour refléter les nouveaux engagements.", recurring},
}

func readRealRows(t testing.TB) [][]string {
	t.Helper()
	f, err := os.Open(realPlan)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// realColumns finds the due and deadline columns by name.
func realColumns(t testing.TB, header []string) (due, en, fr int) {
	t.Helper()
	due, en, fr = -1, -1, -1
	for i, h := range header {
		switch h {
		case "due":
			due = i
		case "deadline_en":
			en = i
		case "deadline_fr":
			fr = i
		}
	}
	if due < 0 || en < 0 || fr < 0 {
		t.Fatalf("real plan lacks due/deadline_en/deadline_fr columns: %v", header)
	}
	return due, en, fr
}

func check(t *testing.T, d Deadline, w want) {
	t.Helper()
	if d.Kind != w.kind || d.Due != w.due || d.Precision != w.prec || d.Approximate != w.approx || d.UntilYear != w.until {
		t.Errorf("got kind=%s due=%q precision=%q approximate=%v until=%d, want kind=%s due=%q precision=%q approximate=%v until=%d\nnote: %s",
			d.Kind, d.Due, d.Precision, d.Approximate, d.UntilYear, w.kind, w.due, w.prec, w.approx, w.until, d.Note)
	}
	if d.Note == "" {
		t.Errorf("empty note")
	}
}

func TestRealPlanDeadlines(t *testing.T) {
	rows := readRealRows(t)
	due, en, fr := realColumns(t, rows[0])
	table := map[[2]string]want{}
	for _, c := range realDeadlines {
		table[[2]string{c.en, c.fr}] = c.want
	}
	seen := map[[2]string]bool{}
	for i, r := range rows[1:] {
		key := [2]string{r[en], r[fr]}
		if _, ok := table[key]; !ok {
			t.Errorf("row %d: deadline pair %q / %q is not in the test table", i+2, r[en], r[fr])
		}
		if r[due] != "" {
			t.Errorf("row %d: the real plan was expected to leave due empty", i+2)
		}
		seen[key] = true
	}
	for _, c := range realDeadlines {
		if !seen[[2]string{c.en, c.fr}] {
			t.Errorf("table pair %q / %q is not in the real plan", c.en, c.fr)
		}
		t.Run(c.en, func(t *testing.T) {
			in := map[string]string{"en": c.en, "fr": c.fr}
			d, err := Derive(in, "")
			if err != nil {
				t.Fatal(err)
			}
			check(t, d, c.want)
			if !reflect.DeepEqual(d.Original, in) {
				t.Errorf("Original = %q, want %q", d.Original, in)
			}
			if d.Kind != KindNone && d.Source != SourceWords {
				t.Errorf("Source = %q", d.Source)
			}
		})
	}
}

func TestNotes(t *testing.T) {
	for _, c := range []struct{ en, fr, contains string }{
		{"By winter 2025", "D'ici l'hiver 2025", "winter in which January 2025 falls"},
		{"Feedback will be compiled at the end of two years of promoting the Index, November 2027.", "La rétroaction sera compilée à la fin des deux années de promotion de l'Indice, soit en novembre 2027", "sentence"},
		{"Feedback will be compiled in March 2027 and at the end of the commitment and published in a report.", "", `"March 2027" (2027-03-31); "the end of the commitment"`},
		{"2026-27", "2026\u20112027", "range"},
		{"2026-27", "", "fiscal year"},
		{"By March 2027", "D'ici juin 2027", "disagree"},
		{"Biannually until 2029", "", "until 2029"},
	} {
		d, _ := Derive(map[string]string{"en": c.en, "fr": c.fr}, "")
		if !strings.Contains(d.Note, c.contains) {
			t.Errorf("%q: note %q lacks %q", c.en, d.Note, c.contains)
		}
	}
}

func TestOneLanguage(t *testing.T) {
	for _, c := range []struct {
		lang, words string
		want        want
	}{
		// French alone.
		{"fr", "D'ici mars 2027", date("2027-03-31", PrecisionMonth, false)},
		{"fr", "D’ici la fin de 2028.", date("2028-12-31", PrecisionYear, false)},
		{"fr", "  d'ici  L’AUTOMNE   2025 ", date("2025-12-31", PrecisionSeason, true)},
		{"fr", "D'ici le début de 2026", date("2026-04-30", PrecisionSeason, true)},
		{"fr", "D'ici l'été 2025", date("2025-09-30", PrecisionSeason, true)},
		{"fr", "D'ici l'hiver 2025", date("2025-03-31", PrecisionSeason, true)},
		{"fr", "Permanent", recurring},
		{"fr", "Deux fois par année jusqu'en 2029", want{kind: KindRecurring, until: 2029}},
		{"fr", "Chaque année, au plus tard le 31 mars", recurring},
		{"fr", "De 2025 à 2028", date("2028-12-31", PrecisionYear, true)},
		{"fr", "Mars 2029", date("2029-03-31", PrecisionMonth, false)},
		{"fr", "Automne 2027", date("2027-12-31", PrecisionSeason, true)},
		{"fr", "Mi-2026", date("2026-08-31", PrecisionSeason, true)},
		{"fr", "le 31 mars 2027", date("2027-03-31", PrecisionDay, false)},
		{"fr", "2026\u20112027", date("2027-12-31", PrecisionYear, true)},
		{"fr", "D'ici de\u0301cembre 2026", date("2026-12-31", PrecisionMonth, false)}, // decomposed accent
		// Traditional Chinese.
		{"zh-Hant", "2026年12月", date("2026-12-31", PrecisionMonth, false)},
		{"zh-Hant", "2026年12月底前", date("2026-12-31", PrecisionMonth, false)},
		{"zh-Hant", "2026年底", date("2026-12-31", PrecisionYear, false)},
		{"zh-Hant", "２０２７年３月３１日前完成", date("2027-03-31", PrecisionDay, false)},
		{"zh-Hant", "2025年至2028年", date("2028-12-31", PrecisionYear, true)},
		{"zh-Hant", "民國115年6月", date("2026-06-30", PrecisionMonth, false)},
		{"zh-Hant", "2026年上半年", date("2026-06-30", PrecisionSeason, true)},
		{"zh-Hant", "持續進行", recurring},
		{"zh-Hant", "每年定期檢討", recurring},
		{"zh-Hant", "2026年冬季", unreadable},
		// English beyond the real plan.
		{"en", "mid-2026", date("2026-08-31", PrecisionSeason, true)},
		{"en", "Late 2026.", date("2026-12-31", PrecisionSeason, true)},
		{"en", "early 2026", date("2026-04-30", PrecisionSeason, true)},
		{"en", "By autumn 2026", date("2026-12-31", PrecisionSeason, true)},
		{"en", "By the end of 2028;", date("2028-12-31", PrecisionYear, false)},
		{"en", "March 31, 2027", date("2027-03-31", PrecisionDay, false)},
		{"en", "2027-06-15", date("2027-06-15", PrecisionDay, false)},
		{"en", "31/03/2027", date("2027-03-31", PrecisionDay, false)},
		{"en", "Q3 2026", date("2026-09-30", PrecisionSeason, true)},
		{"en", "Winter 2025-26", date("2026-03-31", PrecisionSeason, true)},
		{"en", "Around June 2026", date("2026-06-30", PrecisionMonth, true)},
		{"en", "Between March 2026 and June 2027", date("2027-06-30", PrecisionMonth, true)},
		{"en", "Ongoing until March 2027", want{kind: KindRecurring, until: 2027}},
		{"en", "03/04/2027", unreadable},
		{"en", "February 30, 2027", unreadable},
		{"en", "By March", unreadable},
		{"en", "From March 2027", unreadable},
		{"en", "2026 onwards", unreadable},
		{"en", "2028 to 2025", unreadable},
		{"en", "By the end of the plan", unreadable},
		{"en", "By fiscal year 2026-27", unreadable},
		{"en", "By March 2027 or June 2027", unreadable},
		{"en", "When funding allows", unreadable},
		{"en", "TBD", unreadable},
	} {
		t.Run(c.lang+"/"+c.words, func(t *testing.T) {
			d, err := Derive(map[string]string{c.lang: c.words}, "")
			if err != nil {
				t.Fatal(err)
			}
			check(t, d, c.want)
		})
	}
}

func TestLanguagesDisagree(t *testing.T) {
	for _, in := range []map[string]string{
		{"en": "By March 2027", "fr": "D'ici juin 2027"},
		{"en": "Ongoing", "fr": "D'ici mars 2027"},
		{"en": "Biannually until 2029", "fr": "Deux fois par année jusqu'en 2028"},
		{"en": "By 2026", "fr": "D'ici 2026", "zh-Hant": "2027年底"},
	} {
		d, err := Derive(in, "")
		if err != nil {
			t.Fatal(err)
		}
		if d.Kind != KindUnreadable || d.Due != "" || !strings.Contains(d.Note, "disagree") {
			t.Errorf("%q: got %s %q note %q, want unreadable with a note that they disagree", in, d.Kind, d.Due, d.Note)
		}
	}
	// Same date at different precisions is agreement; the coarser one is kept.
	d, _ := Derive(map[string]string{"en": "By fall 2025", "fr": "D'ici la fin de 2025"}, "")
	check(t, d, date("2025-12-31", PrecisionYear, true))
	// A language whose words cannot be read at all does not block the others, but the note says so.
	d, _ = Derive(map[string]string{"en": "By March 2027", "fr": "Voir le plan"}, "")
	check(t, d, date("2027-03-31", PrecisionMonth, false))
	if !strings.Contains(d.Note, "fr words could not be read") {
		t.Errorf("note %q does not mention the unread fr words", d.Note)
	}
}

func TestNone(t *testing.T) {
	for _, in := range []map[string]string{nil, {}, {"en": "", "fr": "  "}} {
		d, err := Derive(in, "")
		if err != nil {
			t.Fatal(err)
		}
		if d.Kind != KindNone || d.Due != "" || d.Precision != "" || d.Source != "" {
			t.Errorf("%q: got %+v, want KindNone", in, d)
		}
		if !reflect.DeepEqual(d.Original, in) {
			t.Errorf("Original = %#v, want %#v", d.Original, in)
		}
	}
}

func TestDueColumn(t *testing.T) {
	for _, c := range []struct {
		words map[string]string
		due   string
		want  string
		note  string
	}{
		{nil, "2027-03", "2027-03-31", "due column"},
		{map[string]string{"en": "By fall 2025"}, "2025-11", "2025-11-30", "the due column wins"},
		{map[string]string{"en": "Ongoing"}, "2028-02", "2028-02-29", "recurring"},
		{map[string]string{"en": "By March 2027"}, " 2027-03 ", "2027-03-31", "due column"},
	} {
		d, err := Derive(c.words, c.due)
		if err != nil {
			t.Fatal(err)
		}
		if d.Kind != KindDate || d.Due != c.want || d.Precision != PrecisionMonth || d.Approximate || d.Source != SourceDueColumn {
			t.Errorf("due %q: got %+v, want %s from the due column", c.due, d, c.want)
		}
		if !strings.Contains(d.Note, c.note) {
			t.Errorf("due %q: note %q lacks %q", c.due, d.Note, c.note)
		}
		if !reflect.DeepEqual(d.Original, c.words) {
			t.Errorf("Original changed: %#v", d.Original)
		}
	}
}

func TestBadDueColumn(t *testing.T) {
	for _, due := range []string{"2027-13", "2027-00", "2027-3", "27-03", "March 2027", "2027-03-31", "2027/03", "0000-01"} {
		words := map[string]string{"en": "By March 2027"}
		d, err := Derive(words, due)
		if err == nil {
			t.Errorf("due %q: no error", due)
			continue
		}
		if !strings.Contains(err.Error(), due) {
			t.Errorf("due %q: error %q does not quote it", due, err)
		}
		if d.Due != "" || !reflect.DeepEqual(d.Original, words) {
			t.Errorf("due %q: got %+v", due, d)
		}
	}
}

func TestInputNotModified(t *testing.T) {
	in := map[string]string{"en": "  By March 2027. ", "fr": "D’ici mars 2027"}
	d, _ := Derive(in, "")
	if in["en"] != "  By March 2027. " || len(in) != 2 {
		t.Fatalf("input changed: %q", in)
	}
	d.Original["en"] = "changed"
	if in["en"] != "  By March 2027. " {
		t.Fatal("Original shares the caller's map")
	}
}
