package render

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// zipTime is every part's timestamp, so the same document gives the same bytes.
var zipTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

const (
	nsW   = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	nsR   = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	relHL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
)

const contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/></Types>`

const rootRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`

func styleXML(id, name string, size, before int, bold bool) string {
	b := ""
	if bold {
		b = "<w:b/>"
	}
	return fmt.Sprintf(`<w:style w:type="paragraph" w:styleId="%s"><w:name w:val="%s"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="%d" w:after="120"/><w:outlineLvl w:val="%d"/></w:pPr><w:rPr>%s<w:sz w:val="%d"/></w:rPr></w:style>`,
		id, name, before, int(id[len(id)-1]-'1'), b, size)
}

var stylesXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="` + nsW + `"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Calibri" w:hAnsi="Calibri" w:eastAsia="Calibri" w:cs="Calibri"/><w:sz w:val="22"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="120"/></w:pPr></w:pPrDefault></w:docDefaults>` +
	`<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>` +
	styleXML("Heading1", "heading 1", 36, 240, true) + styleXML("Heading2", "heading 2", 30, 240, true) +
	styleXML("Heading3", "heading 3", 26, 200, true) + styleXML("Heading4", "heading 4", 23, 160, true) +
	`<w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/><w:basedOn w:val="Normal"/><w:pPr><w:ind w:left="720"/></w:pPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Caption"><w:name w:val="caption"/><w:basedOn w:val="Normal"/><w:rPr><w:b/></w:rPr></w:style>` +
	`<w:style w:type="character" w:styleId="Hyperlink"><w:name w:val="Hyperlink"/><w:rPr><w:color w:val="0563C1"/><w:u w:val="single"/></w:rPr></w:style>` +
	`<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="555555"/><w:left w:val="single" w:sz="4" w:space="0" w:color="555555"/><w:bottom w:val="single" w:sz="4" w:space="0" w:color="555555"/><w:right w:val="single" w:sz="4" w:space="0" w:color="555555"/><w:insideH w:val="single" w:sz="4" w:space="0" w:color="555555"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="555555"/></w:tblBorders></w:tblPr></w:style></w:styles>`

// docxWriter builds word/document.xml and its hyperlink relationships.
type docxWriter struct {
	b    bytes.Buffer
	rels []string
	lang string
}

func (w *docxWriter) esc(s string) {
	_ = xml.EscapeText(&w.b, []byte(s))
}

func (w *docxWriter) run(s Span) {
	lines := strings.Split(strings.ReplaceAll(s.Text, "\r", ""), "\n")
	w.b.WriteString("<w:r>")
	if s.Strong || s.Href != "" {
		w.b.WriteString("<w:rPr>")
		if s.Href != "" {
			w.b.WriteString(`<w:rStyle w:val="Hyperlink"/>`)
		}
		if s.Strong {
			w.b.WriteString("<w:b/>")
		}
		w.b.WriteString("</w:rPr>")
	}
	for i, l := range lines {
		if i > 0 {
			w.b.WriteString("<w:br/>")
		}
		w.b.WriteString(`<w:t xml:space="preserve">`)
		w.esc(l)
		w.b.WriteString("</w:t>")
	}
	w.b.WriteString("</w:r>")
}

func (w *docxWriter) spans(spans []Span) {
	for _, s := range spans {
		if s.Href == "" {
			w.run(s)
			continue
		}
		w.rels = append(w.rels, s.Href)
		fmt.Fprintf(&w.b, `<w:hyperlink r:id="rIdL%d">`, len(w.rels))
		w.run(s)
		w.b.WriteString("</w:hyperlink>")
	}
}

func (w *docxWriter) para(style string, spans []Span) {
	w.b.WriteString("<w:p>")
	if style != "" {
		fmt.Fprintf(&w.b, `<w:pPr><w:pStyle w:val="%s"/></w:pPr>`, style)
	}
	w.spans(spans)
	w.b.WriteString("</w:p>")
}

