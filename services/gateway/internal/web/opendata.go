package web

import (
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kept-ogp/kept/services/gateway/internal/i18n"
	"github.com/kept-ogp/kept/services/gateway/internal/site"
	"github.com/kept-ogp/kept/services/gateway/internal/upstream"
)

// Open data: the same public records the pages show, as CSV and JSON, with
// no personal data (the services never return askers' emails; the gateway
// adds nothing).

func download(c *gin.Context, name string) {
	c.Header("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	c.Header("Access-Control-Allow-Origin", "*")
}

// cell defuses spreadsheet formulas: a cell starting with = + - @ or a tab
// is prefixed with an apostrophe (OWASP CSV injection).
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func writeCSV(c *gin.Context, name string, header []string, rows [][]string) {
	download(c, name)
	c.Status(http.StatusOK)
	c.Header("Content-Type", "text/csv; charset=utf-8")
	_, _ = c.Writer.Write([]byte("\xef\xbb\xbf")) // BOM: spreadsheets then read UTF-8 (Chinese) correctly
	w := csv.NewWriter(c.Writer)
	_ = w.Write(header)
	for _, r := range rows {
		for i := range r {
			r[i] = cell(r[i])
		}
		_ = w.Write(r)
	}
	w.Flush()
}

func texts(t upstream.Text, langs []string) []string {
	out := make([]string, len(langs))
	for i, l := range langs {
		out[i] = t[l]
	}
	return out
}

func langCols(prefix string, langs []string) []string {
	out := make([]string, len(langs))
	for i, l := range langs {
		out[i] = prefix + "_" + l
	}
	return out
}

func orgCodes(os []upstream.Org) string {
	cs := make([]string, len(os))
	for i, o := range os {
		cs[i] = o.Code
	}
	return strings.Join(cs, ";")
}

func (s *Server) planJSON(c *gin.Context) {
	p, err := s.Client.Plan(c.Request.Context(), c.Param("plan"))
	if err != nil {
		s.failData(c, err)
		return
	}
	download(c, p.Plan.ID+".json")
	c.JSON(http.StatusOK, p)
}

func (s *Server) failData(c *gin.Context, err error) {
	if upstream.IsNotFound(err) {
		c.JSON(http.StatusNotFound, gin.H{"error": gin.H{"code": "not_found", "message": "no such plan"}})
		return
	}
	s.Logger.ErrorContext(c.Request.Context(), "download failed", "route", c.FullPath(), "error", err)
	c.JSON(http.StatusServiceUnavailable, gin.H{"error": gin.H{"code": "unavailable", "message": "try again later"}})
}

func (s *Server) planCSV(c *gin.Context) {
	p, err := s.Client.Plan(c.Request.Context(), c.Param("plan"))
	if err != nil {
		s.failData(c, err)
		return
	}
	langs := p.Plan.Languages
	header := append([]string{"plan", "level", "commitment", "milestone", "code", "lead_orgs", "due", "approximate"}, langCols("title", langs)...)
	header = append(header, langCols("deadline_as_written", langs)...)
	var rows [][]string
	add := func(level, cm, ms, code string, orgs []upstream.Org, title upstream.Text, dl upstream.Deadline) {
		r := []string{p.Plan.ID, level, cm, ms, code, orgCodes(orgs), dl.Due, strconv.FormatBool(dl.Approximate)}
		r = append(r, texts(title, langs)...)
		r = append(r, texts(dl.Original, langs)...)
		rows = append(rows, r)
	}
	for _, cm := range p.Commitments {
		add("commitment", cm.Code, "", cm.Code, cm.LeadOrgs, cm.Title, upstream.Deadline{})
		for _, m := range cm.Milestones {
			add("milestone", cm.Code, m.Code, m.Code, m.LeadOrgs, m.Title, m.Deadline)
			for _, in := range m.Indicators {
				add("indicator", cm.Code, m.Code, in.Code, in.LeadOrgs, in.Title, in.Deadline)
			}
		}
	}
	writeCSV(c, p.Plan.ID+".csv", header, rows)
}

func (s *Server) updatesJSON(c *gin.Context) {
	ups, err := s.planUpdates(c)
	if err != nil {
		s.failData(c, err)
		return
	}
	download(c, c.Param("plan")+"-updates.json")
	c.JSON(http.StatusOK, gin.H{"plan": c.Param("plan"), "updates": ups})
}

func (s *Server) planUpdates(c *gin.Context) ([]upstream.Update, error) {
	if _, err := s.Client.Plan(c.Request.Context(), c.Param("plan")); err != nil {
		return nil, err
	}
	ups, err := s.Client.Updates(c.Request.Context(), c.Param("plan"), "")
	if ups == nil {
		ups = []upstream.Update{}
	}
	return ups, err
}

func (s *Server) updatesCSV(c *gin.Context) {
	p, err := s.Client.Plan(c.Request.Context(), c.Param("plan"))
	if err != nil {
		s.failData(c, err)
		return
	}
	ups, err := s.Client.Updates(c.Request.Context(), p.Plan.ID, "")
	if err != nil {
		s.failData(c, err)
		return
	}
	langs := p.Plan.Languages
	header := []string{"id", "plan", "commitment", "item", "period", "status", "state", "agency", "published_at", "evidence_urls", "agreed_sides", "disputed_sides"}
	for _, f := range []string{"progress", "delay_reason", "next_steps", "challenges"} {
		header = append(header, langCols(f, langs)...)
	}
	var rows [][]string
	for _, u := range ups {
		var ev, ag, di []string
		for _, e := range u.Evidence {
			ev = append(ev, e.URL)
		}
		for _, a := range u.Agreements {
			ag = append(ag, a.Side)
		}
		for _, d := range u.Disputes {
			di = append(di, d.Side)
		}
		pub := ""
		if u.PublishedAt != nil {
			pub = u.PublishedAt.UTC().Format(time.RFC3339)
		}
		r := []string{u.ID, u.Plan, u.Commitment, u.Item, u.Period, u.Status, u.State, u.Agency, pub, strings.Join(ev, " "), strings.Join(ag, ";"), strings.Join(di, ";")}
		for _, t := range []upstream.Text{u.Progress, u.DelayReason, u.NextSteps, u.Challenges} {
			r = append(r, texts(t, langs)...)
		}
		rows = append(rows, r)
	}
	writeCSV(c, p.Plan.ID+"-updates.csv", header, rows)
}

func (s *Server) planQuestions(c *gin.Context) ([]upstream.Question, error) {
	p, err := s.Client.Plan(c.Request.Context(), c.Param("plan"))
	if err != nil {
		return nil, err
	}
	out := []upstream.Question{}
	for _, cm := range p.Commitments {
		qs, err := s.Client.Questions(c.Request.Context(), p.Plan.ID, cm.Code)
		if err != nil {
			return nil, err
		}
		out = append(out, qs...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].AskedAt.Before(out[j].AskedAt) })
	return out, nil
}

