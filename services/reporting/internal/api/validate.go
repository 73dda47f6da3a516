package api

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kept-ogp/kept/services/reporting/internal/readmodel"
	"github.com/kept-ogp/kept/services/reporting/internal/report"
)

// Limits on user text.
const (
	MaxSection  = 20000
	MaxComment  = 5000
	MaxName     = 100
	MaxReason   = 1000
	MaxEmail    = 254
	MaxReviewer = 500
)

var (
	langRE  = regexp.MustCompile(`^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$`)
	emailRE = regexp.MustCompile(`^[^@\s<>"]+@[^@\s<>"]+\.[^@\s<>"]+$`)
)

// problems collects field errors so one answer names them all.
type problems []string

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, field+": "+fmt.Sprintf(format, args...))
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(p, "; "))
}

func checkText(p *problems, field, s string, maxLen int, required bool) {
	switch {
	case !utf8.ValidString(s):
		p.add(field, "is not valid UTF-8")
	case required && strings.TrimSpace(s) == "":
		p.add(field, "is required")
	case utf8.RuneCountInString(s) > maxLen:
		p.add(field, "is %d characters long; the limit is %d", utf8.RuneCountInString(s), maxLen)
	default:
		for _, r := range s {
			// Control characters and bidirectional overrides could hide or
			// reverse what a reader sees; newline and tab are text.
			if (unicode.IsControl(r) && r != '\n' && r != '\t') || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) {
				p.add(field, "contains the control character U+%04X", r)
				return
			}
		}
	}
}

// checkTexts checks a text in each language against the plan's languages.
func checkTexts(p *problems, field string, t map[string]string, langs []string, maxLen int) {
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(langs, k) {
			p.add(field+"."+k, "%q is not one of the plan's languages (%s)", k, strings.Join(langs, ", "))
			continue
		}
		checkText(p, field+"."+k, t[k], maxLen, false)
	}
}

func validDate(s string) bool {
	if _, err := time.Parse(time.DateOnly, s); err == nil {
		return true
	}
	_, err := time.Parse("2006-01", s)
	return err == nil
}

// checkSections validates SAR sections against the plan.
func checkSections(sec *report.Sections, plan *readmodel.Plan) error {
	var p problems
	langs := plan.Languages
	checkTexts(&p, "introduction", sec.Introduction, langs, MaxSection)
	checkTexts(&p, "forum_meetings", sec.ForumMeetings, langs, MaxSection)
	checkTexts(&p, "participation", sec.Participation, langs, MaxSection)
	checkTexts(&p, "irm_recommendations", sec.IRMRecommendations, langs, MaxSection)
	codes := make([]string, 0, len(sec.Commitments))
	for c := range sec.Commitments {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, code := range codes {
		f := "commitments." + code
		if !slices.Contains(plan.Commitments, code) {
			p.add(f, "the plan has no commitment %q (it has %s)", code, strings.Join(plan.Commitments, ", "))
			continue
		}
		cs := sec.Commitments[code]
		checkTexts(&p, f+".problem", cs.Problem, langs, MaxSection)
		checkTexts(&p, f+".what_it_does", cs.WhatItDoes, langs, MaxSection)
		var vals []string
		for i, v := range cs.OGPValues {
			if !slices.Contains(report.OGPValues, v) {
				p.add(fmt.Sprintf("%s.ogp_values[%d]", f, i), "want one of %s, got %q", strings.Join(report.OGPValues, ", "), v)
			} else if !slices.Contains(vals, v) {
				vals = append(vals, v)
			}
		}
		sort.Strings(vals)
		cs.OGPValues = vals
		if cs.OGPValues == nil {
			cs.OGPValues = []string{}
		}
		if cs.Start != "" && !validDate(cs.Start) {
			p.add(f+".start", "want YYYY-MM or YYYY-MM-DD, got %q", cs.Start)
		}
		if cs.End != "" && !validDate(cs.End) {
			p.add(f+".end", "want YYYY-MM or YYYY-MM-DD, got %q", cs.End)
		}
		if cs.Start != "" && cs.End != "" && cs.End < cs.Start {
			p.add(f+".end", "%s is before start %s", cs.End, cs.Start)
		}
		sec.Commitments[code] = cs
	}
	return p.err()
}

// CommentInput is what a member of the public sends.
type CommentInput struct {
	Text        string `json:"text"`
	Language    string `json:"language"`
	DisplayName string `json:"display_name"`
	Anonymous   bool   `json:"anonymous"`
	Email       string `json:"email"`
	// Website is a honeypot: hidden from people by the form, filled by bots.
	Website string `json:"website"`
}

func (in *CommentInput) validate() error {
	in.Email = strings.TrimSpace(in.Email)
	in.Text = strings.TrimSpace(strings.ReplaceAll(in.Text, "\r\n", "\n"))
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	var p problems
	checkText(&p, "text", in.Text, MaxComment, true)
	if !langRE.MatchString(in.Language) {
		p.add("language", `must be a language tag such as "en", "fr" or "zh-Hant"`)
	}
	if in.Anonymous && in.DisplayName != "" {
		p.add("display_name", "must be empty for an anonymous comment")
	}
	if !in.Anonymous && in.DisplayName == "" {
		p.add("display_name", `is required unless "anonymous" is true`)
	}
	checkText(&p, "display_name", in.DisplayName, MaxName, false)
	if strings.ContainsAny(in.DisplayName, "\n\t") {
		p.add("display_name", "must be one line")
	}
	if in.Email != "" && (len(in.Email) > MaxEmail || !emailRE.MatchString(in.Email)) {
		p.add("email", "is not an email address") // never echo it
	}
	return p.err()
}
