package templates_test

import (
	"strings"
	"testing"

	"github.com/kept-ogp/kept/services/notifications/internal/templates"
)

func TestEveryLanguageRendersEveryKind(t *testing.T) {
	set, err := templates.Load([]string{"en", "fr", "zh-Hant"})
	if err != nil {
		t.Fatal(err)
	}
	data := map[string]string{"Plan": "ca-nap6", "Commitment": "C02", "Agency": "tbs-sct", "DueDay": "2026-03-30",
		"Threshold": "5", "Question": "When?", "Item": "C02.1", "Period": "2026-06", "Status": "limited",
		"Scope": "x", "Expires": "2026-04-01"}
	words := map[string]string{"en": "Confirm", "fr": "Confirmez", "zh-Hant": "確認"}
	for _, lang := range set.Languages() {
		for _, k := range []string{templates.SLAWarning, templates.SLABreach, templates.Answered, templates.UpdateAgreed,
			templates.UpdateDisputed, templates.SubscriptionConfirm, templates.AskerConfirm} {
			r, err := set.Render(lang, templates.Content{Kind: k, Data: data, Link: "https://x.example/a?b=1&c=2", Footer: templates.FooterContact})
			if err != nil {
				t.Fatalf("%s %s: %v", lang, k, err)
			}
			if r.Lang != lang || r.Subject == "" || strings.Contains(r.Subject+r.Text+r.HTML, "<no value>") {
				t.Errorf("%s %s: %+v", lang, k, r)
			}
			if !strings.Contains(r.HTML, `href="https://x.example/a?b=1&amp;c=2"`) || !strings.Contains(r.Text, "https://x.example/a?b=1&c=2") {
				t.Errorf("%s %s: link missing:\n%s\n%s", lang, k, r.Text, r.HTML)
			}
			if k == templates.SubscriptionConfirm && !strings.Contains(r.Subject, words[lang]) {
				t.Errorf("%s: subject %q not in the language", lang, r.Subject)
			}
		}
	}
}

func TestMatch(t *testing.T) {
	set, err := templates.Load([]string{"en", "fr", "zh-Hant"})
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{"fr": "fr", "fr-CA": "fr", "FR": "fr", "zh-Hant": "zh-Hant", "zh-TW": "zh-Hant",
		"zh-hant-tw": "zh-Hant", "zh-Hans": "en", "zh-CN": "en", "de": "en", "": "en", "en-GB": "en"} {
		if got := set.Match(in); got != want {
			t.Errorf("Match(%q) = %q, want %q", in, got, want)
		}
	}
	only, err := templates.Load([]string{"fr"})
	if err != nil {
		t.Fatal(err)
	}
	if got := only.Match("zh-Hant"); got != "en" {
		t.Errorf("zh-Hant without its catalog configured: %q, want en", got)
	}
	if _, err := templates.Load([]string{"de"}); err == nil || !strings.Contains(err.Error(), `"de"`) {
		t.Errorf("Load(de) = %v, want an error naming de", err)
	}
}

func TestStatusAndScope(t *testing.T) {
	set, _ := templates.Load([]string{"en", "fr", "zh-Hant"})
	if got := set.Status("fr", "substantial"); got != "substantiel" {
		t.Errorf("fr substantial = %q", got)
	}
	if got := set.Scope("zh-Hant", "tw", ""); got != "計畫 tw" {
		t.Errorf("zh-Hant plan scope = %q", got)
	}
	if got := set.Scope("en", "ca", "C01"); got != "commitment C01 of plan ca" {
		t.Errorf("en scope = %q", got)
	}
}
