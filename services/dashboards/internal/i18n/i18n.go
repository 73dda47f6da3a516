// Package i18n holds the interface labels of the dashboards in the languages
// the embeds are offered in (English, French, Traditional Chinese), picks a
// language from a request, and picks content text with a visible fallback.
//
// Label keys for lights and statuses are the same strings as rag.Light and
// the rag status values ("green", "not_started", ...), so callers can pass
// them straight through; reason codes are looked up as "reason.<code>".
package i18n

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Supported language codes, as returned by Pick.
const (
	English            = "en"
	French             = "fr"
	TraditionalChinese = "zh-Hant"
)

// Languages lists the supported codes in display order. It returns a new
// slice each call so no caller can change another's view.
func Languages() []string {
	return []string{English, French, TraditionalChinese}
}

// Canonical maps a language tag to a supported code. Every Chinese tag maps to
// zh-Hant because it is the only Chinese we publish, and Traditional is far
// more readable to a Simplified reader than English would be.
func Canonical(tag string) (string, bool) {
	tag = strings.TrimSpace(tag)
	primary, _, _ := strings.Cut(strings.ReplaceAll(tag, "_", "-"), "-")
	switch strings.ToLower(primary) {
	case "en":
		return English, true
	case "fr":
		return French, true
	case "zh":
		return TraditionalChinese, true
	}
	return "", false
}

// Pick chooses a supported language from either a bare `lang` query value
// ("fr", "zh-TW") or an Accept-Language header ("fr-CA,fr;q=0.9,en;q=0.5").
// The highest-q supported entry wins, the earlier one on a tie; q=0 entries
// are refused; "*" means English. Anything else gives English.
func Pick(acceptOrQuery string) string {
	best, bestQ := English, -1.0
	for part := range strings.SplitSeq(acceptOrQuery, ",") {
		tag, params, _ := strings.Cut(part, ";")
		tag = strings.TrimSpace(tag)
		q, ok := quality(params)
		if !ok || q <= 0 || q <= bestQ {
			continue
		}
		code, ok := Canonical(tag)
		if tag == "*" {
			code, ok = English, true
		}
		if ok {
			best, bestQ = code, q
		}
	}
	return best
}

// quality reads the q parameter of one Accept-Language entry; entries with a
// malformed q are skipped rather than guessed at.
func quality(params string) (float64, bool) {
	params = strings.TrimSpace(params)
	if params == "" {
		return 1, true
	}
	for p := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || q < 0 || q > 1 {
			return 0, false
		}
		return q, true
	}
	return 1, true
}

// Label returns the interface text for key in lang. An unknown language
// gives English; a key without a translation gives the English text, and an
// unknown key gives the key itself so a missing label shows up in review.
func Label(lang, key string) string {
	e, ok := entry(key)
	if !ok {
		return key
	}
	code, _ := Canonical(lang)
	switch {
	case code == French && e.fr != "":
		return e.fr
	case code == TraditionalChinese && e.zh != "":
		return e.zh
	}
	return e.en
}

// Text picks content in lang from values (keyed by language tag), then in
// each fallback in order, then English, then whichever non-empty value comes
// first by key. usedLang is the code of the text returned (canonical when
// supported), so callers can show a note when it differs from lang; both
// results are "" when there is no text at all. Blank values count as missing.
func Text(values map[string]string, lang string, fallbacks ...string) (text, usedLang string) {
	keys := make([]string, 0, len(values))
	for k, v := range values {
		if strings.TrimSpace(v) != "" {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return "", ""
	}
	// Sorted so that the result never depends on map order.
	slices.Sort(keys)
	for _, want := range append(append([]string{lang}, fallbacks...), English) {
		if want == "" {
			continue
		}
		if v := strings.TrimSpace(values[want]); v != "" {
			return values[want], codeOf(want)
		}
		wantCode, ok := Canonical(want)
		if !ok {
			continue
		}
		for _, k := range keys {
			if c, ok := Canonical(k); ok && c == wantCode {
				return values[k], c
			}
		}
	}
	return values[keys[0]], codeOf(keys[0])
}

func codeOf(tag string) string {
	if c, ok := Canonical(tag); ok {
		return c
	}
	return tag
}

// LanguageName names the language code in the language inLang ("anglais").
// Unsupported codes are returned as they are.
func LanguageName(inLang, code string) string {
	c, ok := Canonical(code)
	if !ok {
		return code
	}
	return Label(inLang, "lang."+c)
}

// FallbackNote is the visible note shown when content is in usedLang because
// it is not available in lang: "Shown in English: not available in French".
func FallbackNote(lang, usedLang string) string {
	return fmt.Sprintf(Label(lang, "fallback_note"), LanguageName(lang, usedLang), LanguageName(lang, lang))
}

// Percent writes "45% complete" with each language's spacing and order.
func Percent(lang string, n int) string {
	return fmt.Sprintf(Label(lang, "percent_value"), n)
}

// FormatDate writes t's calendar date (in t's own location) as each language
// writes dates in running text: "2 March 2026", "1er mars 2026", "2026年3月2日".
func FormatDate(lang string, t time.Time) string {
	y, m, d := t.Date()
	code, _ := Canonical(lang)
	switch code {
	case French:
		day := strconv.Itoa(d)
		if d == 1 {
			day = "1er"
		}
		return day + " " + frMonth(m) + " " + strconv.Itoa(y)
	case TraditionalChinese:
		return strconv.Itoa(y) + "年" + strconv.Itoa(int(m)) + "月" + strconv.Itoa(d) + "日"
	}
	return strconv.Itoa(d) + " " + m.String() + " " + strconv.Itoa(y)
}

func frMonth(m time.Month) string {
	switch m {
	case time.January:
		return "janvier"
	case time.February:
		return "février"
	case time.March:
		return "mars"
	case time.April:
		return "avril"
	case time.May:
		return "mai"
	case time.June:
		return "juin"
	case time.July:
		return "juillet"
	case time.August:
		return "août"
	case time.September:
		return "septembre"
	case time.October:
		return "octobre"
	case time.November:
		return "novembre"
	}
	return "décembre"
}
