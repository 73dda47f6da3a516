package deadline

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// reading is what the words of one language say.
type reading struct {
	kind        Kind
	due         string
	precision   Precision
	approximate bool
	until       int
	note        string
	// blocking marks unreadable words that were understood to name something
	// other than one date (several dates, a start, "the end of the plan"):
	// another language must not override them.
	blocking bool
}

// point is one date named in the words: the last day of the period they name.
type point struct {
	a, b     int // span in the folded text
	date     time.Time
	prec     Precision
	approx   bool
	what     string // English, for the note: "the end of March 2027"
	why      string // English, for the note: how an approximate date was chosen
	problem  string // set when the words look like a date but are not one
	bareYear bool   // a lone year, which can start or end a range
	year     int    // the year as written
	isRange  bool
}

func (p point) iso() string { return p.date.Format(time.DateOnly) }

// Folded words: lower case, no accents, ASCII apostrophe and hyphen.
var (
	urlRE = regexp.MustCompile(`(?:https?://|www\.)[^\s)\]]+`)

	recurringRE = regexp.MustCompile(`\b(?:on-?going|on an ongoing basis|continuous(?:ly)?|continually|annually|yearly|bi-?annually|semi-?annually|bi-?ennially|quarterly|monthly|weekly|daily|every (?:two |three |six |\d+ )?(?:years?|months?|quarters?|weeks?|days?)|each (?:year|month|quarter|week)|twice (?:a|per|each) year|once (?:a|per|each) (?:year|month|quarter|week)|recurring|regularly|en continu|de (?:facon|maniere) (?:continue|permanente|reguliere)|en permanence|annuellement|chaque (?:annee|an|mois|trimestre|semaine|semestre|jour)|tous les (?:ans|mois|trimestres|jours|six mois|deux ans)|toutes les semaines|(?:deux|une) fois par (?:annee|an|mois|trimestre)|trimestriel(?:le)?(?:ment)?|mensuel(?:le)?(?:ment)?|semestriel(?:le)?(?:ment)?|hebdomadaire(?:ment)?|biannuel(?:le)?(?:ment)?|regulierement)\b|^(?:permanente?|en cours|continue?)\b|持續|持续|每年|每季|每月|每半年|每週|每周|每兩年|每两年|長期|长期|定期|常態|常态|滾動|滚动`)
	untilRE     = regexp.MustCompile(`\b(?:until|through|thru|till|up to|to|jusqu'(?:en|a|au)|jusqu'a la fin de)\s+(?:the end of\s+|la fin de\s+|fin\s+|l'annee\s+)?(?:[a-z]+\s+)?(\d{4})\b|(?:至|到|直到)\s*(\d{4})\s*年?`)
	biannualRE  = regexp.MustCompile(`^bi-?annually$`)

	relativeRE = regexp.MustCompile(`\b(?:the |this )?(?:end|close|completion|conclusion) of (?:the |this )?(?:(?:national )?action plan|plan|commitment|project|program(?:me)?|implementation(?: period)?|initiative|mandate|cycle|reporting period)\b|\b(?:la )?(?:fin|cloture|conclusion) (?:de l'|du |de la |de ce |de cet )(?:engagement|plan(?: d'action)?|projet|programme|mise en (?:oeuvre|œuvre)|initiative|mandat|cycle|periode)\b|(?:計畫|计划|計劃|承諾|承诺|方案|專案|专案)\s*(?:結束|结束|期末|完成時|完成时)`)

	startBeforeRE = regexp.MustCompile(`(?:\b(?:after|from|starting|beginning|commencing|since|as of|effective|apres|a partir|a compter|des|depuis)\b(?:\s*(?:in|on|the|le|la|l'|de|d'|du))*|自|從|从)\s*$`)
	startAfterRE  = regexp.MustCompile(`^\s*(?:onwards?\b|and beyond\b|and after\b|et au-dela\b|et apres\b|起|開始|开始|以後|以后)`)
	rangeGapRE    = regexp.MustCompile(`^\s*(?:-|/|~|to|through|thru|through to|until|till|up to|a|au|jusqu'(?:a|au|en)|至|到|and|et)\s*$`)
	betweenRE     = regexp.MustCompile(`(?:\bbetween|\bentre|介於|介于)\s*$`)
	andGapRE      = regexp.MustCompile(`^\s*(?:and|et)\s*$`)
	fiscalRE      = regexp.MustCompile(`\b(?:fiscal|financial year|fy|exercice|annee financiere)\b|會計年度|会计年度|財政年度|财政年度`)

	isoDayRE    = regexp.MustCompile(`\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b`)
	dmyRE       = regexp.MustCompile(`\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b`)
	zhRE        = regexp.MustCompile(`(?:(民國|民国)\s*(\d{2,3})|(\d{4}))\s*年\s*(?:(\d{1,2})\s*月\s*(?:(\d{1,2})\s*[日号號])?\s*(底|末|初|上旬|中旬|下旬)?|(年底|年末|底|末|上半年|下半年|春季|春天|夏季|夏天|秋季|秋天|冬季|冬天|第\s*([一二三四1-4])\s*季度?))?`)
	monthYearRE = regexp.MustCompile(`\b(?:(the end of|end of|early|mid|late|la fin de|fin de|fin|debut de|debut|mi|milieu de)[\s-]+)?(?:(\d{1,2})(?:st|nd|rd|th|er|e)?\s+)?(` + monthAlternation() + `)\.?(?:\s+(\d{1,2})(?:st|nd|rd|th)?)?,?\s+(?:of\s+|de\s+|d')?(\d{4})\b`)
	seasonRE    = regexp.MustCompile(`\b(?:(?:the )?end of (?:the )?|(?:la )?fin (?:de l'|du |de |d')?)?(spring|summer|fall|autumn|winter|printemps|ete|automne|hiver)\s+(?:of\s+|de\s+|d')?(\d{4})(?:\s*[-/]\s*(\d{4}|\d{2}))?\b`)
	quarterRE   = regexp.MustCompile(`\b[qt]([1-4])\s*[-/ ]?\s*(?:of\s+|de\s+)?(\d{4})\b|\b(\d{4})\s*[-/ ]?\s*q([1-4])\b|\b(first|second|third|fourth|1st|2nd|3rd|4th|premier|1er|deuxieme|2e|troisieme|3e|quatrieme|4e) (?:quarter|trimestre) (?:of |de |d')?(\d{4})\b`)
	yearPairRE  = regexp.MustCompile(`\b(\d{4})\s*[-/]\s*(\d{2})\b`)
	partOfEnRE  = regexp.MustCompile(`\b(?:the )?(early|beginning of|start of|mid|middle of|late|end of|end|year[ -]end|first half of|second half of|h1|h2)(?:\s+(?:the\s+)?(?:calendar\s+)?(?:year\s+)?|\s*-\s*)(\d{4})\b`)
	partOfFrRE  = regexp.MustCompile(`\b(debut|mi|milieu|fin|premier semestre|1er semestre|deuxieme semestre|second semestre|2e semestre)(?:\s+(?:de\s+l'annee\s+|de\s+|d'|l'annee\s+)?|\s*-\s*)(\d{4})\b`)
	bareYearRE  = regexp.MustCompile(`\b(\d{4})\b`)

	monthWordRE = regexp.MustCompile(`\b(?:` + monthAlternation() + `|spring|summer|fall|autumn|winter|printemps|ete|automne|hiver)\b`)
)

