// Package search turns question and answer text into terms a document store
// can index, so that a search finds partial Chinese words as well as English
// and French words. MongoDB's text indexes split on spaces, which Chinese
// does not have; here a run of Han (or kana, or Hangul) characters is indexed
// as its single characters and its overlapping pairs, the usual bigram
// approach of CJK search engines, and other scripts by words with case and
// accents folded ("Développement" is found by "developpement").
package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// MaxQuery bounds a query, in characters.
const MaxQuery = 200

// Normalize folds s for matching: compatibility forms (full-width letters
// become ASCII), lower case, and no combining accents.
func Normalize(s string) string {
	t := transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

// cjk reports whether r is written without spaces between words.
func cjk(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Bopomofo)
}

// segments splits normalized text into CJK runs and words.
func segments(s string, each func(run string, isCJK bool)) {
	start, kind := -1, false
	flush := func(end int) {
		if start >= 0 {
			each(s[start:end], kind)
			start = -1
		}
	}
	for i, r := range s {
		switch {
		case cjk(r):
			if start >= 0 && !kind {
				flush(i)
			}
			if start < 0 {
				start, kind = i, true
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if start >= 0 && kind {
				flush(i)
			}
			if start < 0 {
				start, kind = i, false
			}
		default:
			flush(i)
		}
	}
	flush(len(s))
}

// Terms are the index terms of texts: every word, and every character and
// pair of characters of each CJK run, each once.
func Terms(texts ...string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	for _, text := range texts {
		segments(Normalize(text), func(run string, isCJK bool) {
			if !isCJK {
				add(run)
				return
			}
			prev := ""
			for _, r := range run {
				c := string(r)
				add(c)
				if prev != "" {
					add(prev + c)
				}
				prev = c
			}
		})
	}
	return out
}

// Query is a parsed search: Terms narrow the candidates through the index;
// a candidate matches when its folded text contains every Phrase (a CJK run
// of the query must appear whole, not just its pairs somewhere) and every
// word as a word.
type Query struct {
	Terms   []string
	phrases []string
	words   []string
}

// Parse reads a user's query. It is empty when the query has nothing to
// search for.
func Parse(q string) Query {
	var out Query
	seen := map[string]bool{}
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			out.Terms = append(out.Terms, t)
		}
	}
	segments(Normalize(q), func(run string, isCJK bool) {
		if !isCJK {
			add(run)
			out.words = append(out.words, run)
			return
		}
		out.phrases = append(out.phrases, run)
		if utf8.RuneCountInString(run) == 1 {
			add(run)
			return
		}
		prev := ""
		for _, r := range run {
			c := string(r)
			if prev != "" {
				add(prev + c)
			}
			prev = c
		}
	})
	return out
}

// Empty reports whether q has no terms.
func (q Query) Empty() bool { return len(q.Terms) == 0 }

// Matches reports whether texts, together, contain the whole query.
func (q Query) Matches(texts ...string) bool {
	var folded []string
	words := map[string]bool{}
	for _, t := range texts {
		n := Normalize(t)
		folded = append(folded, n)
		segments(n, func(run string, isCJK bool) {
			if !isCJK {
				words[run] = true
			}
		})
	}
	for _, w := range q.words {
		if !words[w] {
			return false
		}
	}
	for _, p := range q.phrases {
		found := false
		for _, f := range folded {
			if strings.Contains(f, p) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