func (s *Server) questionsJSON(c *gin.Context) {
	qs, err := s.planQuestions(c)
	if err != nil {
		s.failData(c, err)
		return
	}
	download(c, c.Param("plan")+"-questions.json")
	c.JSON(http.StatusOK, gin.H{"plan": c.Param("plan"), "questions": qs})
}

func (s *Server) questionsCSV(c *gin.Context) {
	qs, err := s.planQuestions(c)
	if err != nil {
		s.failData(c, err)
		return
	}
	header := []string{"id", "plan", "commitment", "status", "language", "text", "display_name", "agency", "asked_at", "due_day", "answered_at", "days_taken", "on_time", "answers", "extensions", "pauses", "hidden_reason"}
	var rows [][]string
	for _, q := range qs {
		ans := ""
		if q.AnsweredAt != nil {
			ans = q.AnsweredAt.UTC().Format(time.RFC3339)
		}
		ot := ""
		if q.OnTime != nil {
			ot = strconv.FormatBool(*q.OnTime)
		}
		hidden := ""
		if q.Hidden != nil {
			hidden = q.Hidden.Reason
		}
		var at []string
		for _, a := range q.Answers {
			for _, t := range a.Text {
				at = append(at, t)
			}
		}
		rows = append(rows, []string{q.ID, q.Plan, q.Commitment, q.Status, q.Language, q.Text, q.DisplayName, q.Agency,
			q.AskedAt.UTC().Format(time.RFC3339), q.DueDay, ans, strconv.Itoa(q.DaysTaken), ot, strings.Join(at, "\n---\n"),
			strconv.Itoa(len(q.Extensions)), strconv.Itoa(len(q.Pauses)), hidden})
	}
	writeCSV(c, c.Param("plan")+"-questions.csv", header, rows)
}

// --- Atom (RFC 4287) ---

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
}

