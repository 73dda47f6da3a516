package i18n

import (
	"testing"
	"time"
)

func TestPick(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", "en"},
		{"en", "en"},
		{"fr", "fr"},
		{"FR", "fr"},
		{"fr-CA", "fr"},
		{"zh", "zh-Hant"},
		{"zh-TW", "zh-Hant"},
		{"zh-Hant", "zh-Hant"},
		{"zh_Hant_TW", "zh-Hant"},
		{"zh-HK", "zh-Hant"},
		{"de", "en"},
		{"*", "en"},
		{"fr-CA,fr;q=0.9,en;q=0.8", "fr"},
		{"de-DE, fr;q=0.5, en;q=0.4", "fr"},
		{"en;q=0.5, zh-TW;q=0.9", "zh-Hant"},
		{"fr;q=0, en", "en"},
		{"fr;q=0", "en"},
		{"fr;q=abc, zh", "zh-Hant"},
		{"fr;q=2, zh;q=0.1", "zh-Hant"},
		{"en, fr", "en"},
		{"fr , en;q=0.9", "fr"},
		{"de;q=1, *;q=0.5, fr;q=0.4", "en"},
	}
	for _, c := range cases {
		if got := Pick(c.in); got != c.want {
			t.Errorf("Pick(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestLabel(t *testing.T) {
	cases := []struct{ lang, key, want string }{
		{"en", "green", "On track"},
		{"fr", "amber", "À risque"},
		{"zh-Hant", "red", "進度落後"},
		{"zh-TW", "grey", "尚未報告"},
		{"en", "not_started", "Not started"},
		{"en", "limited", "Limited"},
		{"en", "substantial", "Substantial"},
		{"en", "complete", "Complete"},
		{"fr", "not_started", "Pas commencé"},
		{"fr", "limited", "Limité"},
		{"fr", "substantial", "Substantiel"},
		{"fr", "complete", "Terminé"},
		{"zh-Hant", "not_started", "尚未開始"},
		{"zh-Hant", "limited", "有限"},
		{"zh-Hant", "substantial", "實質"},
		{"zh-Hant", "complete", "完成"},
		{"fr", KeyDisputed, "Contesté"},
		{"fr", KeyNextDeadlines, "Prochaines échéances"},
		{"de", "green", "On track"},
		{"fr", "no.such.key", "no.such.key"},
	}
	for _, c := range cases {
		if got := Label(c.lang, c.key); got != c.want {
			t.Errorf("Label(%q, %q) = %q, want %q", c.lang, c.key, got, c.want)
		}
	}
}

// Every key the widgets use must exist in all three languages, or the page
// silently mixes languages.
func TestLabelsTranslated(t *testing.T) {
	keys := []string{"green", "amber", "red", "grey", "not_started", "limited", "substantial", "complete",
		KeyDisputed, KeyDisputedNote, KeyNoStatus, KeyNextDeadlines, KeyNoDeadlines, KeyPercentComplete, "percent_value",
		KeyUpdated, KeyStatus, KeyRating, KeyByRating, KeyByStatus, KeyNumber, KeyTotal, KeyCommitment,
		KeyCommitments, KeyActionPlan, KeyCode, KeyTitle, KeyAbout, KeyPlanWords, KeyViewPage, KeyNewTab, KeyColon,
		"fallback_note", "lang.en", "lang.fr", "lang.zh-Hant",
		"reason.complete", "reason.overdue", "reason.disputed", "reason.due_soon_low_progress",
		"reason.not_reported", "reason.on_track", "reason.recurring_not_reported", "reason.recurring_reported",
		"reason.recurring_low_progress", "reason.rollup_red", "reason.rollup_amber", "reason.rollup_grey",
		"reason.rollup_green", "reason.rollup_empty"}
	for _, k := range keys {
		e, ok := entry(k)
		if !ok || e.en == "" || e.fr == "" || e.zh == "" {
			t.Errorf("key %q is missing a translation: %+v", k, e)
		}
	}
}

func TestText(t *testing.T) {
	both := map[string]string{"en": "Open data", "fr": "Données ouvertes"}
	cases := []struct {
		name      string
		values    map[string]string
		lang      string
		fallbacks []string
		want      string
		wantLang  string
	}{
		{"asked language", both, "fr", nil, "Données ouvertes", "fr"},
		{"region tag", both, "fr-CA", nil, "Données ouvertes", "fr"},
		{"falls back to English", both, "zh-Hant", nil, "Open data", "en"},
		{"explicit fallback first", both, "zh-Hant", []string{"fr"}, "Données ouvertes", "fr"},
		{"blank counts as missing", map[string]string{"en": "Open data", "fr": "  "}, "fr", nil, "Open data", "en"},
		{"key tags are canonicalised", map[string]string{"zh-TW": "開放資料", "en": "Open data"}, "zh-Hant", nil, "開放資料", "zh-Hant"},
		{"any language as last resort", map[string]string{"es": "Datos", "de": "Daten"}, "fr", nil, "Daten", "de"},
		{"nothing", map[string]string{"fr": ""}, "fr", nil, "", ""},
		{"nil map", nil, "fr", nil, "", ""},
	}
	for _, c := range cases {
		got, used := Text(c.values, c.lang, c.fallbacks...)
		if got != c.want || used != c.wantLang {
			t.Errorf("%s: Text = %q, %q; want %q, %q", c.name, got, used, c.want, c.wantLang)
		}
	}
}

func TestFallbackNote(t *testing.T) {
	cases := []struct{ lang, used, want string }{
		{"en", "fr", "Shown in French: not available in English"},
		{"fr", "en", "Affiché en anglais\u00a0: non disponible en français"},
		{"zh-Hant", "en", "以英文顯示：尚無繁體中文版本"},
	}
	for _, c := range cases {
		if got := FallbackNote(c.lang, c.used); got != c.want {
			t.Errorf("FallbackNote(%q, %q) = %q, want %q", c.lang, c.used, got, c.want)
		}
	}
}

func TestFormatDateAndPercent(t *testing.T) {
	d := time.Date(2026, time.March, 2, 23, 0, 0, 0, time.UTC)
	first := time.Date(2025, time.August, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		lang string
		t    time.Time
		want string
	}{
		{"en", d, "2 March 2026"},
		{"fr", d, "2 mars 2026"},
		{"fr", first, "1er août 2025"},
		{"zh-Hant", d, "2026年3月2日"},
	}
	for _, c := range cases {
		if got := FormatDate(c.lang, c.t); got != c.want {
			t.Errorf("FormatDate(%q) = %q, want %q", c.lang, got, c.want)
		}
	}
	for lang, want := range map[string]string{"en": "45% complete", "fr": "45\u202f% achevé", "zh-Hant": "已完成 45%"} {
		if got := Percent(lang, 45); got != want {
			t.Errorf("Percent(%q) = %q, want %q", lang, got, want)
		}
	}
}
