package badge

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// clean makes s safe to measure and to put in XML: invalid UTF-8 becomes
// U+FFFD, control characters (tabs, newlines) become spaces because a badge
// is one line, runs of spaces shrink to one and the ends are trimmed, and
// characters XML 1.0 forbids or that can reorder the text on screen
// (bidirectional overrides and isolates) are dropped. Other spaces, such as
// the no-break space French puts before "%", are kept.
func clean(s string) string {
	if plain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s { // invalid bytes arrive as utf8.RuneError, U+FFFD
		switch {
		case r == ' ' || unicode.IsControl(r):
			space = b.Len() > 0
			continue
		case dropped(r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

func dropped(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 || r == 0xFFFE || r == 0xFFFF
}

// plain reports text that clean would return unchanged, which most labels
// are, so they skip the copy.
func plain(s string) bool {
	for i, r := range s {
		switch {
		case r == ' ':
			if i == 0 || i == len(s)-1 || s[i+1] == ' ' {
				return false
			}
		case r == utf8.RuneError, unicode.IsControl(r), dropped(r):
			return false
		}
	}
	return true
}

// extends reports whether r belongs to the character before it rather than
// starting a new one: combining marks, variation selectors, emoji skin-tone
// modifiers, emoji tag characters and the zero-width joiner. This covers the
// clusters we can easily detect without the full Unicode segmentation rules.
func extends(r rune) bool {
	switch {
	case r < 0x300: // below the first combining mark: the common case
		return false
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc):
		return true
	case r == 0x200D: // zero-width joiner
		return true
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF: // variation selectors
		return true
	case r >= 0x1F3FB && r <= 0x1F3FF: // skin-tone modifiers
		return true
	case r >= 0xE0020 && r <= 0xE007F: // tag characters of flag sequences
		return true
	}
	return false
}

func regionalIndicator(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }

// nextCluster returns the byte length of the user-perceived character at
// the start of s: a base rune with its combining marks, an emoji joined with
// ZWJ, or a pair of regional indicators (a flag).
func nextCluster(s string) int {
	r, n := utf8.DecodeRuneInString(s)
	i := n
	prev := r
	riPaired := false
	for i < len(s) {
		next, m := utf8.DecodeRuneInString(s[i:])
		switch {
		case extends(next):
		case prev == 0x200D: // the rune after a joiner joins the cluster
		case regionalIndicator(prev) && regionalIndicator(next) && !riPaired && i == n:
			riPaired = true
		default:
			return i
		}
		i += m
		prev = next
	}
	return i
}

// truncate cuts s to at most max characters (clusters, never bytes or half a
// cluster), ending with "…" when it had to cut.
func truncate(s string, max int) string {
	// There are never more clusters than runes, so short text needs no
	// segmenting.
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	count, cut := 0, 0
	for i := 0; i < len(s); {
		if count == max-1 {
			cut = i
		}
		i += nextCluster(s[i:])
		count++
		if count > max {
			return s[:cut] + "…"
		}
	}
	return s
}

// escape appends s as XML character data or attribute value.
func escape(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&quot;"
		case '\'':
			esc = "&apos;"
		default:
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, esc...)
		last = i + 1
	}
	return append(b, s[last:]...)
}
