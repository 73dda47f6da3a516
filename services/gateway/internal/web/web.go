// Package web serves the public site: plans, commitments, agencies, search,
// the question and subscribe forms, open-data downloads and Atom feeds. Every
// page is rendered on the server from the services' public JSON APIs and
// works without JavaScript.
package web

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kept-ogp/kept/services/gateway/internal/i18n"
	"github.com/kept-ogp/kept/services/gateway/internal/pagecache"
	"github.com/kept-ogp/kept/services/gateway/internal/render"
	"github.com/kept-ogp/kept/services/gateway/internal/site"
	"github.com/kept-ogp/kept/services/gateway/internal/upstream"
	"github.com/kept-ogp/kept/services/kit/ratelimit"
)

// Server serves the public pages.
type Server struct {
	Client  *upstream.Client
	Render  *render.Renderer
	Limiter *ratelimit.Limiter
	Logger  *slog.Logger
	// Pages caches rendered pages (nil: every view is rendered).
	Pages *pagecache.Cache
	Now   func() time.Time
	// BaseURL is the public site's absolute URL, for feeds ("" uses the request's host).
	BaseURL string
}

// Routes mounts the public pages on g.
func (s *Server) Routes(g *gin.RouterGroup) {
	get := func(path string, h gin.HandlerFunc) {
		g.GET(path, h)
		g.HEAD(path, h) // link checkers and uptime monitors ask with HEAD
	}
	get("/", s.home)
	get("/search", s.search)
	get("/agencies/:org", s.agency)
	get("/plans/:plan", s.plan)
	get("/plans/:plan/data.json", s.planJSON)
	get("/plans/:plan/data.csv", s.planCSV)
	get("/plans/:plan/updates.json", s.updatesJSON)
	get("/plans/:plan/updates.csv", s.updatesCSV)
	get("/plans/:plan/questions.json", s.questionsJSON)
	get("/plans/:plan/questions.csv", s.questionsCSV)
	get("/plans/:plan/feed.atom", s.planFeed)
	get("/plans/:plan/documents", s.documents)
	get("/plans/:plan/commitments/:code", s.commitment)
	get("/plans/:plan/commitments/:code/feed.atom", s.commitmentFeed)
	g.POST("/plans/:plan/commitments/:code/questions", s.ask)
	g.POST("/plans/:plan/commitments/:code/subscribe", s.subscribe)
	get("/plans/:plan/commitments/:code/updates/:update", s.updatePage)
	g.POST("/plans/:plan/commitments/:code/updates/:update/comments", s.comment)
}

func (s *Server) page(c *gin.Context, title string, data any) *render.Page {
	return viewOf(c).page(title, data)
}

// fail renders the error page for an upstream failure.
func (s *Server) fail(c *gin.Context, err error) {
	p := s.page(c, "", nil)
	if upstream.IsNotFound(err) {
		p.Title = p.T("error.notfound")
		s.Render.Render(c, http.StatusNotFound, "error", p)
		return
	}
	s.Logger.ErrorContext(c.Request.Context(), "page failed", "route", c.FullPath(), "error", err)
	p.Title = p.T("error.unavailable")
	s.Render.Render(c, http.StatusServiceUnavailable, "error", p)
}

// NotFound renders the 404 page (for unknown page routes).
func (s *Server) NotFound(c *gin.Context) {
	p := s.page(c, "", nil)
	p.Title = p.T("error.notfound")
	s.Render.Render(c, http.StatusNotFound, "error", p)
}

// --- home ---

type planCard struct {
	Plan    upstream.PlanSummary
	Light   string
	Percent int
}

