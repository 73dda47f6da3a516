package render_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kept-ogp/kept/services/reporting/internal/fixture"
	"github.com/kept-ogp/kept/services/reporting/internal/periods"
	"github.com/kept-ogp/kept/services/reporting/internal/readmodel"
	"github.com/kept-ogp/kept/services/reporting/internal/render"
	"github.com/kept-ogp/kept/services/reporting/internal/report"
)

var taipei, _ = time.LoadLocation("Asia/Taipei")

var at1 = time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)

const evil = `<script>alert("x")</script> & **bold** | pipe`

// sample is a small SAR with a disputed update, user text that must be
// escaped and an empty section.
func sample(lang string) render.Report {
	snap := fixture.Synthetic(3, 3, 2, 30)
	at := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	snap.Updates = append(snap.Updates, readmodel.UpdateVersion{ID: "D1@1", UpdateID: "D1", Version: 4, Plan: "bench", Commitment: "C002",
		Item: "C002.2", Level: "milestone", Status: "complete", State: readmodel.StateDisputed, Period: "2025-06",
		Progress: readmodel.Text{"en": "All done " + evil}, Agency: "org-1", At: at.Add(24 * time.Hour),
		Agreements: []readmodel.Agreement{{Side: "government", Member: "gov", At: at}},
		Disputes:   []readmodel.Dispute{{Side: "civil_society", Member: "cso", Reason: readmodel.Text{"en": "Not done at all\nsecond line"}, At: at.Add(24 * time.Hour)}}})
	sec := report.Sections{Introduction: map[string]string{"en": "Intro " + evil, "fr": "Introduction"},
		Commitments: map[string]report.CommitmentSections{"C001": {Problem: map[string]string{"en": "A problem"}, OGPValues: []string{"civic_participation"}}}}
	ps := periods.Default().List(snap.Plan.Start, snap.Plan.End, taipei)
	s := report.BuildSAR(snap, sec, ps, lang, taipei, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	return render.Report{SAR: &s}
}

func renderAll(t *testing.T, r render.Report, at time.Time) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, f := range render.Formats {
		b, err := render.Render(r, f, at, taipei)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[f] = b
	}
	return out
}

var blockTags = map[string]bool{"p": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "li": true,
	"td": true, "th": true, "tr": true, "table": true, "ul": true, "ol": true, "caption": true, "main": true, "body": true, "div": true}

type htmlFacts struct {
	lang      string
	title     string
	text      string
	headings  []string // "h2:text"
	thNoScope int
	tables    int
	captions  int
}

func parseHTML(t *testing.T, b []byte) htmlFacts {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict, d.AutoClose, d.Entity = false, xml.HTMLAutoClose, xml.HTMLEntity
	var f htmlFacts
	var text, cur strings.Builder
	inBody, skip, inHeading, inTitle := false, 0, "", false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("html does not parse: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			n := x.Name.Local
			switch n {
			case "html":
				for _, a := range x.Attr {
					if a.Name.Local == "lang" {
						f.lang = a.Value
					}
				}
			case "body":
				inBody = true
			case "style", "script":
				skip++
			case "title":
				inTitle = true
			case "th":
				scoped := false
				for _, a := range x.Attr {
					if a.Name.Local == "scope" && (a.Value == "col" || a.Value == "row") {
						scoped = true
					}
				}
				if !scoped {
					f.thNoScope++
				}
			case "table":
				f.tables++
			case "caption":
				f.captions++
			}
			if len(n) == 2 && n[0] == 'h' && n[1] >= '1' && n[1] <= '6' {
				inHeading = n
				cur.Reset()
			}
			if inBody && blockTags[n] {
				text.WriteByte(' ')
			}
		case xml.EndElement:
			n := x.Name.Local
			switch n {
			case "style", "script":
				skip--
			case "title":
				inTitle = false
			}
			if n == inHeading {
				f.headings = append(f.headings, n+":"+cur.String())
				inHeading = ""
			}
			if inBody && blockTags[n] {
				text.WriteByte(' ')
			}
		case xml.CharData:
			if inTitle {
				f.title += string(x)
			}
			if inBody && skip == 0 {
				text.Write(x)
				if inHeading != "" {
					cur.Write(x)
				}
			}
		}
	}
	f.text = strings.Join(strings.Fields(text.String()), " ")
	return f
}