type atomText struct {
	Type string `xml:"type,attr,omitempty"`
	Lang string `xml:"xml:lang,attr,omitempty"`
	Body string `xml:",chardata"`
}

type atomEntry struct {
	ID      string   `xml:"id"`
	Title   atomText `xml:"title"`
	Updated string   `xml:"updated"`
	Link    atomLink `xml:"link"`
	Summary atomText `xml:"summary"`
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang    string      `xml:"xml:lang,attr"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  string      `xml:"author>name"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

func (s *Server) base(c *gin.Context) string {
	if s.BaseURL != "" {
		return strings.TrimSuffix(s.BaseURL, "/")
	}
	scheme := "http"
	if site.Secure(c) {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}

func (s *Server) planFeed(c *gin.Context) { s.feed(c, "") }

func (s *Server) commitmentFeed(c *gin.Context) { s.feed(c, c.Param("code")) }

// feed lists public updates and answered questions, newest first.
func (s *Server) feed(c *gin.Context, code string) {
	ctx := c.Request.Context()
	lang := site.Lang(c)
	p, err := s.Client.Plan(ctx, c.Param("plan"))
	if err != nil {
		s.failData(c, err)
		return
	}
	title, _, _ := i18n.Pick(p.Plan.Title, lang, p.Plan.Languages)
	var codes []string
	if code != "" {
		cm, ok := p.Commitment(code)
		if !ok {
			s.failData(c, &upstream.Error{Status: http.StatusNotFound})
			return
		}
		t, _, _ := i18n.Pick(cm.Title, lang, p.Plan.Languages)
		title = cm.Code + " " + t
		codes = []string{code}
	} else {
		for _, cm := range p.Commitments {
			codes = append(codes, cm.Code)
		}
	}
	base := s.base(c)
	self := base + c.Request.URL.Path
	f := atomFeed{Lang: lang, ID: self, Title: title, Author: i18n.T(lang, "site.name"), Links: []atomLink{{Href: self, Rel: "self"}}}
	ups, err := s.Client.Updates(ctx, p.Plan.ID, code)
	if err != nil {
		s.failData(c, err)
		return
	}
	latest := time.Time{}
	for _, u := range ups {
		at := published(u)
		if at.After(latest) {
			latest = at
		}
		text, used, _ := i18n.Pick(u.Progress, lang, p.Plan.Languages)
		state := i18n.T(lang, "status."+u.Status)
		if u.State == "disputed" {
			state += " · " + i18n.T(lang, "c.disputed")
		}
		link := fmt.Sprintf("%s/plans/%s/commitments/%s#u-%s", base, p.Plan.ID, u.Commitment, u.ID)
		f.Entries = append(f.Entries, atomEntry{ID: "urn:kept:update:" + u.ID, Title: atomText{Body: u.Item + " " + u.Period + ": " + state},
			Updated: at.UTC().Format(time.RFC3339), Link: atomLink{Href: link}, Summary: atomText{Type: "text", Lang: used, Body: text}})
	}
	for _, cc := range codes {
		qs, err := s.Client.Questions(ctx, p.Plan.ID, cc)
		if err != nil {
			continue
		}
		for _, q := range qs {
			if q.AnsweredAt == nil || q.Hidden != nil || len(q.Answers) == 0 {
				continue
			}
			if q.AnsweredAt.After(latest) {
				latest = *q.AnsweredAt
			}
			ans, used, _ := i18n.Pick(q.Answers[len(q.Answers)-1].Text, lang, p.Plan.Languages)
			link := fmt.Sprintf("%s/plans/%s/commitments/%s#q-%s", base, p.Plan.ID, cc, q.ID)
			f.Entries = append(f.Entries, atomEntry{ID: "urn:kept:question:" + q.ID, Title: atomText{Lang: q.Language, Body: q.Text},
				Updated: q.AnsweredAt.UTC().Format(time.RFC3339), Link: atomLink{Href: link}, Summary: atomText{Type: "text", Lang: used, Body: ans}})
		}
	}
	sort.SliceStable(f.Entries, func(i, j int) bool { return f.Entries[i].Updated > f.Entries[j].Updated })
	if latest.IsZero() {
		latest = time.Unix(0, 0)
	}
	f.Updated = latest.UTC().Format(time.RFC3339)
	b, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		s.failData(c, err)
		return
	}
	c.Data(http.StatusOK, "application/atom+xml; charset=utf-8", append([]byte(xml.Header), b...))
}
