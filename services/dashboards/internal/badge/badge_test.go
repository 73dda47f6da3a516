package badge

import (
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kept-ogp/kept/services/dashboards/internal/rag"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestTextWidth(t *testing.T) {
	if got := TextWidth(""); got != 0 {
		t.Errorf("empty: %v", got)
	}
	ab := TextWidth("ab")
	if !near(ab, 6.61+6.85) {
		t.Errorf(`"ab" = %v, want Verdana a+b`, ab)
	}
	zh := TextWidth("中文")
	if !near(zh, 2*fullWidth) {
		t.Errorf(`"中文" = %v, want two full widths (%v)`, zh, 2*fullWidth)
	}
	if zh <= ab {
		t.Errorf(`"中文" (%v) should be wider than "ab" (%v)`, zh, ab)
	}
	cases := []struct {
		s    string
		want float64
	}{
		{"i", 3.02},
		{"W", 10.88},
		{"m", 10.70},
		{"ひらがな", 4 * fullWidth},
		{"カタカナ", 4 * fullWidth},
		{"한국어", 3 * fullWidth},
		{"ＡＢ", 2 * fullWidth},   // fullwidth forms
		{"、。「」", 4 * fullWidth}, // CJK punctuation
		{"ｶ", fullWidth / 2},    // halfwidth katakana
		{"e\u0301", 6.55},       // combining acute adds nothing
		{"é", 6.55},             // precomposed measures like its base
		{"Ω", otherWidth},
		{"a\u200db", 6.61 + 6.85}, // zero-width joiner
		{"\x00", 0},
	}
	for _, c := range cases {
		if got := TextWidth(c.s); !near(got, c.want) {
			t.Errorf("TextWidth(%q) = %v, want %v", c.s, got, c.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	long := strings.Repeat("開放政府夥伴關係", 10) // 80 characters, 240 bytes
	got := truncate(long, MaxChars)
	if !utf8.ValidString(got) {
		t.Fatalf("invalid UTF-8: %q", got)
	}
	if n := utf8.RuneCountInString(got); n != MaxChars {
		t.Errorf("got %d characters, want %d", n, MaxChars)
	}
	if !strings.HasSuffix(got, "…") || !strings.HasPrefix(long, strings.TrimSuffix(got, "…")) {
		t.Errorf("not a prefix plus ellipsis: %q", got)
	}

	exact := strings.Repeat("中", MaxChars)
	if got := truncate(exact, MaxChars); got != exact {
		t.Errorf("40 characters should be kept whole, got %q", got)
	}

	// A base letter and its combining mark are one character and stay
	// together.
	accents := strings.Repeat("e\u0301", 50)
	got = truncate(accents, MaxChars)
	if want := strings.Repeat("e\u0301", MaxChars-1) + "…"; got != want {
		t.Errorf("combining marks split: %q", got)
	}

	// Emoji sequences and flags are not split either.
	family := "\U0001F468\u200D\U0001F469\u200D\U0001F467" // one ZWJ sequence
	flag := "\U0001F1E8\U0001F1E6"                         // CA
	if got := truncate(strings.Repeat(family, 41), MaxChars); got != strings.Repeat(family, 39)+"…" {
		t.Errorf("ZWJ sequence split")
	}
	if got := truncate(strings.Repeat(flag, 41), MaxChars); got != strings.Repeat(flag, 39)+"…" {
		t.Errorf("flag split")
	}
	if got := truncate("abc", 2); got != "a…" {
		t.Errorf("short max: %q", got)
	}
}

func TestClean(t *testing.T) {
	cases := map[string]string{
		"a\tb\nc":        "a b c",
		"  spaced  out ": "spaced out",
		"bad\xffbyte":    "bad\uFFFDbyte",
		"rtl\u202eevil":  "rtlevil",
		"nul\x00here":    "nul here",
	}
	for in, want := range cases {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

type parsed struct {
	root  xml.StartElement
	title string
	texts []string
}

func parse(t *testing.T, svg []byte) parsed {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var p parsed
	var stack []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 {
				p.root = tk.Copy()
			}
			stack = append(stack, tk.Name.Local)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			switch stack[len(stack)-1] {
			case "title":
				p.title += string(tk)
			case "text":
				p.texts = append(p.texts, string(tk))
			}
		}
	}
	return p
}

func attr(e xml.StartElement, local string) (string, bool) {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

func TestRenderAccessible(t *testing.T) {
	svg := Render("OGP commitment C01", "On track · Substantial", rag.Green, "en")
	p := parse(t, svg)
	if p.root.Name.Local != "svg" || p.root.Name.Space != "http://www.w3.org/2000/svg" {
		t.Errorf("root is %v", p.root.Name)
	}
	if v, _ := attr(p.root, "role"); v != "img" {
		t.Errorf("role = %q", v)
	}
	want := "OGP commitment C01: On track · Substantial"
	if v, _ := attr(p.root, "aria-label"); v != want {
		t.Errorf("aria-label = %q", v)
	}
	if p.title != want {
		t.Errorf("title = %q", p.title)
	}
	if v, _ := attr(p.root, "lang"); v != "en" {
		t.Errorf("xml:lang = %q", v)
	}
	if len(p.texts) != 2 || p.texts[0] != "OGP commitment C01" || p.texts[1] != "On track · Substantial" {
		t.Errorf("texts = %q", p.texts)
	}
	if !bytes.Contains(svg, []byte(`fill="#1a7f37"`)) {
		t.Errorf("green fill missing")
	}
}

func TestRenderEscapes(t *testing.T) {
	hostile := `<script>alert("x")</script>&'`
	svg := Render(hostile, hostile, rag.Red, `fr"><script>`)
	if bytes.Contains(svg, []byte("<script")) {
		t.Fatalf("unescaped markup:\n%s", svg)
	}
	for _, s := range []string{"&lt;script&gt;", "&amp;", "&quot;", "&apos;"} {
		if !bytes.Contains(svg, []byte(s)) {
			t.Errorf("missing %s", s)
		}
	}
	p := parse(t, svg)
	if v, _ := attr(p.root, "lang"); v != "en" {
		t.Errorf("hostile lang gave xml:lang %q", v)
	}
	if p.texts[0] != hostile || p.texts[1] != hostile {
		t.Errorf("texts round-trip: %q", p.texts)
	}
	if v, _ := attr(p.root, "aria-label"); v != hostile+": "+hostile {
		t.Errorf("aria-label round-trip: %q", v)
	}
}

func TestRenderCJKAndTruncation(t *testing.T) {
	long := strings.Repeat("開放政府", 20)
	svg := Render("承諾事項 C01", long, rag.Amber, "zh-TW")
	if !utf8.Valid(svg) {
		t.Fatal("invalid UTF-8")
	}
	p := parse(t, svg)
	if v, _ := attr(p.root, "lang"); v != "zh-Hant" {
		t.Errorf("xml:lang = %q", v)
	}
	if n := utf8.RuneCountInString(p.texts[1]); n != MaxChars {
		t.Errorf("message has %d characters, want %d", n, MaxChars)
	}
	// The accessible name keeps the whole message.
	if p.title != "承諾事項 C01: "+long {
		t.Errorf("title = %q", p.title)
	}
	// Width grows with full-width text: 39 CJK characters plus "…".
	w, _ := attr(p.root, "width")
	n, _ := strconv.Atoi(w)
	if min := int(39 * fullWidth); n < min {
		t.Errorf("width %d too small for the message (> %d)", n, min)
	}
	if !bytes.Contains(svg, []byte(`fill="#1f2328"`)) {
		t.Errorf("amber should use dark text")
	}
}

func TestRenderDefaults(t *testing.T) {
	p := parse(t, Render("", "", rag.Grey, "fr"))
	if len(p.texts) != 1 || p.texts[0] != "Pas encore de suivi" {
		t.Errorf("empty message should name the light: %q", p.texts)
	}
	if v, _ := attr(p.root, "aria-label"); v != "Pas encore de suivi" {
		t.Errorf("aria-label = %q", v)
	}
	p = parse(t, Render("x", "y", rag.Light("purple"), "de"))
	if v, _ := attr(p.root, "lang"); v != "en" {
		t.Errorf("unsupported lang gave %q", v)
	}
}

func TestRenderDeterministic(t *testing.T) {
	a := Render("OGP C02", "At risk · Limited", rag.Amber, "en")
	for range 5 {
		if b := Render("OGP C02", "At risk · Limited", rag.Amber, "en"); !bytes.Equal(a, b) {
			t.Fatal("output differs between calls")
		}
	}
}

// luminance is the WCAG relative luminance of a #rgb or #rrggbb colour.
func luminance(t *testing.T, hex string) float64 {
	t.Helper()
	h := strings.TrimPrefix(hex, "#")
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil || len(h) != 6 {
		t.Fatalf("bad colour %q", hex)
	}
	ch := func(c uint64) float64 {
		s := float64(c) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(v>>16&0xff) + 0.7152*ch(v>>8&0xff) + 0.0722*ch(v&0xff)
}

func TestContrast(t *testing.T) {
	check := func(name, bg, fg string) {
		a, b := luminance(t, bg), luminance(t, fg)
		ratio := (math.Max(a, b) + 0.05) / (math.Min(a, b) + 0.05)
		if ratio < 4.5 {
			t.Errorf("%s: %s on %s has contrast %.2f, want >= 4.5", name, fg, bg, ratio)
		}
	}
	for _, l := range []rag.Light{rag.Green, rag.Amber, rag.Red, rag.Grey} {
		bg, fg := Colours(l)
		check(string(l), bg, fg)
	}
	bg, fg := LabelColours()
	check("label", bg, fg)
}

func FuzzRender(f *testing.F) {
	f.Add("OGP commitment C01", "On track", "en")
	f.Add("<a href='x'>&amp;</a>", "\xff\x00\u202e", "zh")
	f.Add(strings.Repeat("é", 60), strings.Repeat("中\u0301", 60), "fr")
	f.Fuzz(func(t *testing.T, label, message, lang string) {
		svg := Render(label, message, rag.Red, lang)
		if !utf8.Valid(svg) {
			t.Fatal("invalid UTF-8")
		}
		dec := xml.NewDecoder(bytes.NewReader(svg))
		for {
			_, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("not well-formed: %v", err)
			}
		}
	})
}

func TestCleanKeepsOtherSpaces(t *testing.T) {
	if got := clean("45\u202f% achevé"); got != "45\u202f% achevé" {
		t.Errorf("narrow no-break space lost: %q", got)
	}
	if got := clean("a\u00a0 b"); got != "a\u00a0 b" {
		t.Errorf("no-break space lost: %q", got)
	}
	if got := clean("\uFFFD ok"); got != "\uFFFD ok" {
		t.Errorf("literal replacement character changed: %q", got)
	}
}