// months maps folded month names and abbreviations (English, French) to months.
var months = map[string]time.Month{
	"january": 1, "jan": 1, "janvier": 1, "janv": 1,
	"february": 2, "feb": 2, "fevrier": 2, "fevr": 2, "fev": 2,
	"march": 3, "mar": 3, "mars": 3,
	"april": 4, "apr": 4, "avril": 4, "avr": 4,
	"may": 5, "mai": 5,
	"june": 6, "jun": 6, "juin": 6,
	"july": 7, "jul": 7, "juillet": 7, "juil": 7,
	"august": 8, "aug": 8, "aout": 8,
	"september": 9, "sept": 9, "sep": 9, "septembre": 9,
	"october": 10, "oct": 10, "octobre": 10,
	"november": 11, "nov": 11, "novembre": 11,
	"december": 12, "dec": 12, "decembre": 12,
}

// monthAlternation lists month names longest first, since Go's regexp takes
// the first alternative that matches.
func monthAlternation() string {
	names := make([]string, 0, len(months))
	for n := range months {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if len(names[i]) != len(names[j]) {
			return len(names[i]) > len(names[j])
		}
		return names[i] < names[j]
	})
	return strings.Join(names, "|")
}

// Words that may stand around a date without making the deadline a sentence.
var fillerWords = map[string]bool{
	"by": true, "before": true, "no": true, "later": true, "than": true, "not": true, "in": true, "on": true,
	"the": true, "of": true, "end": true, "at": true, "latest": true, "due": true, "deadline": true, "target": true,
	"targeted": true, "for": true, "expected": true, "estimated": true, "from": true, "between": true, "within": true,
	"d": true, "ici": true, "l": true, "le": true, "la": true, "les": true, "de": true, "du": true, "en": true,
	"avant": true, "au": true, "plus": true, "tard": true, "echeance": true, "prevu": true, "prevue": true,
	"soit": true, "fin": true, "entre": true, "date": true, "cible": true,
}

