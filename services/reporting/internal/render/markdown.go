package render

import (
	"bufio"
	"io"
	"strings"
)

var mdEscaper = strings.NewReplacer(`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", `\<`, ">", `\>`, "#", `\#`, "|", `\|`, "\r", "")

func mdText(s string) string { return mdEscaper.Replace(s) }

func mdSpans(spans []Span, inTable bool) string {
	var b strings.Builder
	for _, s := range spans {
		t := mdText(s.Text)
		if inTable {
			t = strings.ReplaceAll(t, "\n", "<br>")
		}
		switch {
		case s.Href != "":
			b.WriteString("[" + t + "](<" + strings.NewReplacer(">", "%3E", "<", "%3C", " ", "%20").Replace(s.Href) + ">)")
		case s.Strong && strings.TrimSpace(t) != "":
			// Emphasis must hug its text: spaces go outside the markers.
			core := strings.TrimSpace(t)
			i := strings.Index(t, core)
			b.WriteString(t[:i] + "**" + core + "**" + t[i+len(core):])
		default:
			b.WriteString(t)
		}
	}
	return b.String()
}

// Markdown writes d as CommonMark with tables, ending with its generated-at line.
func Markdown(w io.Writer, d Document, generated string) error {
	bw := bufio.NewWriter(w)
	for _, bl := range d.Blocks {
		switch bl.Kind {
		case Heading:
			bw.WriteString(strings.Repeat("#", bl.Level) + " " + strings.ReplaceAll(mdSpans(bl.Spans, false), "\n", " ") + "\n\n")
		case Para:
			s := mdSpans(bl.Spans, false)
			bw.WriteString(strings.ReplaceAll(s, "\n", "  \n") + "\n\n")
		case List:
			for _, it := range bl.Items {
				bw.WriteString("- " + strings.ReplaceAll(mdSpans(it, false), "\n", "\n  ") + "\n")
			}
			bw.WriteString("\n")
		case Table:
			if bl.Caption != "" {
				bw.WriteString("*" + mdText(bl.Caption) + "*\n\n")
			}
			bw.WriteString("|")
			for _, h := range bl.Head {
				bw.WriteString(" " + mdText(h) + " |")
			}
			bw.WriteString("\n|")
			for range bl.Head {
				bw.WriteString(" --- |")
			}
			bw.WriteString("\n")
			for _, r := range bl.Rows {
				bw.WriteString("|")
				for _, c := range r {
					bw.WriteString(" " + mdSpans(c, true) + " |")
				}
				bw.WriteString("\n")
			}
			bw.WriteString("\n")
		}
	}
	bw.WriteString(mdText(generated) + "\n")
	return bw.Flush()
}
