package questions

import (
	"strings"
	"testing"
)

// What a citizen sends is refused, naming the field, when it could disguise
// text, publish an address, or claim a language that does not exist.
func TestAskRefusesDisguisedTextPublishedAddressesAndUnknownLanguages(t *testing.T) {
	for name, tc := range map[string]struct {
		ask   Ask
		field string
		want  string
	}{
		"right-to-left override in text":   {Ask{Text: "abc\u202edef", Language: "en", Anonymous: true}, "text", "bidirectional control character U+202E"},
		"isolate in the name":              {Ask{Text: "ok", Language: "en", DisplayName: "evil\u2066man"}, "display_name", "bidirectional control character U+2066"},
		"email as the name":                {Ask{Text: "ok", Language: "en", DisplayName: "leak-me@example.com"}, "display_name", "must not be an email address"},
		"well formed but no such language": {Ask{Text: "ok", Language: "xx", Anonymous: true}, "language", `"xx" is not a known language`},
	} {
		err := tc.ask.Validate()
		ie, ok := err.(*InvalidError)
		if !ok {
			t.Errorf("%s: accepted (%v)", name, err)
			continue
		}
		found := false
		for _, fe := range ie.Errors {
			found = found || (fe.Field == tc.field && strings.Contains(fe.Message, tc.want))
			if strings.Contains(fe.Message, "leak-me") {
				t.Errorf("%s: the message echoes the address", name)
			}
		}
		if !found {
			t.Errorf("%s: errors %v, want %s: %s", name, ie.Errors, tc.field, tc.want)
		}
	}
	for _, ok := range []Ask{{Text: "請問進度？", Language: "zh-Hant", DisplayName: "林小姐"}, {Text: "مرحبا \u200f", Language: "ar", Anonymous: true}, {Text: "ok", Language: "en-CA", Anonymous: true}} {
		if err := ok.Validate(); err != nil {
			t.Errorf("%+v refused: %v", ok, err)
		}
	}
}