var approxWords = map[string]bool{
	"around": true, "about": true, "approximately": true, "approx": true, "circa": true, "ca": true,
	"roughly": true, "vers": true, "environ": true, "autour": true,
}

var cjkFillers = []string{"之前", "以前", "前", "完成", "截止", "預計", "预计", "於", "于", "在", "止"}
var cjkApprox = []string{"大約", "大约", "左右", "約", "约"}

// readWords reads the words of one language.
func readWords(orig string) reading {
	t := fold(orig)
	if strings.TrimSpace(t.s) == "" {
		return reading{kind: KindUnreadable, note: fmt.Sprintf("Could not read a date from %q; set it by hand.", short(orig))}
	}

	// A recurring deadline may name dates ("Annually, by March 31"); none of
	// them is the deadline, so this comes first.
	if loc := recurringRE.FindStringIndex(t.s); loc != nil {
		r := reading{kind: KindRecurring}
		r.note = fmt.Sprintf("Recurring (%q): no single date.", t.quote(loc[0], loc[1]))
		if m := untilRE.FindStringSubmatch(t.s); m != nil {
			y := m[1] + m[2]
			if n, _ := strconv.Atoi(y); validYear(n) {
				r.until = n
				r.note += fmt.Sprintf(" It runs until %d.", n)
			}
		}
		if biannualRE.MatchString(t.s[loc[0]:loc[1]]) {
			r.note += ` "Biannually" can mean twice a year or every two years.`
		}
		return r
	}

	points := findPoints(t)
	for _, p := range points {
		if p.problem != "" {
			return reading{kind: KindUnreadable, blocking: true, note: p.problem + " Set the date by hand."}
		}
	}
	points, problem := mergeRanges(t, points)
	if problem != "" {
		return reading{kind: KindUnreadable, blocking: true, note: problem + " Set the date by hand."}
	}
	points = dedupe(points)
	rel := relativeRE.FindAllStringIndex(t.s, -1)
	if loc := fiscalRE.FindStringIndex(t.s); loc != nil && len(points) > 0 {
		// When a fiscal year ends depends on the government (31 March in Canada).
		return reading{kind: KindUnreadable, blocking: true,
			note: fmt.Sprintf("The words name a fiscal year (%q); when it ends depends on the government's fiscal calendar. Set the date by hand.", short(orig))}
	}

	switch {
	case len(points)+len(rel) > 1:
		type named struct {
			at   int
			what string
		}
		var all []named
		for _, p := range points {
			all = append(all, named{p.a, fmt.Sprintf("%q (%s)", t.quote(p.a, p.b), p.iso())})
		}
		for _, loc := range rel {
			all = append(all, named{loc[0], fmt.Sprintf("%q", t.quote(loc[0], loc[1]))})
		}
		sort.Slice(all, func(i, j int) bool { return all[i].at < all[j].at })
		list := make([]string, len(all))
		for i, n := range all {
			list[i] = n.what
		}
		return reading{kind: KindUnreadable, blocking: true,
			note: fmt.Sprintf("The words name several delivery points: %s. Set the date by hand.", strings.Join(list, "; "))}
	case len(rel) == 1:
		return reading{kind: KindUnreadable, blocking: true,
			note: fmt.Sprintf("The words name %q, not a date. Set the date by hand.", t.quote(rel[0][0], rel[0][1]))}
	case len(points) == 1:
		return single(t, points[0])
	}

	if loc := monthWordRE.FindStringIndex(t.s); loc != nil {
		return reading{kind: KindUnreadable, note: fmt.Sprintf("%q names %q without a year; set the date by hand.", short(orig), t.quote(loc[0], loc[1]))}
	}
	return reading{kind: KindUnreadable, note: fmt.Sprintf("Could not read a date from %q; set it by hand.", short(orig))}
}

