package badge

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

const (
	// fullWidth is the advance of a CJK or other full-width character at
	// 11 px: those fonts set them on a square em.
	fullWidth = 11.0
	// otherWidth is used for characters we have no metrics for (Greek,
	// Cyrillic, symbols...). It sits a little above Verdana's mean letter
	// advance (about 6.6 px) so unknown text tends to get room to spare.
	otherWidth = 7.0
)

// TextWidth estimates the rendered width in pixels of s in Verdana 11 px:
// per-character advances for ASCII, full width for CJK and other East Asian
// wide characters, zero for combining marks and invisible format characters,
// the base letter's advance for accented Latin letters, and an average for the
// rest. The SVG also sets textLength, so a small error only stretches or
// squeezes the spacing slightly rather than overflowing.
func TextWidth(s string) float64 {
	var w float64
	for _, r := range s {
		w += runeWidth(r)
	}
	return w
}

func runeWidth(r rune) float64 {
	if r < utf8.RuneSelf {
		return asciiWidth(r)
	}
	if zeroWidth(r) {
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return fullWidth
	case width.EastAsianHalfwidth:
		return fullWidth / 2
	}
	// Scripts that are full width even where the width table is silent
	// (for example code points newer than the table).
	if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
		return fullWidth
	}
	// "é" is as wide as "e": measure the base of the canonical decomposition.
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	if d := norm.NFD.Properties(buf[:n]).Decomposition(); len(d) > 0 && d[0] < utf8.RuneSelf {
		return asciiWidth(rune(d[0]))
	}
	return otherWidth
}

// zeroWidth reports characters that take no room of their own: non-spacing
// and enclosing combining marks, format characters (zero-width joiner, soft
// hyphen, direction marks), variation selectors, and the Hangul jamo vowels
// and finals that join the leading consonant before them.
func zeroWidth(r rune) bool {
	switch {
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return true
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF:
		return true
	case r >= 0x1160 && r <= 0x11FF, r >= 0xD7B0 && r <= 0xD7FF:
		return true
	}
	return false
}

// asciiWidth is Verdana's advance width for each printable ASCII character
// at 11 px (font units / 2048 * 11, rounded to 0.01 px), the measure
// shields.io badges are laid out with. Control characters take no room.
func asciiWidth(r rune) float64 {
	switch r {
	case 'i', 'l':
		return 3.02
	case '\'':
		return 2.95
	case 'j':
		return 3.79
	case ' ', 'f':
		return 3.87
	case ',', '.':
		return 4.00
	case '!', 't':
		return 4.33
	case 'I':
		return 4.63
	case 'r':
		return 4.69
	case '(', ')', '-', '/', ':', ';', '[', '\\', ']', '|', 'J':
		return 5.00
	case '"':
		return 5.05
	case 'c', 's':
		return 5.73
	case 'z':
		return 5.78
	case '?':
		return 6.00
	case 'L':
		return 6.12
	case 'F':
		return 6.32
	case 'k', 'v', 'x', 'y':
		return 6.51
	case 'e':
		return 6.55
	case 'a':
		return 6.61
	case 'P':
		return 6.63
	case 'o':
		return 6.68
	case 'Y':
		return 6.77
	case 'T':
		return 6.78
	case 'b', 'd', 'g', 'p', 'q':
		return 6.85
	case 'E', 'h', 'n', 'u':
		return 6.96
	case '{', '}':
		return 6.98
	case '$', '*', '_', '`', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return 6.99
	case 'A', 'S', 'V':
		return 7.52
	case 'B', 'X', 'Z':
		return 7.54
	case 'K':
		return 7.62
	case 'R':
		return 7.65
	case 'C':
		return 7.68
	case '&':
		return 7.99
	case 'U':
		return 8.05
	case 'N':
		return 8.23
	case 'H':
		return 8.27
	case 'D':
		return 8.48
	case 'G':
		return 8.53
	case 'O', 'Q':
		return 8.66
	case '#', '+', '<', '=', '>', '^', 'w', '~':
		return 9.00
	case 'M':
		return 9.27
	case 'm':
		return 10.70
	case 'W':
		return 10.88
	case '@':
		return 11.00
	case '%':
		return 11.84
	}
	return 0
}
