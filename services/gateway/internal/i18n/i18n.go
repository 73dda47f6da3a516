// Package i18n holds the interface texts of the public site and console in
// Traditional Chinese (the default), English and French, picks the reader's
// language, and picks content texts with a note when one falls back.
package i18n

import (
	"sort"
	"strconv"
	"strings"
)

// Interface languages, default first.
const (
	ZhHant  = "zh-Hant"
	English = "en"
	French  = "fr"
)

// Languages lists the interface languages in display order.
func Languages() []string { return []string{ZhHant, English, French} }

// Normalize maps a tag to an interface language, or "" when none fits.
func Normalize(tag string) string {
	t := strings.ToLower(strings.TrimSpace(tag))
	switch {
	case t == "":
		return ""
	case t == "zh" || strings.HasPrefix(t, "zh-hant") || t == "zh-tw" || t == "zh-hk" || t == "zh-mo":
		return ZhHant
	case t == "en" || strings.HasPrefix(t, "en-"):
		return English
	case t == "fr" || strings.HasPrefix(t, "fr-"):
		return French
	}
	return ""
}

// Negotiate picks the interface language from ?lang= first, then the
// Accept-Language header by quality, else zh-Hant.
func Negotiate(query, accept string) string {
	if l := Normalize(query); l != "" {
		return l
	}
	type cand struct {
		lang string
		q    float64
		i    int
	}
	var cs []cand
	for i, part := range strings.Split(accept, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if l := Normalize(tag); l != "" && q > 0 {
			cs = append(cs, cand{l, q, i})
		}
	}
	sort.SliceStable(cs, func(a, b int) bool { return cs[a].q > cs[b].q })
	if len(cs) > 0 {
		return cs[0].lang
	}
	return ZhHant
}

// contentKeys are the keys a content text may use for an interface language.
func contentKeys(lang string) []string {
	if lang == ZhHant {
		return []string{"zh-Hant", "zh-TW", "zh"}
	}
	return []string{lang}
}

// Pick returns the text of values in lang, else in the plan's languages in
// order, else any; used is the key of the text returned, and fallback is true
// when it is not the reader's language.
func Pick(values map[string]string, lang string, planLangs []string) (text, used string, fallback bool) {
	for _, k := range contentKeys(lang) {
		if v := strings.TrimSpace(values[k]); v != "" {
			return v, k, false
		}
	}
	for _, k := range planLangs {
		if v := strings.TrimSpace(values[k]); v != "" {
			return v, k, true
		}
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if v := strings.TrimSpace(values[k]); v != "" {
			return v, k, true
		}
	}
	return "", "", false
}

// T returns the interface text key in lang (English when missing, the key
// itself when unknown).
func T(lang, key string) string {
	if m, ok := messages[lang]; ok {
		if s, ok := m[key]; ok {
			return s
		}
	}
	if s, ok := messages[English][key]; ok {
		return s
	}
	return key
}

// HTMLLang is the value of the lang attribute for a content key.
func HTMLLang(key string) string {
	switch key {
	case "zh-TW", "zh":
		return ZhHant
	}
	return key
}