// single turns the one date the words name into a reading, unless the words
// say it is a start rather than a deadline.
func single(t text, p point) reading {
	if !p.isRange {
		if startBeforeRE.MatchString(t.s[:p.a]) || startAfterRE.MatchString(t.s[p.b:]) {
			return reading{kind: KindUnreadable, blocking: true,
				note: fmt.Sprintf("The words name a start (%q), not a deadline. Set the date by hand.", short(t.orig))}
		}
	}
	r := reading{kind: KindDate, due: p.iso(), precision: p.prec, approximate: p.approx}
	sentence, approx := residual(t.s[:p.a] + " " + t.s[p.b:])
	if sentence {
		r.note = fmt.Sprintf("Read from a sentence: the only date it names is %q, taken as %s (%s).", t.quote(p.a, p.b), p.what, p.iso())
	} else {
		r.note = fmt.Sprintf("%q reads as %s (%s).", short(t.orig), p.what, p.iso())
	}
	if p.why != "" {
		r.note += " " + p.why
	}
	if approx && !r.approximate {
		r.approximate = true
		r.note += " The words say it is approximate."
	}
	if sentence {
		r.note += " Check it."
	}
	return r
}

// residual reports whether the words around a date make a sentence (more than
// "By", "D'ici", "no later than" and the like), and whether they say "about".
func residual(s string) (sentence, approx bool) {
	for _, w := range cjkApprox {
		if strings.Contains(s, w) {
			approx = true
			s = strings.ReplaceAll(s, w, " ")
		}
	}
	for _, w := range cjkFillers {
		s = strings.ReplaceAll(s, w, " ")
	}
	words := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for _, w := range words {
		switch {
		case approxWords[w]:
			approx = true
		case !fillerWords[w]:
			sentence = true
		}
	}
	return sentence, approx
}

// findPoints finds every date the words name. Patterns run from the most
// specific to the least, and a later one never takes words an earlier one took.
func findPoints(t text) []point {
	type matcher struct {
		re   *regexp.Regexp
		make func(sub func(int) string) (point, bool)
	}
	matchers := []matcher{
		{isoDayRE, isoDay},
		{dmyRE, dmy},
		{zhRE, chinese},
		{monthYearRE, monthYear},
		{seasonRE, season},
		{quarterRE, quarter},
		{yearPairRE, yearPair},
		{partOfEnRE, partOfYear},
		{partOfFrRE, partOfYear},
		{bareYearRE, bareYear},
	}
	var out []point
	taken := func(a, b int) bool {
		for _, p := range out {
			if a < p.b && p.a < b {
				return true
			}
		}
		return false
	}
	for _, m := range matchers {
		for _, loc := range m.re.FindAllStringSubmatchIndex(t.s, -1) {
			if taken(loc[0], loc[1]) {
				continue
			}
			sub := func(i int) string {
				if 2*i+1 >= len(loc) || loc[2*i] < 0 {
					return ""
				}
				return t.s[loc[2*i]:loc[2*i+1]]
			}
			p, ok := m.make(sub)
			if !ok {
				continue
			}
			p.a, p.b = loc[0], loc[1]
			if p.problem != "" {
				p.problem = fmt.Sprintf("%q %s.", t.quote(p.a, p.b), p.problem)
			}
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].a < out[j].a })
	return out
}