func docxText(t *testing.T, b []byte) (string, map[string]bool, []string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("docx is not a zip: %v", err)
	}
	parts := map[string]bool{}
	var doc []byte
	for _, f := range zr.File {
		parts[f.Name] = true
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		if err := xml.Unmarshal(data, new(struct{})); err != nil {
			t.Fatalf("%s is not well-formed XML: %v", f.Name, err)
		}
		if f.Name == "word/document.xml" {
			doc = data
		}
	}
	d := xml.NewDecoder(bytes.NewReader(doc))
	var text strings.Builder
	var styles []string
	inT := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("document.xml: %v", err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			switch x.Name.Local {
			case "t":
				inT = true
			case "br":
				text.WriteByte(' ')
			case "pStyle":
				for _, a := range x.Attr {
					if a.Name.Local == "val" {
						styles = append(styles, a.Value)
					}
				}
			}
		case xml.EndElement:
			switch x.Name.Local {
			case "t":
				inT = false
			case "p":
				text.WriteByte(' ')
			}
		case xml.CharData:
			if inT {
				text.Write(x)
			}
		}
	}
	return strings.Join(strings.Fields(text.String()), " "), parts, styles
}

func TestDOCXIsValidOOXMLWithTheHTMLText(t *testing.T) {
	for _, lang := range []string{"en", "fr"} {
		out := renderAll(t, sample(lang), at1)
		text, parts, styles := docxText(t, out[render.FormatDOCX])
		for _, p := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml", "word/_rels/document.xml.rels"} {
			if !parts[p] {
				t.Fatalf("docx lacks %s", p)
			}
		}
		zr, _ := zip.NewReader(bytes.NewReader(out[render.FormatDOCX]), int64(len(out[render.FormatDOCX])))
		for _, f := range zr.File {
			if f.Name == "word/styles.xml" {
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				for _, want := range []string{`w:styleId="Heading1"`, `w:styleId="Heading4"`, `<w:lang w:val="` + lang + `"/>`} {
					if !bytes.Contains(b, []byte(want)) {
						t.Fatalf("styles.xml lacks %s", want)
					}
				}
			}
		}
		if !strings.Contains(strings.Join(styles, " "), "Heading1") || !strings.Contains(strings.Join(styles, " "), "Heading4") {
			t.Fatalf("headings not in Heading styles: %v", styles)
		}
		h := parseHTML(t, out[render.FormatHTML])
		if text != h.text {
			a, b := text, h.text
			for i := 0; i < len(a) && i < len(b); i++ {
				if a[i] != b[i] {
					lo := max(i-60, 0)
					t.Fatalf("%s: docx and html text differ at %d:\ndocx: %q\nhtml: %q", lang, i, a[lo:min(i+60, len(a))], b[lo:min(i+60, len(b))])
				}
			}
			t.Fatalf("%s: docx and html text differ in length: %d vs %d", lang, len(a), len(b))
		}
	}
}

func TestHTMLIsAccessibleAndEscaped(t *testing.T) {
	for _, r := range []render.Report{sample("en"), sample("fr"), progressSample()} {
		b, err := render.Render(r, render.FormatHTML, at1, taipei)
		if err != nil {
			t.Fatal(err)
		}
		h := parseHTML(t, b)
		if h.lang == "" || h.title == "" {
			t.Fatalf("lang %q title %q", h.lang, h.title)
		}
		ones, prev := 0, 0
		for _, hd := range h.headings {
			lv := int(hd[1] - '0')
			if lv == 1 {
				ones++
			}
			if prev > 0 && lv > prev+1 {
				t.Fatalf("heading %q skips a level after h%d", hd, prev)
			}
			prev = lv
		}
		if ones != 1 || !strings.HasPrefix(h.headings[0], "h1:") {
			t.Fatalf("want exactly one h1, first: %d in %v", ones, h.headings[:3])
		}
		if h.thNoScope != 0 || h.tables == 0 || h.captions != h.tables {
			t.Fatalf("tables %d captions %d header cells without scope %d", h.tables, h.captions, h.thNoScope)
		}
		if bytes.Contains(b, []byte("<script>")) {
			t.Fatal("user text not escaped")
		}
	}
	b, _ := render.Render(sample("en"), render.FormatHTML, at1, taipei)
	if !bytes.Contains(b, []byte(`lang="en"`)) || !strings.Contains(parseHTML(t, b).text, `Intro <script>alert("x")</script>`) {
		t.Fatal("escaped text does not read as written")
	}
	// Levels are words, not colours.
	if lbl := sample("en").SAR.Commitments[0].CompletionLabel; lbl == "" || !strings.Contains(parseHTML(t, b).text, "Completion level "+lbl) {
		t.Fatal("completion level not written as text")
	}
}

