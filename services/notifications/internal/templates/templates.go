// Package templates renders notification mail in each configured language
// from embedded catalogs: a plain-text part (text/template) and an HTML part
// (html/template, which escapes every value).
package templates

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
)

//go:embed files
var files embed.FS

// Fallback is the language used when a recipient's is not configured.
const Fallback = "en"

// Kinds of mail.
const (
	SLAWarning          = "sla_warning"
	SLABreach           = "sla_breach"
	Answered            = "answered"
	UpdateAgreed        = "update_agreed"
	ConsultationOpened  = "consultation_opened"
	UpdateDisputed      = "update_disputed"
	SubscriptionConfirm = "subscription_confirm"
	AskerConfirm        = "asker_confirm"
)

// Footers say why the recipient gets the mail.
const (
	FooterSubscriber = "subscriber"
	FooterContact    = "contact"
	FooterAsker      = "asker"
	FooterConfirm    = "confirm"
)

// Quote keys label a block of user text.
const (
	QuoteQuestion = "question"
	QuoteAnswer   = "answer"
	QuoteProgress = "progress"
	QuoteDispute  = "dispute"
)

// Content is what one mail says; Render turns it into a language's words.
type Content struct {
	Kind string
	// Data fills the catalog's placeholders ({{.Plan}}, {{.DueDay}}, ...).
	Data   map[string]string
	Quotes []Quote
	// Link is the mail's one action.
	Link        string
	Footer      string
	Unsubscribe string // a page where the subscriber can unsubscribe
}

// Quote is user text shown as it was written.
type Quote struct {
	Key  string
	Text string
}

// Rendered is a mail in one language.
type Rendered struct {
	Lang, Subject, Text, HTML string
}

type kind struct {
	Subject string   `json:"subject"`
	Lines   []string `json:"lines"`
	Action  string   `json:"action"`
}

type catalog struct {
	Kinds           map[string]kind   `json:"kinds"`
	Quotes          map[string]string `json:"quotes"`
	Statuses        map[string]string `json:"statuses"`
	Footers         map[string]string `json:"footers"`
	Unsubscribe     string            `json:"unsubscribe"`
	ScopePlan       string            `json:"scope_plan"`
	ScopeCommitment string            `json:"scope_commitment"`
}

// Set holds the catalogs of the configured languages.
type Set struct {
	langs []string
	cats  map[string]*catalog
	html  *htmltemplate.Template
	text  *texttemplate.Template
}

// Load reads the catalogs of langs (every one must exist, and en always
// does) and checks that each has every kind.
func Load(langs []string) (*Set, error) {
	s := &Set{cats: map[string]*catalog{}}
	var err error
	if s.html, err = htmltemplate.ParseFS(files, "files/layout.html"); err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	if s.text, err = texttemplate.ParseFS(files, "files/layout.txt"); err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	if !contains(langs, Fallback) {
		langs = append([]string{Fallback}, langs...)
	}
	for _, l := range langs {
		b, err := files.ReadFile("files/" + l + ".json")
		if err != nil {
			return nil, fmt.Errorf("templates: no catalog for language %q (have en, fr, zh-Hant)", l)
		}
		var c catalog
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("templates: catalog %s: %w", l, err)
		}
		for _, k := range []string{SLAWarning, SLABreach, Answered, UpdateAgreed, UpdateDisputed, SubscriptionConfirm, AskerConfirm, ConsultationOpened} {
			if _, ok := c.Kinds[k]; !ok {
				return nil, fmt.Errorf("templates: catalog %s lacks %s", l, k)
			}
		}
		s.cats[l] = &c
		s.langs = append(s.langs, l)
	}
	return s, nil
}

// Languages returns the configured languages.
func (s *Set) Languages() []string { return append([]string(nil), s.langs...) }

// Match picks the configured language for a BCP 47 tag: exact (any case),
// then by base language ("fr-CA" is fr, "zh-TW" and "zh-Hant-TW" are
// zh-Hant), else en.
func (s *Set) Match(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(strings.ReplaceAll(tag, "_", "-")))
	for _, l := range s.langs {
		if strings.ToLower(l) == tag {
			return l
		}
	}
	base, _, _ := strings.Cut(tag, "-")
	for _, l := range s.langs {
		lb, _, _ := strings.Cut(strings.ToLower(l), "-")
		if lb != base {
			continue
		}
		if base == "zh" && (strings.Contains(tag, "hans") || tag == "zh-cn" || tag == "zh-sg") && strings.Contains(strings.ToLower(l), "hant") {
			continue
		}
		return l
	}
	return Fallback
}

// Status translates an update status.
func (s *Set) Status(lang, status string) string {
	if v := s.cats[s.Match(lang)].Statuses[status]; v != "" {
		return v
	}
	return status
}

// Scope names what a subscription covers: a commitment, or a whole plan
// when commitment is empty.
func (s *Set) Scope(lang, plan, commitment string) string {
	c := s.cats[s.Match(lang)]
	src := c.ScopeCommitment
	if commitment == "" {
		src = c.ScopePlan
	}
	out, _ := fill(src, map[string]string{"Plan": plan, "Commitment": commitment})
	return out
}

// Render writes c in lang (matched as Match does).
func (s *Set) Render(lang string, c Content) (Rendered, error) {
	lang = s.Match(lang)
	cat := s.cats[lang]
	k, ok := cat.Kinds[c.Kind]
	if !ok {
		return Rendered{}, fmt.Errorf("templates: unknown kind %q", c.Kind)
	}
	data := c.Data
	if data == nil {
		data = map[string]string{}
	}
	r := Rendered{Lang: lang}
	var err error
	if r.Subject, err = fill(k.Subject, data); err != nil {
		return Rendered{}, err
	}
	view := struct {
		Lang, Subject, Action, Link, Footer, Unsubscribe, UnsubscribeLabel string
		Lines                                                              []string
		Quotes                                                             []struct{ Label, Text string }
	}{Lang: lang, Subject: r.Subject, Link: c.Link, Unsubscribe: c.Unsubscribe, UnsubscribeLabel: cat.Unsubscribe}
	if view.Action, err = fill(k.Action, data); err != nil {
		return Rendered{}, err
	}
	for _, l := range k.Lines {
		line, err := fill(l, data)
		if err != nil {
			return Rendered{}, err
		}
		view.Lines = append(view.Lines, line)
	}
	for _, q := range c.Quotes {
		if strings.TrimSpace(q.Text) == "" {
			continue
		}
		label := cat.Quotes[q.Key]
		if label == "" {
			label = q.Key
		}
		view.Quotes = append(view.Quotes, struct{ Label, Text string }{label, q.Text})
	}
	if c.Footer != "" {
		if view.Footer, err = fill(cat.Footers[c.Footer], data); err != nil {
			return Rendered{}, err
		}
	}
	var tb, hb bytes.Buffer
	if err := s.text.Execute(&tb, view); err != nil {
		return Rendered{}, fmt.Errorf("templates: text part: %w", err)
	}
	if err := s.html.Execute(&hb, view); err != nil {
		return Rendered{}, fmt.Errorf("templates: html part: %w", err)
	}
	r.Text, r.HTML = tb.String(), hb.String()
	return r, nil
}

// fill replaces placeholders in a catalog string with plain text; the
// result is plain text, escaped later by the HTML layout.
func fill(src string, data map[string]string) (string, error) {
	t, err := texttemplate.New("s").Option("missingkey=zero").Parse(src)
	if err != nil {
		return "", fmt.Errorf("templates: %q: %w", src, err)
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("templates: %q: %w", src, err)
	}
	return b.String(), nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