// mergeRanges joins "2025 to 2028", "De 2025 à 2028", "March 2026 - June
// 2027" into one point at the end of the range.
func mergeRanges(t text, ps []point) ([]point, string) {
	var out []point
	for i := 0; i < len(ps); i++ {
		p := ps[i]
		for i+1 < len(ps) {
			next := ps[i+1]
			gap := t.s[p.b:next.a]
			if !rangeGapRE.MatchString(gap) || (andGapRE.MatchString(gap) && !betweenRE.MatchString(t.s[:p.a])) {
				break
			}
			if !next.date.After(p.date) {
				return nil, fmt.Sprintf("%q is a range that ends before it starts.", t.quote(p.a, next.b))
			}
			r := next
			r.a, r.isRange, r.approx = p.a, true, true
			r.why = fmt.Sprintf("It is a range (%q); its end is used, approximate.", t.quote(p.a, next.b))
			if p.bareYear && next.bareYear && next.year == p.year+1 {
				r.why += fiscalHint(p.year, next.year)
			}
			r.bareYear = false
			p = r
			i++
		}
		out = append(out, p)
	}
	return out, ""
}

func fiscalHint(from, to int) string {
	return fmt.Sprintf(" If it means a fiscal year, the date is earlier (in Canada, fiscal year %d-%02d ends on 31 March %d).", from, to%100, to)
}

// dedupe drops a date named twice ("By March 2027 (March 2027)").
func dedupe(ps []point) []point {
	var out []point
	for _, p := range ps {
		dup := false
		for _, q := range out {
			if q.date.Equal(p.date) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, p)
		}
	}
	return out
}

func validYear(y int) bool { return y >= 1900 && y <= 2199 }

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}

func monthEnd(y int, m time.Month) time.Time { return lastDayOfMonth(y, int(m)) }

func yearEnd(y int) time.Time { return time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC) }

func monthName(y int, m time.Month) string { return fmt.Sprintf("%s %d", m, y) }

// dayPoint checks that a day exists before making a point of it.
func dayPoint(y int, m time.Month, d int) (point, bool) {
	if !validYear(y) {
		return point{}, false
	}
	if m < 1 || m > 12 || d < 1 || d > monthEnd(y, m).Day() {
		return point{problem: "is not a real date"}, true
	}
	return point{date: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), prec: PrecisionDay, what: fmt.Sprintf("%d %s %d", d, m, y), year: y}, true
}

func isoDay(sub func(int) string) (point, bool) {
	return dayPoint(atoi(sub(1)), time.Month(atoi(sub(2))), atoi(sub(3)))
}

// dmy reads 31/03/2027; 03/04/2027 could be March or April, so it is refused.
func dmy(sub func(int) string) (point, bool) {
	a, b, y := atoi(sub(1)), atoi(sub(2)), atoi(sub(3))
	switch {
	case !validYear(y):
		return point{}, false
	case a > 12:
		return dayPoint(y, time.Month(b), a)
	case b > 12:
		return dayPoint(y, time.Month(a), b)
	case a == b:
		return dayPoint(y, time.Month(a), a)
	}
	return point{problem: "could be day/month or month/day"}, true
}

