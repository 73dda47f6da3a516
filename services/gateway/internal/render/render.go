// Package render holds the gateway's HTML templates and stylesheet and the
// page data every template sees: the reader's language, the interface texts,
// the language switcher and the content-language picker with its fallback
// note. Templates are html/template, so every value is escaped in context;
// nothing user-written is ever marked safe.
package render

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kept-ogp/kept/services/gateway/internal/i18n"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/*
var staticFS embed.FS

// Static is the stylesheet and other static files, served under /static/.
func Static() fs.FS {
	sub, _ := fs.Sub(staticFS, "static")
	return sub
}

// Renderer renders named pages inside the shared layout.
type Renderer struct {
	pages map[string]*template.Template
}

var funcs = template.FuncMap{
	"date": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			if v.IsZero() {
				return ""
			}
			return v.UTC().Format("2006-01-02")
		case *time.Time:
			if v == nil || v.IsZero() {
				return ""
			}
			return v.UTC().Format("2006-01-02")
		case string:
			return v
		}
		return ""
	},
	"datetime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"join":     strings.Join,
	"add":      func(a, b int) int { return a + b },
	"list":     func(xs ...string) []string { return xs },
	// pct rounds a percentage to the nearest ten, for the bar's CSS class
	// (the CSP forbids inline styles).
	"arr":   func(xs ...any) []any { return xs },
	"deref": func(b *bool) bool { return b != nil && *b },
	"deref_s": func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	},
	"pct": func(n int) int {
		if n < 0 {
			n = 0
		}
		if n > 100 {
			n = 100
		}
		return (n + 5) / 10 * 10
	},
}

// New parses every page with the layout.
func New() (*Renderer, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	entries, err := fs.ReadDir(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	r := &Renderer{pages: map[string]*template.Template{}}
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, "templates/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", e.Name(), err)
		}
		r.pages[name] = t
	}
	return r, nil
}

// Page is what every template gets; Data is the page's own.
type Page struct {
	Lang      string
	Title     string
	Path      string // the request path, for the language switcher
	Query     url.Values
	CSRF      string
	User      string // the signed-in staff member's name, "" for the public
	Console   bool
	Flash     string
	Errors    []string
	Data      any
	Canonical string
}

// T returns an interface text.
func (p *Page) T(key string) string { return i18n.T(p.Lang, key) }

// Tf formats an interface text.
func (p *Page) Tf(key string, args ...any) string { return fmt.Sprintf(i18n.T(p.Lang, key), args...) }

// Picked is a content text in the language it was found in.
type Picked struct {
	Text     string
	Lang     string // the HTML lang of the text
	Fallback bool
	Note     string // the visible note when the text falls back
}

// Pick chooses the text of values for the reader, noting a fallback.
func (p *Page) Pick(values map[string]string, planLangs []string) Picked {
	text, used, fb := i18n.Pick(values, p.Lang, planLangs)
	pk := Picked{Text: text, Lang: i18n.HTMLLang(used), Fallback: fb && text != ""}
	if pk.Fallback {
		pk.Note = fmt.Sprintf(i18n.T(p.Lang, "fallback"), i18n.T(p.Lang, "lang."+p.Lang), i18n.T(p.Lang, "lang."+used))
	}
	return pk
}

// LangLink is one entry of the language switcher.
type LangLink struct {
	Lang, Name, URL string
	Current         bool
}

// Languages is the language switcher: the same page in each language.
func (p *Page) Languages() []LangLink {
	var out []LangLink
	for _, l := range i18n.Languages() {
		q := url.Values{}
		for k, v := range p.Query {
			q[k] = v
		}
		q.Set("lang", l)
		out = append(out, LangLink{Lang: l, Name: i18n.T(l, "lang."+l), URL: p.Path + "?" + q.Encode(), Current: l == p.Lang})
	}
	return out
}

// L adds the reader's language to an internal link.
func (p *Page) L(path string) string {
	path, frag, hasFrag := strings.Cut(path, "#")
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	out := path + sep + "lang=" + url.QueryEscape(p.Lang)
	if hasFrag {
		out += "#" + frag
	}
	return out
}

// Execute renders page name into w.
func (r *Renderer) Execute(w io.Writer, name string, p *Page) error {
	t, ok := r.pages[name]
	if !ok {
		return fmt.Errorf("no template %s", name)
	}
	if err := t.ExecuteTemplate(w, "layout.html", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	return nil
}

// SetPageHeaders sets the headers of a rendered page in lang.
func SetPageHeaders(c *gin.Context, lang string) {
	c.Header("Content-Language", lang)
	c.Header("Vary", "Accept-Language, Cookie")
}

// Render writes page name with status.
func (r *Renderer) Render(c *gin.Context, status int, name string, p *Page) {
	t, ok := r.pages[name]
	if !ok {
		c.String(http.StatusInternalServerError, "no template "+name)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		c.Error(err) //nolint:errcheck // recorded for the access log
		c.String(http.StatusInternalServerError, "render error")
		return
	}
	SetPageHeaders(c, p.Lang)
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// Has reports whether a page template exists (tests use it).
func (r *Renderer) Has(name string) bool { _, ok := r.pages[name]; return ok }