func (s *Server) home(c *gin.Context) {
	ctx := c.Request.Context()
	plans, err := s.Client.Plans(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	cards := make([]planCard, 0, len(plans))
	for _, p := range plans {
		card := planCard{Plan: p, Light: "grey"}
		if d, err := s.Client.DashboardPlan(ctx, p.ID); err == nil {
			card.Light, card.Percent = d.Light.Light, d.PercentComplete
		}
		cards = append(cards, card)
	}
	pg := s.page(c, "", cards)
	pg.Title = pg.T("home.title")
	s.Render.Render(c, http.StatusOK, "home", pg)
}

// --- plan ---

// CommitmentRow is a commitment on the plan page.
type CommitmentRow struct {
	C       upstream.Commitment
	Light   string
	Reason  string
	Percent int
	Orgs    []upstream.Org
	// Values are the OGP values the commitment serves (from the SAR sections).
	Values []string
}

type planData struct {
	Plan     *upstream.Plan
	Rows     []CommitmentRow
	Agencies []upstream.Org
	Status   string
	Agency   string
	Value    string
	Lights   []string
	Values   []string
}

// ogpValues are the OGP values a commitment may serve, in OGP's order.
var ogpValues = []string{"access_to_information", "civic_participation", "public_accountability", "technology_and_innovation"}

func allOrgs(cm upstream.Commitment) []upstream.Org {
	seen := map[string]bool{}
	var out []upstream.Org
	add := func(os []upstream.Org) {
		for _, o := range os {
			if !seen[o.Code] {
				seen[o.Code] = true
				out = append(out, o)
			}
		}
	}
	add(cm.LeadOrgs)
	for _, m := range cm.Milestones {
		add(m.LeadOrgs)
		for _, i := range m.Indicators {
			add(i.LeadOrgs)
		}
	}
	return out
}

func (s *Server) plan(c *gin.Context) {
	ctx := c.Request.Context()
	p, err := s.Client.Plan(ctx, c.Param("plan"))
	if err != nil {
		s.fail(c, err)
		return
	}
	dash := map[string]upstream.DashCommitment{}
	if d, err := s.Client.DashboardPlan(ctx, p.Plan.ID); err == nil {
		for _, dc := range d.Commitments {
			dash[dc.Code] = dc
		}
	}
	data := planData{Plan: p, Status: c.Query("status"), Agency: c.Query("agency"), Value: c.Query("value"),
		Lights: []string{"green", "amber", "red", "grey"}, Values: ogpValues}
	// Values are optional: a plan whose PoC has not filled them, or a
	// deployment without reporting, lists every commitment unfiltered.
	values, err := s.Client.OGPValues(ctx, p.Plan.ID)
	if err != nil && !errors.Is(err, upstream.ErrNotConfigured) && !upstream.IsNotFound(err) {
		s.Logger.WarnContext(ctx, "OGP values unavailable", "plan", p.Plan.ID, "error", err)
	}
	seen := map[string]bool{}
	for _, cm := range p.Commitments {
		row := CommitmentRow{C: cm, Light: "grey", Orgs: allOrgs(cm), Values: values[cm.Code]}
		if dc, ok := dash[cm.Code]; ok {
			row.Light, row.Reason, row.Percent = dc.Light.Light, dc.Light.Reason, dc.PercentComplete
		}
		for _, o := range row.Orgs {
			if !seen[o.Code] {
				seen[o.Code] = true
				data.Agencies = append(data.Agencies, o)
			}
		}
		if data.Status != "" && row.Light != data.Status {
			continue
		}
		if data.Agency != "" && !hasOrg(row.Orgs, data.Agency) {
			continue
		}
		if data.Value != "" && !slices.Contains(row.Values, data.Value) {
			continue
		}
		data.Rows = append(data.Rows, row)
	}
	pg := s.page(c, "", data)
	pg.Title = pg.Pick(p.Plan.Title, p.Plan.Languages).Text
	s.Render.Render(c, http.StatusOK, "plan", pg)
}

func hasOrg(os []upstream.Org, code string) bool {
	for _, o := range os {
		if o.Code == code {
			return true
		}
	}
	return false
}

// --- commitment ---

// ItemRow is a milestone or indicator with its dashboard state.
type ItemRow struct {
	Code     string
	Level    string
	Title    upstream.Text
	Deadline upstream.Deadline
	Orgs     []upstream.Org
	Status   string
	Light    string
	Disputed bool
	Children []ItemRow
}

// QuestionRow is a question with its SLA state for display.
type QuestionRow struct {
	Q        upstream.Question
	SLA      string // "ok", "late", "paused", "answered", "hidden"
	DaysLeft int
}

type commitmentData struct {
	Plan         *upstream.Plan
	C            *upstream.Commitment
	Dash         *upstream.DashCommitment
	Items        []ItemRow
	Agreed       []upstream.Update
	Disputed     []upstream.Update
	Questions    []QuestionRow
	Asked        bool
	Subscribed   bool
	CanSubscribe bool
	CSRF         string
	Form         upstream.Ask
	// Comments are the public comments by update id.
	Comments map[string][]upstream.Comment
}

func (s *Server) loadCommitment(ctx context.Context, planID, code string) (*upstream.Plan, *upstream.Commitment, error) {
	p, err := s.Client.Plan(ctx, planID)
	if err != nil {
		return nil, nil, err
	}
	cm, ok := p.Commitment(code)
	if !ok {
		return nil, nil, &upstream.Error{Status: http.StatusNotFound, Code: "not_found", Message: "no such commitment"}
	}
	return p, cm, nil
}

// view is what a page render needs from its request, so a render can also
// run after the request has ended (a cached page's background refresh).
type view struct {
	Lang  string
	Path  string
	Query url.Values // the request's parameters except lang
	Param map[string]string
}

func viewOf(c *gin.Context) view {
	q := url.Values{}
	for k, v := range c.Request.URL.Query() {
		if k != "lang" {
			q[k] = v
		}
	}
	v := view{Lang: site.Lang(c), Path: c.Request.URL.Path, Query: q, Param: map[string]string{}}
	for _, p := range c.Params {
		v.Param[p.Key] = p.Value
	}
	return v
}

func (v view) page(title string, data any) *render.Page {
	return &render.Page{Lang: v.Lang, Title: title, Path: v.Path, Query: v.Query, Data: data}
}

// cacheKey is the page's key in the page cache, or "" when the request has
// parameters outside allowed (they would reach the page, so every
// combination would be its own entry: such pages are rendered each time).
func (v view) cacheKey(allowed ...string) string {
	for k := range v.Query {
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			return ""
		}
	}
	return v.Lang + " " + v.Path + "?" + v.Query.Encode()
}