func chinese(sub func(int) string) (point, bool) {
	y := atoi(sub(3))
	if sub(1) != "" {
		y = atoi(sub(2)) + 1911 // a Republic of China (Minguo) year
	}
	if !validYear(y) {
		return point{}, false
	}
	if mo := sub(4); mo != "" {
		m := time.Month(atoi(mo))
		if m < 1 || m > 12 {
			return point{problem: "is not a real month"}, true
		}
		if d := sub(5); d != "" {
			return dayPoint(y, m, atoi(d))
		}
		p := point{date: monthEnd(y, m), prec: PrecisionMonth, what: "the end of " + monthName(y, m), year: y}
		switch sub(6) {
		case "初", "上旬", "中旬":
			p.approx, p.why = true, "Part of a month is approximate; the end of the month is used."
		}
		return p, true
	}
	suffix := sub(7)
	switch {
	case suffix == "":
		return point{date: yearEnd(y), prec: PrecisionYear, what: fmt.Sprintf("the end of %d", y), year: y, bareYear: true}, true
	case suffix == "年底" || suffix == "年末" || suffix == "底" || suffix == "末":
		return point{date: yearEnd(y), prec: PrecisionYear, what: fmt.Sprintf("the end of %d", y), year: y}, true
	case suffix == "上半年":
		return point{date: monthEnd(y, 6), prec: PrecisionSeason, approx: true, what: fmt.Sprintf("the end of June %d", y), why: "The first half of the year is taken to end in June; approximate.", year: y}, true
	case suffix == "下半年":
		return point{date: yearEnd(y), prec: PrecisionSeason, approx: true, what: fmt.Sprintf("the end of %d", y), why: "The second half of the year ends in December; approximate.", year: y}, true
	case strings.HasPrefix(suffix, "春"):
		return seasonPoint(y, "spring"), true
	case strings.HasPrefix(suffix, "夏"):
		return seasonPoint(y, "summer"), true
	case strings.HasPrefix(suffix, "秋"):
		return seasonPoint(y, "fall"), true
	case strings.HasPrefix(suffix, "冬"):
		// Chinese usage puts winter Y at the end of year Y, unlike "winter Y" in Canadian plans.
		return point{problem: "could mean the winter that starts or the one that ends in that year"}, true
	case strings.HasPrefix(suffix, "第"):
		switch sub(8) {
		case "一", "1":
			return quarterPoint(y, 1), true
		case "二", "2":
			return quarterPoint(y, 2), true
		case "三", "3":
			return quarterPoint(y, 3), true
		case "四", "4":
			return quarterPoint(y, 4), true
		}
	}
	return point{}, false
}

func monthYear(sub func(int) string) (point, bool) {
	y := atoi(sub(5))
	m, ok := months[sub(3)]
	if !ok || !validYear(y) {
		return point{}, false
	}
	day := sub(2)
	if day == "" {
		day = sub(4)
	}
	if day != "" {
		return dayPoint(y, m, atoi(day))
	}
	p := point{date: monthEnd(y, m), prec: PrecisionMonth, what: "the end of " + monthName(y, m), year: y}
	switch sub(1) {
	case "early", "mid", "debut", "debut de", "mi", "milieu de":
		p.approx, p.why = true, "Part of a month is approximate; the end of the month is used."
	case "late":
		p.approx = true
	}
	return p, true
}

func season(sub func(int) string) (point, bool) {
	y := atoi(sub(2))
	if !validYear(y) {
		return point{}, false
	}
	name := sub(1)
	if y2 := sub(3); y2 != "" {
		end := atoi(y2)
		if len(y2) == 2 {
			end += y / 100 * 100
		}
		if (name != "winter" && name != "hiver") || end != y+1 {
			return point{problem: "does not name one season"}, true
		}
		p := seasonPoint(end, "winter")
		p.why = fmt.Sprintf("Winter %d-%02d ends in March %d; approximate.", y, end%100, end)
		return p, true
	}
	switch name {
	case "printemps":
		name = "spring"
	case "ete":
		name = "summer"
	case "automne", "autumn":
		name = "fall"
	case "hiver":
		name = "winter"
	}
	return seasonPoint(y, name), true
}

func seasonPoint(y int, name string) point {
	p := point{prec: PrecisionSeason, approx: true, year: y, what: fmt.Sprintf("the end of %s %d", name, y)}
	switch name {
	case "spring":
		p.date, p.why = monthEnd(y, 6), "Spring is taken to end on 30 June; approximate."
	case "summer":
		p.date, p.why = monthEnd(y, 9), "Summer is taken to end on 30 September; approximate."
	case "fall":
		p.date, p.why = monthEnd(y, 12), "Fall is taken to end on 31 December; approximate."
	default:
		p.date = monthEnd(y, 3)
		p.why = fmt.Sprintf("Winter %d is taken as the winter in which January %d falls (December %d to March %d), so it ends on 31 March %d; approximate.", y, y, y-1, y, y)
	}
	return p
}

