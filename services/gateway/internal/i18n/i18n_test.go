package i18n

import "testing"

func TestEveryTextHasEveryLanguage(t *testing.T) {
	for key := range messages[English] {
		for _, l := range Languages() {
			if messages[l][key] == "" {
				t.Errorf("%s has no %s text", key, l)
			}
		}
	}
	for _, l := range Languages() {
		if len(messages[l]) != len(messages[English]) {
			t.Errorf("%s has %d texts, English %d", l, len(messages[l]), len(messages[English]))
		}
	}
}

func TestNegotiate(t *testing.T) {
	for _, c := range []struct{ query, accept, want string }{
		{"", "", ZhHant},
		{"en", "fr", English},
		{"", "fr-CA,fr;q=0.9,en;q=0.8", French},
		{"", "de-DE,en;q=0.5", English},
		{"", "zh-TW,zh;q=0.9", ZhHant},
		{"xx", "en;q=0.2,fr;q=0.7", French},
		{"", "de", ZhHant},
	} {
		if got := Negotiate(c.query, c.accept); got != c.want {
			t.Errorf("Negotiate(%q, %q) = %q, want %q", c.query, c.accept, got, c.want)
		}
	}
}

func TestPickFallsBackInThePlansOrder(t *testing.T) {
	text, used, fb := Pick(map[string]string{"en": "Open", "fr": "Ouvert"}, ZhHant, []string{"fr", "en"})
	if text != "Ouvert" || used != "fr" || !fb {
		t.Errorf("got %q %q %v", text, used, fb)
	}
	if _, _, fb := Pick(map[string]string{"zh-Hant": "開放"}, ZhHant, []string{"en"}); fb {
		t.Error("a Chinese text fell back for a Chinese reader")
	}
}