func progressSample() render.Report {
	snap := fixture.Synthetic(2, 2, 2, 10)
	ps := periods.Default().List(snap.Plan.Start, snap.Plan.End, taipei)
	p := report.BuildProgress(snap, ps[1], "en", taipei, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	return render.Report{Progress: &p}
}

var commitmentHead = regexp.MustCompile(`^h3:Commitment (\d+) \(([A-Z0-9]+)\): `)

func TestMarkdownAndJSONAgreeWithHTML(t *testing.T) {
	r := sample("en")
	out := renderAll(t, r, at1)
	var js report.SAR
	if err := json.Unmarshal(out[render.FormatJSON], &js); err != nil {
		t.Fatalf("json: %v", err)
	}
	var fromHTML []string
	for _, hd := range parseHTML(t, out[render.FormatHTML]).headings {
		if m := commitmentHead.FindStringSubmatch(hd); m != nil {
			fromHTML = append(fromHTML, m[2])
		}
	}
	htmlText := parseHTML(t, out[render.FormatHTML]).text
	md := string(out[render.FormatMarkdown])
	var fromJSON []string
	for _, c := range js.Commitments {
		fromJSON = append(fromJSON, c.Code)
		head := fmt.Sprintf("### Commitment %d (%s): %s", c.Number, c.Code, c.Title)
		i := strings.Index(md, head)
		if i < 0 {
			t.Fatalf("markdown lacks %q", head)
		}
		row := "| Completion level | **" + c.CompletionLabel + "** |"
		if j := strings.Index(md[i:], row); j < 0 || (c.Number < len(js.Commitments) && j > strings.Index(md[i+1:], "### Commitment")) {
			t.Fatalf("markdown section of %s lacks its level %q", c.Code, row)
		}
		if !strings.Contains(htmlText, fmt.Sprintf("Commitment %d (%s): %s", c.Number, c.Code, c.Title)) ||
			!strings.Contains(htmlText, "Completion level "+c.CompletionLabel) {
			t.Fatalf("html lacks %s at level %s", c.Code, c.CompletionLabel)
		}
		if c.Completion != r.SAR.Commitments[c.Number-1].Completion {
			t.Fatalf("json level %s differs from the model", c.Completion)
		}
	}
	if strings.Join(fromJSON, ",") != strings.Join(fromHTML, ",") || len(fromJSON) != 3 {
		t.Fatalf("json commitments %v, html %v", fromJSON, fromHTML)
	}
	if !strings.Contains(md, `Intro \<script\>alert("x")\</script\> & \*\*bold\*\* \| pipe`) {
		t.Fatal("markdown does not escape user text")
	}
	if !strings.Contains(htmlText, "Not provided.") || !strings.Contains(md, "Not provided.") {
		t.Fatal("empty sections are not shown as not provided")
	}
	if len(js.Disputed) != 1 || !strings.Contains(htmlText, "Disputed by cso") {
		t.Fatal("disputed annex missing")
	}
}

func TestSameDataSameBytesButTheGeneratedLine(t *testing.T) {
	a := renderAll(t, sample("fr"), at1)
	b := renderAll(t, sample("fr"), at1)
	c := renderAll(t, sample("fr"), at1.Add(90*time.Minute))
	for _, f := range render.Formats {
		if !bytes.Equal(a[f], b[f]) {
			t.Fatalf("%s: same data, different bytes", f)
		}
		if f == render.FormatDOCX {
			ta, _, _ := docxText(t, a[f])
			tc, _, _ := docxText(t, c[f])
			if strings.Replace(ta, "2026-12-03 16:00:00", "X", 1) != strings.Replace(tc, "2026-12-03 17:30:00", "X", 1) {
				t.Fatal("docx differs beyond the generated-at line")
			}
			continue
		}
		la, lc := strings.Split(string(a[f]), "\n"), strings.Split(string(c[f]), "\n")
		if len(la) != len(lc) {
			t.Fatalf("%s: line counts differ", f)
		}
		diff := 0
		for i := range la {
			if la[i] != lc[i] {
				diff++
				if !strings.Contains(la[i], "Généré le") {
					t.Fatalf("%s: line %d differs and is not the generated-at line: %q", f, i, la[i])
				}
			}
		}
		if diff != 1 {
			t.Fatalf("%s: %d lines differ, want 1", f, diff)
		}
	}
}
