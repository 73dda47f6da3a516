// Package widget renders the HTML status widgets that ministries embed in an
// iframe: one for a commitment, one for a whole action plan.
//
// The pages carry no script and no inline style, so the embed route can send
// a strict CSP (default-src 'none'; style-src 'self'); the stylesheet is CSS(),
// served by the caller at StylesheetPath. All text goes through html/template
// escaping; nothing here is ever marked as trusted HTML.
package widget

import (
	"bytes"
	_ "embed"
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/kept-ogp/kept/services/dashboards/internal/i18n"
	"github.com/kept-ogp/kept/services/dashboards/internal/rag"
)

// StylesheetPath is where the caller serves CSS(); the widgets link to it.
const StylesheetPath = "/embed/widget.css"

// Deadline is one upcoming deadline, with the plan's own words kept.
type Deadline struct {
	Code        string
	Title       string
	Words       string // the plan's words ("By fall 2025")
	Due         string // YYYY-MM-DD or ""
	Approximate bool   // Due was derived from fuzzy words
}

// Counts tallies the parts of a commitment or plan.
type Counts struct {
	ByLight  map[rag.Light]int
	ByStatus map[string]int // "" counts parts with no agreed update
	Total    int
}

// CommitmentView is what the commitment widget shows.
type CommitmentView struct {
	Lang              string
	PlanTitle         string
	Code, Title       string
	TitleFallbackLang string // non-empty when the title is not in Lang
	Light             rag.Result
	Status            string
	Disputed          bool
	Counts            Counts
	PercentComplete   int
	NextDeadlines     []Deadline
	UpdatedAt         time.Time
	PageURL           string // the public commitment page, may be ""
}

// PlanView is what the plan widget shows.
type PlanView struct {
	Lang              string
	PlanID, Title     string
	TitleFallbackLang string
	Light             rag.Result
	Counts            Counts
	PercentComplete   int
	Commitments       []CommitmentRow
	NextDeadlines     []Deadline
	UpdatedAt         time.Time
	PageURL           string
}

// CommitmentRow is one line of the plan widget's commitment table.
type CommitmentRow struct {
	Code, Title     string
	Light           rag.Result
	PercentComplete int
}

//go:embed widget.tmpl
var templateText string

//go:embed widget.css
var stylesheet []byte

// pages is parsed once at start-up and only read afterwards; html/template
// is safe for concurrent use.
var pages = template.Must(template.New("widget").Parse(templateText))

// CSS returns the widgets' stylesheet (a fresh copy, so callers cannot
// change what others are served).
func CSS() []byte { return bytes.Clone(stylesheet) }

// RenderCommitment renders the commitment widget as a full HTML document.
func RenderCommitment(v CommitmentView) ([]byte, error) {
	p := newPage(v.Lang, v.Title, v.TitleFallbackLang, v.Light, v.Counts, v.PercentComplete, v.NextDeadlines, v.UpdatedAt, v.PageURL)
	p.Code = v.Code
	p.Context = v.PlanTitle
	p.Disputed = v.Disputed
	p.Status = p.statusLabel(v.Status)
	p.DocTitle = v.Title
	if v.Code != "" {
		p.DocTitle = v.Code + " – " + v.Title
	}
	return render("commitment", p)
}

// RenderPlan renders the plan widget as a full HTML document.
func RenderPlan(v PlanView) ([]byte, error) {
	p := newPage(v.Lang, v.Title, v.TitleFallbackLang, v.Light, v.Counts, v.PercentComplete, v.NextDeadlines, v.UpdatedAt, v.PageURL)
	p.DocTitle = v.Title
	if p.DocTitle == "" {
		p.DocTitle = p.T(i18n.KeyActionPlan)
	}
	for _, c := range v.Commitments {
		p.Rows = append(p.Rows, row{
			Code:    c.Code,
			Title:   c.Title,
			Light:   p.light(c.Light, false),
			Percent: i18n.Percent(p.Lang, clampPercent(c.PercentComplete)),
		})
	}
	return render("plan", p)
}