// cached serves a page from the page cache, rendering it with build when
// needed. build gets the form-token placeholder to put in forms.
func (s *Server) cached(c *gin.Context, v view, allowed []string, build func(ctx context.Context, csrf string) (string, *render.Page, error)) {
	key := v.cacheKey(allowed...)
	if s.Pages == nil || key == "" {
		name, pg, err := build(c.Request.Context(), site.FormToken(c))
		if err != nil {
			s.fail(c, err)
			return
		}
		s.Render.Render(c, http.StatusOK, name, pg)
		return
	}
	page, err := s.Pages.Get(c.Request.Context(), key, func(ctx context.Context) (pagecache.Rendered, error) {
		name, pg, err := build(ctx, s.Pages.Placeholder())
		if err != nil {
			return pagecache.Rendered{}, err
		}
		var buf bytes.Buffer
		if err := s.Render.Execute(&buf, name, pg); err != nil {
			return pagecache.Rendered{}, err
		}
		return pagecache.Rendered{Body: buf.Bytes(), Lang: pg.Lang}, nil
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	token := site.FormToken(c)
	render.SetPageHeaders(c, page.Lang)
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Header("Content-Length", strconv.Itoa(page.Len(len(token))))
	c.Status(http.StatusOK)
	if err := page.Write(c.Writer, token); err != nil {
		c.Error(err) //nolint:errcheck // the client went away; recorded for the access log
	}
}

// commitmentParams are the query parameters the commitment page reads.
var commitmentParams = []string{"asked", "subscribed"}

func (s *Server) commitment(c *gin.Context) {
	v := viewOf(c)
	s.cached(c, v, commitmentParams, func(ctx context.Context, csrf string) (string, *render.Page, error) {
		pg, err := s.commitmentPage(ctx, v, csrf, upstream.Ask{})
		return "commitment", pg, err
	})
}

// renderCommitment renders the commitment page again after a refused form,
// with the errors and what the visitor typed (never cached).
func (s *Server) renderCommitment(c *gin.Context, status int, errs []string, form upstream.Ask) {
	pg, err := s.commitmentPage(c.Request.Context(), viewOf(c), site.FormToken(c), form)
	if err != nil {
		s.fail(c, err)
		return
	}
	pg.Errors = errs
	s.Render.Render(c, status, "commitment", pg)
}

func (s *Server) commitmentPage(ctx context.Context, v view, csrf string, form upstream.Ask) (*render.Page, error) {
	p, cm, err := s.loadCommitment(ctx, v.Param["plan"], v.Param["code"])
	if err != nil {
		return nil, err
	}
	data := commitmentData{Plan: p, C: cm, Asked: v.Query.Get("asked") == "1", Subscribed: v.Query.Get("subscribed") == "1",
		CanSubscribe: s.Client.URLs.Notifications != "", CSRF: csrf, Form: form}
	states := map[string]upstream.ItemStatus{}
	if d, err := s.Client.DashboardCommitment(ctx, p.Plan.ID, cm.Code); err == nil {
		data.Dash = d
		for _, m := range d.Milestones {
			states[m.Code] = m
			for _, ch := range m.Children {
				states[ch.Code] = ch
			}
		}
	}
	row := func(code, level string, title upstream.Text, dl upstream.Deadline, orgs []upstream.Org) ItemRow {
		st := states[code]
		light := st.Light.Light
		if light == "" {
			light = "grey"
		}
		return ItemRow{Code: code, Level: level, Title: title, Deadline: dl, Orgs: orgs, Status: st.Status, Light: light, Disputed: st.Disputed}
	}
	for _, m := range cm.Milestones {
		r := row(m.Code, "milestone", m.Title, m.Deadline, m.LeadOrgs)
		for _, in := range m.Indicators {
			r.Children = append(r.Children, row(in.Code, "indicator", in.Title, in.Deadline, in.LeadOrgs))
		}
		data.Items = append(data.Items, r)
	}
	ups, err := s.Client.Updates(ctx, p.Plan.ID, cm.Code)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(ups, func(i, j int) bool { return published(ups[i]).After(published(ups[j])) })
	for _, u := range ups {
		if u.State == "disputed" {
			data.Disputed = append(data.Disputed, u)
		} else {
			data.Agreed = append(data.Agreed, u)
		}
	}
	qs, err := s.Client.Questions(ctx, p.Plan.ID, cm.Code)
	if err != nil && !errors.Is(err, upstream.ErrNotConfigured) {
		return nil, err
	}
	if data.Comments, err = s.commentsByUpdate(ctx, p.Plan.ID, cm.Code); err != nil {
		return nil, err
	}
	now := s.Now()
	for _, q := range qs {
		data.Questions = append(data.Questions, questionRow(q, now))
	}
	pg := v.page("", data)
	pg.CSRF = csrf
	pg.Title = cm.Code + " " + pg.Pick(cm.Title, p.Plan.Languages).Text
	return pg, nil
}

func published(u upstream.Update) time.Time {
	if u.PublishedAt != nil {
		return *u.PublishedAt
	}
	return u.PostedAt
}

func questionRow(q upstream.Question, now time.Time) QuestionRow {
	r := QuestionRow{Q: q, SLA: "ok"}
	switch q.Status {
	case "answered":
		r.SLA = "answered"
	case "paused":
		r.SLA = "paused"
	case "late":
		r.SLA = "late"
	case "hidden":
		r.SLA = "hidden"
	}
	if q.DueAt != nil {
		d := q.DueAt.Sub(now)
		r.DaysLeft = int((d + 24*time.Hour - 1) / (24 * time.Hour))
		if d < 0 {
			r.DaysLeft = 0
			if r.SLA == "ok" {
				r.SLA = "late"
			}
		}
	}
	return r
}

// QuestionRows converts questions for display (the console uses it too).
func QuestionRows(qs []upstream.Question, now time.Time) []QuestionRow {
	out := make([]QuestionRow, 0, len(qs))
	for _, q := range qs {
		out = append(out, questionRow(q, now))
	}
	return out
}

// --- forms ---

func (s *Server) allowed(c *gin.Context, form string) bool {
	if s.Limiter == nil {
		return true
	}
	ok, _, err := s.Limiter.Allow(c.Request.Context(), form+":"+c.ClientIP())
	if err != nil {
		s.Logger.WarnContext(c.Request.Context(), "rate limiter unavailable", "error", err)
		return true
	}
	return ok
}

func (s *Server) ask(c *gin.Context) {
	lang := site.Lang(c)
	tooLarge := site.FormTooLarge(c) // before any field is read
	form := upstream.Ask{Text: c.PostForm("text"), Language: c.PostForm("language"), DisplayName: strings.TrimSpace(c.PostForm("display_name")),
		Anonymous: c.PostForm("anonymous") == "on", Email: strings.TrimSpace(c.PostForm("email")), Website: c.PostForm("website")}
	if form.Language == "" {
		form.Language = lang
	}
	if tooLarge {
		s.renderCommitment(c, http.StatusRequestEntityTooLarge, []string{i18n.T(lang, "error.toolarge")}, upstream.Ask{})
		return
	}
	if !site.CheckFormToken(c) {
		s.renderCommitment(c, http.StatusForbidden, []string{i18n.T(lang, "error.csrf")}, form)
		return
	}
	if !s.allowed(c, "ask") {
		s.renderCommitment(c, http.StatusTooManyRequests, []string{i18n.T(lang, "error.rate")}, form)
		return
	}
	if form.Anonymous {
		form.DisplayName = ""
	} else if form.DisplayName == "" {
		form.Anonymous = true
	}
	_, err := s.Client.AskQuestion(c.Request.Context(), c.Param("plan"), c.Param("code"), c.ClientIP(), form)
	if err != nil {
		var ue *upstream.Error
		if errors.As(err, &ue) && ue.Status < 500 && ue.Status != http.StatusNotFound {
			form.Email = "" // never echo an address back into a page
			s.renderCommitment(c, ue.Status, formErrors(lang, ue), form)
			return
		}
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/plans/"+url.PathEscape(c.Param("plan"))+"/commitments/"+url.PathEscape(c.Param("code"))+"?lang="+lang+"&asked=1#questions")
}

// formErrors says a service's refusal of a public form in lang: each field
// by its label, a rate limit as such.
func formErrors(lang string, ue *upstream.Error) []string {
	if ue.Status == http.StatusTooManyRequests {
		return []string{i18n.T(lang, "error.rate")}
	}
	if len(ue.Fields) == 0 {
		return []string{ue.Message}
	}
	msgs := make([]string, 0, len(ue.Fields))
	for _, f := range ue.Fields {
		msgs = append(msgs, i18n.FieldError(lang, f.Field, f.Message))
	}
	return msgs
}

func (s *Server) subscribe(c *gin.Context) {
	lang := site.Lang(c)
	if site.FormTooLarge(c) {
		s.renderCommitment(c, http.StatusRequestEntityTooLarge, []string{i18n.T(lang, "error.toolarge")}, upstream.Ask{})
		return
	}
	if !site.CheckFormToken(c) {
		s.renderCommitment(c, http.StatusForbidden, []string{i18n.T(lang, "error.csrf")}, upstream.Ask{})
		return
	}
	if c.PostForm("website") != "" {
		c.Redirect(http.StatusSeeOther, "/plans/"+url.PathEscape(c.Param("plan"))+"/commitments/"+url.PathEscape(c.Param("code"))+"?lang="+lang+"&subscribed=1#subscribe")
		return
	}
	if !s.allowed(c, "subscribe") {
		s.renderCommitment(c, http.StatusTooManyRequests, []string{i18n.T(lang, "error.rate")}, upstream.Ask{})
		return
	}
	email := strings.TrimSpace(c.PostForm("email"))
	if email == "" {
		s.renderCommitment(c, http.StatusUnprocessableEntity, []string{i18n.FieldError(lang, "email", "is required")}, upstream.Ask{})
		return
	}
	if !strings.Contains(email, "@") || len(email) > 254 {
		s.renderCommitment(c, http.StatusUnprocessableEntity, []string{i18n.FieldError(lang, "email", "is not an email address")}, upstream.Ask{})
		return
	}
	err := s.Client.Subscribe(c.Request.Context(), c.ClientIP(), c.Param("plan"), c.Param("code"), email, lang)
	if err != nil {
		var ue *upstream.Error
		if errors.As(err, &ue) && ue.Status < 500 {
			s.renderCommitment(c, ue.Status, formErrors(lang, ue), upstream.Ask{})
			return
		}
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/plans/"+url.PathEscape(c.Param("plan"))+"/commitments/"+url.PathEscape(c.Param("code"))+"?lang="+lang+"&subscribed=1#subscribe")
}
