// Package badge draws shields.io-style flat SVG status badges for
// ministries to embed. The message always carries the light in words, so
// colour is never the only signal, and the badge is an accessible image
// (role, aria-label, title, xml:lang).
package badge

import (
	"math"
	"strconv"

	"github.com/kept-ogp/kept/services/dashboards/internal/i18n"
	"github.com/kept-ogp/kept/services/dashboards/internal/rag"
)

const (
	// MaxChars is the longest label or message drawn, in characters; longer
	// text is cut and ends with "…".
	MaxChars = 40
	// maxTitleChars bounds the accessible name, which keeps the full text
	// where it fits so screen-reader users are not left with "…".
	maxTitleChars = 200

	padding    = 6 // on each side of each text
	labelColor = "#3b434b"
	fontFamily = "Verdana,Geneva,DejaVu Sans,sans-serif"
)

// Colours returns the background and text colour for a light. Every pair
// has a contrast ratio of at least 4.5:1 (WCAG AA for small text); amber is
// too light for white text, so it takes dark text instead of being muddied.
func Colours(l rag.Light) (background, text string) {
	switch l {
	case rag.Green:
		return "#1a7f37", "#fff"
	case rag.Amber:
		return "#f0b400", "#1f2328"
	case rag.Red:
		return "#b42318", "#fff"
	}
	return "#57606a", "#fff"
}

// LabelColours is the background and text colour of the left part.
func LabelColours() (background, text string) { return labelColor, "#fff" }

// Render draws the badge. label goes on the grey left part (it may be empty,
// giving a one-part badge); message goes on the part coloured by light, and
// defaults to the light's name in lang when empty. lang is reduced to a
// supported code for xml:lang. The output depends only on the arguments.
func Render(label, message string, light rag.Light, lang string) []byte {
	lang = i18n.Pick(lang)
	label = clean(label)
	message = clean(message)
	if message == "" {
		message = i18n.Label(lang, string(light))
	}
	name := message
	if label != "" {
		name = truncate(label, maxTitleChars) + ": " + truncate(message, maxTitleChars)
	}
	label = truncate(label, MaxChars)
	message = truncate(message, MaxChars)

	labelText, msgText := textLen(label), textLen(message)
	labelW := 0
	if label != "" {
		labelW = labelText + 2*padding
	}
	msgW := msgText + 2*padding
	total := labelW + msgW
	bg, fg := Colours(light)

	b := make([]byte, 0, 640+2*len(name)+len(label)+len(message))
	b = append(b, `<svg xmlns="http://www.w3.org/2000/svg" width="`...)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, `" height="20" viewBox="0 0 `...)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, ` 20" role="img" aria-label="`...)
	b = escape(b, name)
	b = append(b, `" xml:lang="`...)
	b = append(b, lang...) // one of the supported codes, no escaping needed
	b = append(b, `"><title>`...)
	b = escape(b, name)
	b = append(b, `</title>`...)

	// Rounded outer corners without clip paths or ids, so that several
	// badges inlined in one page cannot clash: a rounded message-coloured
	// base, a rounded label part on top, and a square strip that straightens
	// the label's right edge.
	b = rect(b, 0, total, bg, true)
	if labelW > 0 {
		b = rect(b, 0, labelW, labelColor, true)
		b = rect(b, labelW-3, 3, labelColor, false)
	}

	b = append(b, `<g font-family="`+fontFamily+`" font-size="11" text-anchor="middle">`...)
	if labelW > 0 {
		b = text(b, labelW, labelText, "#fff", label)
	}
	b = text(b, 2*labelW+msgW, msgText, fg, message)
	return append(b, `</g></svg>`...)
}

func textLen(s string) int { return int(math.Ceil(TextWidth(s))) }

func rect(b []byte, x, w int, fill string, rounded bool) []byte {
	b = append(b, `<rect`...)
	if x != 0 {
		b = append(b, ` x="`...)
		b = strconv.AppendInt(b, int64(x), 10)
		b = append(b, '"')
	}
	b = append(b, ` width="`...)
	b = strconv.AppendInt(b, int64(w), 10)
	b = append(b, `" height="20"`...)
	if rounded {
		b = append(b, ` rx="3"`...)
	}
	b = append(b, ` fill="`...)
	b = append(b, fill...)
	return append(b, `"/>`...)
}

// text draws one string centred at x2/2 (passed doubled so that it stays an
// integer; the centre is always a whole or half pixel). textLength pins it to the measured
// width, so a fallback font (CJK text is rarely set in Verdana) cannot spill
// over the edge of its part.
func text(b []byte, x2, length int, fill, s string) []byte {
	b = append(b, `<text x="`...)
	b = strconv.AppendInt(b, int64(x2/2), 10)
	if x2%2 == 1 {
		b = append(b, ".5"...)
	}
	b = append(b, `" y="14" fill="`...)
	b = append(b, fill...)
	b = append(b, '"')
	if length > 0 {
		b = append(b, ` textLength="`...)
		b = strconv.AppendInt(b, int64(length), 10)
		b = append(b, '"')
	}
	b = append(b, '>')
	b = escape(b, s)
	return append(b, `</text>`...)
}