func render(name string, p *page) ([]byte, error) {
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, name, p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// page is the template's view: every word already in p.Lang, every value
// already checked, so the template only places text.
type page struct {
	Lang         string
	Stylesheet   string
	DocTitle     string
	Context      string
	Code         string
	Title        string
	TitleLang    string
	FallbackNote string
	Light        lightView
	Status       string
	Disputed     bool
	Percent      int
	PercentText  string
	HasCounts    bool
	LightRows    []countRow
	StatusRows   []countRow
	Total        int
	Rows         []row
	Deadlines    []deadline
	UpdatedISO   string
	UpdatedText  string
	PageURL      string
}

type lightView struct{ Class, Label, Reason string }

type countRow struct {
	Light lightView
	Label string
	N     int
}

type row struct {
	Code, Title string
	Light       lightView
	Percent     string
}

type deadline struct {
	Code, Title, Words string
	Date, DateText     string
	Approximate        bool
}

// T is the interface label for key in the page's language.
func (p *page) T(key string) string { return i18n.Label(p.Lang, key) }

func newPage(lang, title, fallbackLang string, light rag.Result, counts Counts, percent int, deadlines []Deadline, updated time.Time, pageURL string) *page {
	p := &page{Lang: i18n.Pick(lang), Stylesheet: StylesheetPath, Title: title}
	if fallbackLang != "" && langAttr(fallbackLang) != p.Lang {
		p.TitleLang = langAttr(fallbackLang)
		p.FallbackNote = i18n.FallbackNote(p.Lang, fallbackLang)
	}
	p.Light = p.light(light, true)
	p.Percent = clampPercent(percent)
	p.PercentText = i18n.Percent(p.Lang, p.Percent)

	p.Total = counts.Total
	p.HasCounts = counts.Total > 0 || len(counts.ByLight) > 0 || len(counts.ByStatus) > 0
	// Fixed order, never map order, so the same view gives the same bytes.
	for _, l := range []rag.Light{rag.Green, rag.Amber, rag.Red, rag.Grey} {
		p.LightRows = append(p.LightRows, countRow{Light: p.light(rag.Result{Light: l}, false), N: counts.ByLight[l]})
	}
	for _, s := range []string{rag.NotStarted, rag.Limited, rag.Substantial, rag.Complete, ""} {
		p.StatusRows = append(p.StatusRows, countRow{Label: p.statusLabel(s), N: counts.ByStatus[s]})
	}

	for _, d := range deadlines {
		dv := deadline{Code: d.Code, Title: d.Title, Words: d.Words, Approximate: d.Approximate}
		if t, err := time.Parse(time.DateOnly, strings.TrimSpace(d.Due)); err == nil {
			dv.Date = t.Format(time.DateOnly)
			dv.DateText = i18n.FormatDate(p.Lang, t)
		}
		p.Deadlines = append(p.Deadlines, dv)
	}

	if !updated.IsZero() {
		// UTC, so the page does not depend on the server's zone.
		u := updated.UTC()
		p.UpdatedISO = u.Format(time.RFC3339)
		p.UpdatedText = i18n.FormatDate(p.Lang, u)
	}
	p.PageURL = safeURL(pageURL)
	return p
}

func (p *page) light(r rag.Result, withReason bool) lightView {
	l := r.Light
	switch l {
	case rag.Green, rag.Amber, rag.Red:
	default:
		l = rag.Grey
	}
	v := lightView{Class: string(l), Label: p.T(string(l))}
	if withReason && r.Reason != "" {
		if s := p.T("reason." + r.Reason); s != "reason."+r.Reason {
			v.Reason = s
		}
	}
	return v
}

func (p *page) statusLabel(s string) string {
	switch s {
	case rag.NotStarted, rag.Limited, rag.Substantial, rag.Complete:
		return p.T(s)
	}
	return p.T(i18n.KeyNoStatus)
}

func clampPercent(n int) int { return max(0, min(100, n)) }

// langAttr gives a value for a lang attribute: the supported code when
// there is one, else the tag if it is shaped like a language tag, else ""
// (better no lang than a wrong one).
func langAttr(tag string) string {
	if c, ok := i18n.Canonical(tag); ok {
		return c
	}
	if tag == "" || len(tag) > 35 {
		return ""
	}
	for _, r := range tag {
		if !(r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return ""
		}
	}
	return tag
}

// safeURL keeps only absolute http(s) links or site-relative paths; the
// template would neutralise other schemes anyway, but a dead "#ZgotmplZ"
// link helps nobody.
func safeURL(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	switch {
	case u.Scheme == "https" || u.Scheme == "http":
		if u.Host == "" {
			return ""
		}
	case u.Scheme == "" && u.Host == "" && strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//"):
	default:
		return ""
	}
	return s
}
