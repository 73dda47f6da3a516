package deadline

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// text is deadline words folded for matching (lower case, no accents, one
// kind of apostrophe, hyphen and space), with a map back to the original so
// that a note can quote the plan's own words rather than the folded form.
type text struct {
	orig string
	s    string
	from []int // from[i]: byte offset in orig of the rune that produced s[i]
	to   []int // to[i]: end of that rune in orig
}

func fold(orig string) text {
	t := text{orig: orig}
	b := make([]byte, 0, len(orig))
	space := true // drops leading spaces and collapses runs
	for i := 0; i < len(orig); {
		r, size := utf8.DecodeRuneInString(orig[i:])
		piece := foldRune(r)
		switch {
		case piece == " " && space:
			i += size
			continue
		case piece == " ":
			space = true
		case piece != "":
			space = false
		}
		for range len(piece) {
			t.from = append(t.from, i)
			t.to = append(t.to, i+size)
		}
		b = append(b, piece...)
		i += size
	}
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	t.from, t.to = t.from[:len(b)], t.to[:len(b)]
	// Links carry digits that look like years; they never hold the deadline.
	for _, loc := range urlRE.FindAllIndex(b, -1) {
		for j := loc[0]; j < loc[1]; j++ {
			b[j] = ' '
		}
	}
	t.s = string(b)
	return t
}

func foldRune(r rune) string {
	if r < utf8.RuneSelf {
		if unicode.IsSpace(r) {
			return " "
		}
		if r == '`' {
			return "'"
		}
		return string(unicode.ToLower(r))
	}
	switch r {
	case '\u2019', '\u2018', '\u02bc', '\u2032', '\u00b4', '\uff07':
		return "'"
	case '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212', '\ufe63', '\uff0d':
		return "-"
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad':
		return ""
	}
	if unicode.IsSpace(r) {
		return " "
	}
	if unicode.Is(unicode.Mn, r) {
		return ""
	}
	var b strings.Builder
	for _, c := range norm.NFD.String(width.Narrow.String(string(r))) {
		if !unicode.Is(unicode.Mn, c) {
			b.WriteRune(unicode.ToLower(c))
		}
	}
	return b.String()
}

// quote returns the original words behind s[a:b].
func (t text) quote(a, b int) string {
	if a < 0 || b > len(t.s) || a >= b {
		return ""
	}
	return strings.TrimSpace(t.orig[t.from[a]:t.to[b-1]])
}

// short quotes the whole of the original words, cut to a readable length.
func short(orig string) string {
	s := strings.Join(strings.Fields(orig), " ")
	if utf8.RuneCountInString(s) <= 80 {
		return s
	}
	r := []rune(s)
	return string(r[:77]) + "…"
}