func (w *docxWriter) table(bl Block) {
	if bl.Caption != "" {
		w.para("Caption", txt(bl.Caption))
	}
	cols := len(bl.Head)
	width := 9000 / max(cols, 1)
	w.b.WriteString(`<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="5000" w:type="pct"/>`)
	if bl.Caption != "" {
		w.b.WriteString(`<w:tblCaption w:val="`)
		w.esc(bl.Caption)
		w.b.WriteString(`"/>`)
	}
	w.b.WriteString(`</w:tblPr><w:tblGrid>`)
	for range cols {
		fmt.Fprintf(&w.b, `<w:gridCol w:w="%d"/>`, width)
	}
	w.b.WriteString(`</w:tblGrid><w:tr><w:trPr><w:tblHeader/></w:trPr>`)
	for _, h := range bl.Head {
		w.cell(width, []Span{{Text: h, Strong: true}})
	}
	w.b.WriteString("</w:tr>")
	for _, r := range bl.Rows {
		w.b.WriteString("<w:tr>")
		for i := range cols {
			var c []Span
			if i < len(r) {
				c = r[i]
			}
			if bl.RowHeads && i == 0 {
				c = strongAll(c)
			}
			w.cell(width, c)
		}
		w.b.WriteString("</w:tr>")
	}
	w.b.WriteString("</w:tbl>")
}

func strongAll(c []Span) []Span {
	out := make([]Span, len(c))
	for i, s := range c {
		s.Strong = true
		out[i] = s
	}
	return out
}

func (w *docxWriter) cell(width int, spans []Span) {
	fmt.Fprintf(&w.b, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/></w:tcPr>`, width)
	w.para("", spans)
	w.b.WriteString("</w:tc>")
}

// DOCX writes d as an Office Open XML word-processing package, built by hand:
// [Content_Types].xml, _rels/.rels, word/document.xml (headings in the
// Heading styles), word/styles.xml and word/_rels/document.xml.rels for
// links. Parts are stored in a fixed order with fixed times.
func DOCX(out io.Writer, d Document, generated string) error {
	w := &docxWriter{lang: d.Lang}
	w.b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n")
	fmt.Fprintf(&w.b, `<w:document xmlns:w="%s" xmlns:r="%s"><w:body>`, nsW, nsR)
	for _, bl := range d.Blocks {
		switch bl.Kind {
		case Heading:
			w.para(fmt.Sprintf("Heading%d", bl.Level), bl.Spans)
		case Para:
			w.para("", bl.Spans)
		case List:
			for _, it := range bl.Items {
				w.para("ListParagraph", it)
			}
		case Table:
			w.table(bl)
		}
	}
	w.para("", txt(generated))
	fmt.Fprintf(&w.b, `<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="708" w:footer="708" w:gutter="0"/></w:sectPr></w:body></w:document>`)
	var rels bytes.Buffer
	rels.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>`)
	for i, href := range w.rels {
		fmt.Fprintf(&rels, `<Relationship Id="rIdL%d" Type="%s" Target="`, i+1, relHL)
		_ = xml.EscapeText(&rels, []byte(href))
		rels.WriteString(`" TargetMode="External"/>`)
	}
	rels.WriteString("</Relationships>")
	// w:lang follows w:sz in a run's properties (CT_RPr order).
	styles := strings.Replace(stylesXML, `<w:sz w:val="22"/></w:rPr></w:rPrDefault>`, fmt.Sprintf(`<w:sz w:val="22"/><w:lang w:val="%s"/></w:rPr></w:rPrDefault>`, langAttr(d.Lang)), 1)
	zw := zip.NewWriter(out)
	for _, part := range []struct {
		name string
		data []byte
	}{
		{"[Content_Types].xml", []byte(contentTypes)},
		{"_rels/.rels", []byte(rootRels)},
		{"word/document.xml", w.b.Bytes()},
		{"word/styles.xml", []byte(styles)},
		{"word/_rels/document.xml.rels", rels.Bytes()},
	} {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: part.name, Method: zip.Deflate, Modified: zipTime})
		if err != nil {
			return fmt.Errorf("docx %s: %w", part.name, err)
		}
		if _, err := f.Write(part.data); err != nil {
			return fmt.Errorf("docx %s: %w", part.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("docx: %w", err)
	}
	return nil
}

func langAttr(tag string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(tag))
	return b.String()
}
