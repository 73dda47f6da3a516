// Package render turns a report into a document (headings, paragraphs,
// lists and tables) and writes that one document as HTML, Markdown or DOCX,
// so every format says the same thing; JSON is the report itself. Output is a
// pure function of its input and the generated-at time, which appears on one
// line only.
package render

import (
	"fmt"
	"strings"
	"time"
)

// Span is a run of text, a link when Href is set.
type Span struct {
	Text   string
	Href   string
	Strong bool
}

// Kinds of block.
const (
	Heading = iota + 1
	Para
	List
	Table
)

// Block is one heading, paragraph, list or table.
type Block struct {
	Kind  int
	Level int    // headings: 1-4
	Spans []Span // headings and paragraphs
	Items [][]Span
	// Tables: Head names the columns; with RowHeads the first cell of each
	// row heads the row.
	Head     []string
	Rows     [][][]Span
	RowHeads bool
	Caption  string
}

// Document is what every format writes.
type Document struct {
	Lang   string
	Title  string
	Blocks []Block
}

// Generated is the document's one generated-at line.
func Generated(lang string, at time.Time, loc *time.Location) string {
	return fmt.Sprintf("%s %s (%s)", W(lang, "generated"), at.In(loc).Format("2006-01-02 15:04:05"), loc.String())
}

func txt(s string) []Span { return []Span{{Text: s}} }

func (d *Document) h(level int, s string) {
	d.Blocks = append(d.Blocks, Block{Kind: Heading, Level: level, Spans: txt(s)})
}

func (d *Document) p(spans ...Span) {
	d.Blocks = append(d.Blocks, Block{Kind: Para, Spans: spans})
}

func (d *Document) list(items [][]Span) {
	d.Blocks = append(d.Blocks, Block{Kind: List, Items: items})
}

func (d *Document) table(caption string, head []string, rowHeads bool, rows [][][]Span) {
	d.Blocks = append(d.Blocks, Block{Kind: Table, Caption: caption, Head: head, RowHeads: rowHeads, Rows: rows})
}

// PlainText is the document's text, blocks separated by single spaces, for
// comparing formats.
func (d Document) PlainText() string {
	var b strings.Builder
	add := func(spans []Span) {
		for _, s := range spans {
			b.WriteString(s.Text)
		}
		b.WriteByte(' ')
	}
	for _, bl := range d.Blocks {
		switch bl.Kind {
		case Heading, Para:
			add(bl.Spans)
		case List:
			for _, it := range bl.Items {
				add(it)
			}
		case Table:
			add(txt(bl.Caption))
			for _, h := range bl.Head {
				add(txt(h))
			}
			for _, r := range bl.Rows {
				for _, c := range r {
					add(c)
				}
			}
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