func quarter(sub func(int) string) (point, bool) {
	ordinals := map[string]int{"first": 1, "1st": 1, "premier": 1, "1er": 1, "second": 2, "2nd": 2, "deuxieme": 2, "2e": 2,
		"third": 3, "3rd": 3, "troisieme": 3, "3e": 3, "fourth": 4, "4th": 4, "quatrieme": 4, "4e": 4}
	var q, y int
	switch {
	case sub(1) != "":
		q, y = atoi(sub(1)), atoi(sub(2))
	case sub(3) != "":
		q, y = atoi(sub(4)), atoi(sub(3))
	default:
		q, y = ordinals[sub(5)], atoi(sub(6))
	}
	if q < 1 || q > 4 || !validYear(y) {
		return point{}, false
	}
	return quarterPoint(y, q), true
}

func quarterPoint(y, q int) point {
	return point{date: monthEnd(y, time.Month(3*q)), prec: PrecisionSeason, approx: true, year: y,
		what: fmt.Sprintf("the end of quarter %d of %d", q, y),
		why:  "Taken as a calendar quarter; if a fiscal quarter is meant, set the date by hand."}
}

// yearPair reads "2026-27" as a range and "2026-12" as a month.
func yearPair(sub func(int) string) (point, bool) {
	y, n := atoi(sub(1)), atoi(sub(2))
	if !validYear(y) {
		return point{}, false
	}
	if n >= 1 && n <= 12 {
		m := time.Month(n)
		return point{date: monthEnd(y, m), prec: PrecisionMonth, what: "the end of " + monthName(y, m), year: y}, true
	}
	end := y/100*100 + n
	if end <= y {
		end += 100
	}
	if end-y > 10 {
		return point{problem: "is neither a month nor a range of years"}, true
	}
	why := fmt.Sprintf("It is a range (%d to %d); the end of its last year is used, approximate.", y, end)
	if end == y+1 {
		why += fiscalHint(y, end)
	}
	return point{date: yearEnd(end), prec: PrecisionYear, approx: true, year: end, isRange: true,
		what: fmt.Sprintf("the end of %d", end), why: why}, true
}

func partOfYear(sub func(int) string) (point, bool) {
	y := atoi(sub(2))
	if !validYear(y) {
		return point{}, false
	}
	p := point{year: y, prec: PrecisionSeason, approx: true}
	switch sub(1) {
	case "early", "beginning of", "start of", "debut":
		p.date, p.what, p.why = monthEnd(y, 4), fmt.Sprintf("the end of April %d", y), `"Early" in a year is taken as January to April; approximate.`
	case "mid", "middle of", "mi", "milieu":
		p.date, p.what, p.why = monthEnd(y, 8), fmt.Sprintf("the end of August %d", y), `"Mid" year is taken as May to August; approximate.`
	case "late":
		p.date, p.what, p.why = yearEnd(y), fmt.Sprintf("the end of %d", y), `"Late" in a year is taken as September to December; approximate.`
	case "first half of", "h1", "premier semestre", "1er semestre":
		p.date, p.what, p.why = monthEnd(y, 6), fmt.Sprintf("the end of June %d", y), "The first half of the year ends in June; approximate."
	case "second half of", "h2", "deuxieme semestre", "second semestre", "2e semestre":
		p.date, p.what, p.why = yearEnd(y), fmt.Sprintf("the end of %d", y), "The second half of the year ends in December; approximate."
	default: // end of, year-end, fin
		p.date, p.what, p.prec, p.approx = yearEnd(y), fmt.Sprintf("the end of %d", y), PrecisionYear, false
	}
	return p, true
}

func bareYear(sub func(int) string) (point, bool) {
	y := atoi(sub(1))
	if !validYear(y) {
		return point{}, false
	}
	return point{date: yearEnd(y), prec: PrecisionYear, what: fmt.Sprintf("the end of %d", y), year: y, bareYear: true}, true
}
