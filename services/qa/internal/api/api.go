// Package api is the qa service's HTTP interface: anyone asks and follows up
// without an account; agencies and the PoC answer, pause, extend and route;
// moderators hide and redact; everyone reads.
package api

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/oklog/ulid/v2"

	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/kit/httpserver"
	"github.com/kept-ogp/kept/services/kit/ratelimit"
	"github.com/kept-ogp/kept/services/qa/internal/calendar"
	"github.com/kept-ogp/kept/services/qa/internal/comments"
	"github.com/kept-ogp/kept/services/qa/internal/leads"
	"github.com/kept-ogp/kept/services/qa/internal/questions"
	"github.com/kept-ogp/kept/services/qa/internal/record"
	"github.com/kept-ogp/kept/services/qa/internal/search"
)

// Limits on request bodies.
const (
	MaxBody         = 64 << 10
	MaxCalendarBody = 8 << 20
)

// Handler serves the qa routes.
type Handler struct {
	Leads    *leads.Store
	Service  *questions.Service
	Verifier auth.Verifier
	Limiter  *ratelimit.Limiter
	Logger   *slog.Logger
	// Comments, when set, serves the public's comments on published
	// progress updates (comments.go).
	Comments *comments.Service
}

// Routes mounts the API on r.
func (h *Handler) Routes(r gin.IRouter) {
	v1 := r.Group("/api/v1")
	q := v1.Group("/plans/:plan/commitments/:code/questions")
	q.GET("", h.list)
	q.GET("/:id", h.get)
	q.POST("", limitBody(MaxBody), h.ask)
	q.POST("/:id/followups", limitBody(MaxBody), h.followup)
	w := q.Group("/:id", limitBody(MaxBody), auth.Authenticate(h.Verifier))
	w.POST("/assign", auth.RequireAny(auth.KindPoC), h.assign)
	w.POST("/answers", auth.RequireAny(auth.KindAgencyEditor, auth.KindPoC), h.answer)
	w.POST("/pause", auth.RequireAny(auth.KindAgencyEditor, auth.KindPoC), h.pause)
	w.POST("/resume", auth.RequireAny(auth.KindAgencyEditor, auth.KindPoC), h.resume)
	w.POST("/extend", auth.RequireAny(auth.KindPoC), h.extend)
	w.POST("/hide", auth.RequireAny(auth.KindPoC, auth.KindAdmin), h.hide)
	w.POST("/redact", auth.RequireAny(auth.KindPoC, auth.KindAdmin), h.redact)
	v1.GET("/qa/search", h.search)
	v1.GET("/qa/policies", h.listPolicies)
	v1.GET("/qa/record.json", h.recordJSON)
	v1.GET("/qa/record.csv", h.recordCSV)
	v1.GET("/qa/statistics", h.statistics)
	pol := v1.Group("/qa/policies/:scope/:key", limitBody(MaxBody), auth.Authenticate(h.Verifier), auth.RequireAny(auth.KindPoC, auth.KindAdmin))
	pol.PUT("", h.putPolicy)
	pol.DELETE("", h.deletePolicy)
	v1.POST("/qa/email/confirm", limitBody(MaxBody), h.confirmEmail)
	v1.GET("/internal/qa/questions/:id/asker", auth.Authenticate(h.Verifier), auth.RequireAny(auth.KindNotifier), h.asker)
	c := v1.Group("/qa/calendar", auth.Authenticate(h.Verifier), auth.RequireAny(auth.KindPoC, auth.KindAdmin))
	c.PUT("/days/:date", limitBody(MaxBody), h.putDay)
	c.POST("/import", limitBody(MaxCalendarBody), h.importCalendar)
	if h.Comments != nil {
		h.commentRoutes(v1)
	}
}

func limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
}

func (h *Handler) commitment(c *gin.Context) (*leads.Commitment, bool) {
	cm, err := h.Leads.Get(c.Request.Context(), c.Param("plan"), c.Param("code"))
	if errors.Is(err, leads.ErrNotFound) {
		httpserver.Error(c, http.StatusNotFound, "not_found", fmt.Sprintf("plan %q has no commitment %q", c.Param("plan"), c.Param("code")))
		return nil, false
	}
	if err != nil {
		h.internal(c, err)
		return nil, false
	}
	return cm, true
}

// load returns the question named in the path, if it belongs to the
// commitment in the path.
func (h *Handler) load(c *gin.Context) (*questions.Question, bool) {
	q, err := h.Service.Store.Get(c.Request.Context(), c.Param("id"))
	if errors.Is(err, questions.ErrNotFound) || (err == nil && (q.Plan != c.Param("plan") || q.Commitment != c.Param("code"))) {
		httpserver.Error(c, http.StatusNotFound, "not_found", "no such question")
		return nil, false
	}
	if err != nil {
		h.internal(c, err)
		return nil, false
	}
	return q, true
}

func (h *Handler) view(c *gin.Context, q *questions.Question, cal *calendar.Calendar, full bool) questions.View {
	now := h.Service.Now()
	v := q.View(now, full)
	if q.Open() && q.Hidden == nil {
		v.DaysTaken = h.Service.DaysSoFar(q, cal, now)
	}
	return v
}

func (h *Handler) list(c *gin.Context) {
	ctx := c.Request.Context()
	qs, err := h.Service.Store.List(ctx, c.Param("plan"), c.Param("code"))
	if err != nil {
		h.internal(c, err)
		return
	}
	cal, err := h.Service.Calendar.Load(ctx)
	if err != nil {
		h.internal(c, err)
		return
	}
	out := make([]questions.View, 0, len(qs))
	for i := range qs {
		out = append(out, h.view(c, &qs[i], cal, false))
	}
	c.JSON(http.StatusOK, gin.H{"questions": out})
}

func (h *Handler) get(c *gin.Context) {
	q, ok := h.load(c)
	if !ok {
		return
	}
	cal, err := h.Service.Calendar.Load(c.Request.Context())
	if err != nil {
		h.internal(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"question": h.view(c, q, cal, true)})
}

// limited answers 429 when key is over its limit.
func (h *Handler) limited(c *gin.Context, key string) bool {
	return h.limitedWith(c, key, "too many questions; try again later")
}

// limitedWith is limited with the message to show.
func (h *Handler) limitedWith(c *gin.Context, key, message string) bool {
	ok, wait, err := h.Limiter.Allow(c.Request.Context(), key)
	if err != nil {
		h.internal(c, err)
		return true
	}
	if !ok {
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		httpserver.Error(c, http.StatusTooManyRequests, "rate_limited", message)
		return true
	}
	return false
}

// ask stores a question. A filled honeypot ("website") gets a response that
// looks like a success (201, a fresh id) but nothing is stored or sent, so a
// bot learns nothing. The email, when given, is never returned or logged.
func (h *Handler) ask(c *gin.Context) {
	var a questions.Ask
	if !httpserver.BindJSON(c, &a, `{"text","language","display_name" or "anonymous":true,"email"?}`) {
		return
	}
	cm, ok := h.commitment(c)
	if !ok {
		return
	}
	if h.limited(c, "ip:"+c.ClientIP()) {
		return
	}
	if err := a.Validate(); err != nil {
		h.invalid(c, err)
		return
	}
	if a.Website != "" {
		now := h.Service.Now().UTC()
		fake := &questions.Question{ID: ulid.Make().String(), Plan: cm.Plan, Commitment: cm.Code, Text: a.Text,
			Language: a.Language, DisplayName: strings.TrimSpace(a.DisplayName), AskedAt: now, Status: questions.StatusOpen}
		if len(cm.LeadOrgs) > 0 {
			fake.Agency = cm.LeadOrgs[0]
		}
		c.JSON(http.StatusCreated, gin.H{"question": fake.View(now, false)})
		return
	}
	if a.Email != "" && h.limited(c, "email:"+questions.EmailHash(a.Email)) {
		return
	}
	agency := ""
	if len(cm.LeadOrgs) > 0 {
		agency = cm.LeadOrgs[0]
	}
	token := ""
	if a.Email != "" {
		token = newToken()
	}
	q, err := h.Service.Ask(c.Request.Context(), cm.Plan, cm.Code, agency, a, token)
	if err != nil {
		h.internal(c, err)
		return
	}
	cal, err := h.Service.Calendar.Load(c.Request.Context())
	if err != nil {
		h.internal(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"question": h.view(c, q, cal, true)})
}

func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (h *Handler) followup(c *gin.Context) {
	var f struct {
		Text        string `json:"text"`
		Language    string `json:"language"`
		DisplayName string `json:"display_name"`
		Website     string `json:"website"`
	}
	if !httpserver.BindJSON(c, &f, `{"text","language","display_name"?}`) {
		return
	}
	if _, ok := h.load(c); !ok {
		return
	}
	if h.limited(c, "ip:"+c.ClientIP()) {
		return
	}
	f.Text = strings.ReplaceAll(f.Text, "\r\n", "\n")
	errs := questions.CheckText("text", f.Text, questions.MaxText, true)
	errs = append(errs, questions.CheckLanguage("language", f.Language)...)
	errs = append(errs, questions.CheckText("display_name", f.DisplayName, questions.MaxName, false)...)
	if len(errs) > 0 {
		h.invalid(c, &questions.InvalidError{Errors: errs})
		return
	}
	if f.Website != "" {
		c.JSON(http.StatusCreated, gin.H{"ok": true})
		return
	}
	h.change(c, questions.TypeFollowedUp, "", questions.AddFollowup(questions.Followup{Text: f.Text, Language: f.Language,
		DisplayName: strings.TrimSpace(f.DisplayName)}), http.StatusCreated)
}

// mayAct says whether p acts for the question's assigned agency or is the PoC.
func mayAct(p *auth.Principal, q *questions.Question) bool {
	return p.Has(auth.KindPoC) || (q.Agency != "" && p.EditsFor(q.Agency))
}

func (h *Handler) change(c *gin.Context, typ, by string, fn func(*questions.Question, *calendar.Calendar, time.Time) (string, error), status int) {
	q, err := h.Service.Change(c.Request.Context(), c.Param("id"), typ, by, fn)
	if err != nil {
		h.invalid(c, err)
		return
	}
	cal, err := h.Service.Calendar.Load(c.Request.Context())
	if err != nil {
		h.internal(c, err)
		return
	}
	c.JSON(status, gin.H{"question": h.view(c, q, cal, true)})
}

// authorised loads the question and checks that the principal acts for its
// assigned agency (or is the PoC).
func (h *Handler) authorised(c *gin.Context) (*auth.Principal, *questions.Question, bool) {
	q, ok := h.load(c)
	if !ok {
		return nil, nil, false
	}
	p := auth.FromContext(c)
	if !mayAct(p, q) {
		auth.Forbid(c, fmt.Sprintf("the question is assigned to %s; your token acts for another organisation", q.Agency))
		return nil, nil, false
	}
	return p, q, true
}

func (h *Handler) assign(c *gin.Context) {
	var b struct {
		Agency string `json:"agency"`
	}
	if !httpserver.BindJSON(c, &b, `{"agency":"org-code"}`) {
		return
	}
	if _, ok := h.load(c); !ok {
		return
	}
	p := auth.FromContext(c)
	h.change(c, questions.TypeAssigned, p.Name, questions.Assign(strings.TrimSpace(b.Agency), p.Name), http.StatusOK)
}

func (h *Handler) answer(c *gin.Context) {
	var b struct {
		Text questions.Text `json:"text"`
	}
	if !httpserver.BindJSON(c, &b, `{"text":{"en":"..."}}`) {
		return
	}
	p, q, ok := h.authorised(c)
	if !ok {
		return
	}
	agency := q.Agency
	if !p.EditsFor(agency) {
		agency = "" // the PoC answering
	}
	h.change(c, questions.TypeAnswered, p.Name, h.Service.AnswerWith(b.Text, agency, p.Name), http.StatusOK)
}

type reasoned struct {
	Reason string `json:"reason"`
	Days   int    `json:"days"`
	Text   string `json:"text"`
}

func (h *Handler) pause(c *gin.Context) {
	var b reasoned
	if !httpserver.BindJSON(c, &b, `{"reason":"..."}`) {
		return
	}
	p, _, ok := h.authorised(c)
	if !ok {
		return
	}
	h.change(c, questions.TypePaused, p.Name, h.Service.PauseFor(b.Reason, p.Name), http.StatusOK)
}

func (h *Handler) resume(c *gin.Context) {
	p, _, ok := h.authorised(c)
	if !ok {
		return
	}
	h.change(c, questions.TypeResumed, p.Name, h.Service.Resume(p.Name), http.StatusOK)
}

func (h *Handler) extend(c *gin.Context) {
	var b reasoned
	if !httpserver.BindJSON(c, &b, `{"days":N,"reason":"..."}`) {
		return
	}
	if _, ok := h.load(c); !ok {
		return
	}
	p := auth.FromContext(c)
	h.change(c, questions.TypeExtended, p.Name, h.Service.Extend(b.Days, b.Reason, p.Name), http.StatusOK)
}

func (h *Handler) hide(c *gin.Context) {
	var b reasoned
	if !httpserver.BindJSON(c, &b, `{"reason":"..."}`) {
		return
	}
	if _, ok := h.load(c); !ok {
		return
	}
	p := auth.FromContext(c)
	h.change(c, questions.TypeHidden, p.Name, questions.Hide(b.Reason, p.Name), http.StatusOK)
}

func (h *Handler) redact(c *gin.Context) {
	var b reasoned
	if !httpserver.BindJSON(c, &b, `{"text":"the text with personal data replaced","reason":"..."}`) {
		return
	}
	if _, ok := h.load(c); !ok {
		return
	}
	p := auth.FromContext(c)
	h.change(c, questions.TypeRedacted, p.Name, questions.Redact(b.Text, b.Reason, p.Name), http.StatusOK)
}

func (h *Handler) putDay(c *gin.Context) {
	var b struct {
		Off  *bool  `json:"off"`
		Name string `json:"name"`
	}
	if !httpserver.BindJSON(c, &b, `{"off":true|false,"name":"..."}`) {
		return
	}
	d, err := calendar.ParseDate(c.Param("date"))
	if err != nil {
		httpserver.Error(c, http.StatusUnprocessableEntity, "invalid_request", err.Error())
		return
	}
	if errs := questions.CheckText("name", b.Name, 200, false); len(errs) > 0 {
		h.invalid(c, &questions.InvalidError{Errors: errs})
		return
	}
	if b.Off == nil {
		httpserver.Error(c, http.StatusUnprocessableEntity, "invalid_request", `"off" is required: true for a day off, false for a working day`)
		return
	}
	h.applyCalendar(c, []calendar.Day{{Date: d, Off: *b.Off, Name: strings.TrimSpace(b.Name), Source: calendar.SourceManual}}, calendar.SourceManual)
}

func (h *Handler) importCalendar(c *gin.Context) {
	var r io.Reader = c.Request.Body
	if f, err := c.FormFile("file"); err == nil {
		fh, err := f.Open()
		if err != nil {
			httpserver.Error(c, http.StatusBadRequest, "bad_request", "cannot read the uploaded file")
			return
		}
		defer fh.Close()
		r = fh
	}
	var days []calendar.Day
	var err error
	source := calendar.SourceICS
	switch c.Query("format") {
	case "ics":
		days, err = calendar.ParseICS(r, calendar.ICSOptions{Location: h.Service.Policy.Location,
			FirstYear: h.Service.Now().Year() - 1, LastYear: h.Service.Now().Year() + 10})
	case "taiwan-csv":
		source = calendar.SourceCSV
		days, err = calendar.ParseTaiwanCSV(r)
	default:
		httpserver.Error(c, http.StatusBadRequest, "bad_request", "format must be ics or taiwan-csv")
		return
	}
	var ie *calendar.ImportError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		httpserver.Error(c, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the file is over the limit of %d bytes", tooBig.Limit))
		return
	case errors.As(err, &ie):
		httpserver.Error(c, http.StatusUnprocessableEntity, "invalid_calendar", ie.Error(), ie)
		return
	case err != nil:
		httpserver.Error(c, http.StatusUnprocessableEntity, "invalid_calendar", err.Error())
		return
	}
	h.applyCalendar(c, days, source)
}

func (h *Handler) applyCalendar(c *gin.Context, days []calendar.Day, source string) {
	p := auth.FromContext(c)
	// Recomputing every open question should finish even if the client goes.
	ctx := context.WithoutCancel(c.Request.Context())
	changed, conflicts, moved, err := h.Service.CalendarChange(ctx, days, source, p.Name)
	if err != nil {
		var ie *calendar.ImportError
		if errors.As(err, &ie) {
			httpserver.Error(c, http.StatusUnprocessableEntity, "invalid_calendar", ie.Error(), ie)
			return
		}
		h.internal(c, err)
		return
	}
	if changed == nil {
		changed = []string{}
	}
	if conflicts == nil {
		conflicts = []calendar.Conflict{}
	}
	c.JSON(http.StatusOK, gin.H{"changed": changed, "conflicts": conflicts, "recomputed": moved})
}

func (h *Handler) invalid(c *gin.Context, err error) {
	var ie *questions.InvalidError
	var ae *questions.ActionError
	switch {
	case errors.As(err, &ie):
		httpserver.Error(c, http.StatusUnprocessableEntity, "invalid_request", ie.Error(), ie.Errors)
	case errors.As(err, &ae):
		httpserver.Error(c, ae.Status, ae.Code, ae.Message)
	case errors.Is(err, questions.ErrNotFound):
		httpserver.Error(c, http.StatusNotFound, "not_found", "no such question")
	default:
		h.internal(c, err)
	}
}

// internal logs err (never a request body: it may hold an email) and
// answers 500.
func (h *Handler) internal(c *gin.Context, err error) {
	h.Logger.ErrorContext(c.Request.Context(), "request failed", "route", c.FullPath(), "error", err)
	httpserver.Error(c, http.StatusInternalServerError, "internal", "internal error")
}

// confirmEmail takes the token from the link mailed to an asker. It is a
// POST (the site's confirmation page submits it) so that mail scanners
// fetching links confirm nothing.
func (h *Handler) confirmEmail(c *gin.Context) {
	var b struct {
		Token string `json:"token"`
	}
	if !httpserver.BindJSON(c, &b, `{"token":"..."}`) {
		return
	}
	if h.limited(c, "confirm-ip:"+c.ClientIP()) {
		return
	}
	if strings.TrimSpace(b.Token) == "" {
		httpserver.Error(c, http.StatusUnprocessableEntity, "invalid_request", "token: the confirmation token from the link is missing")
		return
	}
	id, err := h.Service.Store.ConfirmEmail(c.Request.Context(), b.Token, h.Service.Now().UTC())
	switch {
	case errors.Is(err, questions.ErrTokenUnknown):
		httpserver.Error(c, http.StatusNotFound, "unknown_token", err.Error())
		return
	case errors.Is(err, questions.ErrTokenExpired):
		httpserver.Error(c, http.StatusGone, "expired_token", err.Error())
		return
	case err != nil:
		h.internal(c, err)
		return
	}
	q, err := h.Service.Store.Get(c.Request.Context(), id)
	if err != nil {
		h.internal(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"confirmed": true, "question": gin.H{"id": q.ID, "plan": q.Plan, "commitment": q.Commitment}})
}

// asker gives the notifications service the address to write to. The
// response is never cached and the address never logged.
func (h *Handler) asker(c *gin.Context) {
	a, err := h.Service.Store.AskerOf(c.Request.Context(), c.Param("id"))
	if errors.Is(err, questions.ErrNotFound) {
		httpserver.Error(c, http.StatusNotFound, "not_found", "the question has no asker email")
		return
	}
	if err != nil {
		h.internal(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, a)
}

// search finds questions and answers holding every word of q; Chinese is
// matched by characters, so part of a word is found (see internal/search).
func (h *Handler) search(c *gin.Context) {
	raw := c.Query("q")
	if n := utf8.RuneCountInString(raw); n > search.MaxQuery {
		httpserver.Error(c, http.StatusUnprocessableEntity, "invalid_request", fmt.Sprintf("q: %d characters, at most %d", n, search.MaxQuery))
		return
	}
	q := search.Parse(raw)
	if q.Empty() {
		httpserver.Error(c, http.StatusUnprocessableEntity, "invalid_request", "q: give a word or characters to search for")
		return
	}
	ctx := c.Request.Context()
	qs, err := h.Service.Store.Search(ctx, q, c.Query("plan"), c.Query("commitment"))
	if err != nil {
		h.internal(c, err)
		return
	}
	cal, err := h.Service.Calendar.Load(ctx)
	if err != nil {
		h.internal(c, err)
		return
	}
	out := make([]questions.View, 0, len(qs))
	for i := range qs {
		out = append(out, h.view(c, &qs[i], cal, false))
	}
	c.JSON(http.StatusOK, gin.H{"query": raw, "questions": out})
}

// listPolicies shows the deployment's SLA policy and every override: the
// rules a government set itself are public.
func (h *Handler) listPolicies(c *gin.Context) {
	p := h.Service.Policy
	var overrides []questions.ScopedOverride
	if h.Service.Policies != nil {
		var err error
		if overrides, err = h.Service.Policies.List(c.Request.Context()); err != nil {
			h.internal(c, err)
			return
		}
	}
	if overrides == nil {
		overrides = []questions.ScopedOverride{}
	}
	warnings := p.Warnings
	if warnings == nil {
		warnings = []int{}
	}
	c.JSON(http.StatusOK, gin.H{
		"deployment": gin.H{"days": p.Days, "mode": p.Mode, "time_zone": p.Location.String(), "warnings": warnings},
		"overrides":  overrides,
		"rule":       "a question takes the deployment's policy, then its plan's override, then its agency's, field by field; it keeps the policy it was asked under",
	})
}

func policyScope(c *gin.Context) (string, bool) {
	switch c.Param("scope") {
	case "plans":
		return questions.ScopePlan, true
	case "agencies":
		return questions.ScopeAgency, true
	}
	httpserver.Error(c, http.StatusNotFound, "not_found", fmt.Sprintf("policy scope %q: want plans or agencies", c.Param("scope")))
	return "", false
}

func (h *Handler) putPolicy(c *gin.Context) {
	scope, ok := policyScope(c)
	if !ok {
		return
	}
	var o questions.Override
	if !httpserver.BindJSON(c, &o, `{"days"?:20,"mode"?:"working|calendar","time_zone"?:"Asia/Taipei","warnings"?:[5,1]}`) {
		return
	}
	if h.Service.Policies == nil {
		httpserver.Error(c, http.StatusNotImplemented, "not_configured", "policy overrides are not enabled")
		return
	}
	p := auth.FromContext(c)
	if err := h.Service.Policies.Put(c.Request.Context(), h.Service.Policy, scope, c.Param("key"), o, p.Name, h.Service.Now().UTC()); err != nil {
		h.invalid(c, err)
		return
	}
	h.listPolicies(c)
}

func (h *Handler) deletePolicy(c *gin.Context) {
	scope, ok := policyScope(c)
	if !ok {
		return
	}
	if h.Service.Policies == nil {
		httpserver.Error(c, http.StatusNotFound, "not_found", "no such policy override")
		return
	}
	err := h.Service.Policies.Delete(c.Request.Context(), scope, c.Param("key"))
	if errors.Is(err, questions.ErrNotFound) {
		httpserver.Error(c, http.StatusNotFound, "not_found", "no such policy override")
		return
	}
	if err != nil {
		h.internal(c, err)
		return
	}
	h.listPolicies(c)
}

// rows is the Q&A record, of one plan when ?plan= is given.
func (h *Handler) rows(c *gin.Context) ([]record.Row, bool) {
	ctx := c.Request.Context()
	qs, err := h.Service.Store.All(ctx, c.Query("plan"))
	if err != nil {
		h.internal(c, err)
		return nil, false
	}
	cal, err := h.Service.Calendar.Load(ctx)
	if err != nil {
		h.internal(c, err)
		return nil, false
	}
	now := h.Service.Now()
	return record.Rows(qs, h.Service.PolicyOf, func(q *questions.Question) int { return h.Service.DaysSoFar(q, cal, now) }, now), true
}

func (h *Handler) recordJSON(c *gin.Context) {
	rows, ok := h.rows(c)
	if !ok {
		return
	}
	c.Header("Content-Disposition", `attachment; filename="qa-record.json"`)
	c.JSON(http.StatusOK, gin.H{"generated_at": h.Service.Now().UTC().Format(time.RFC3339), "questions": rows})
}

func (h *Handler) recordCSV(c *gin.Context) {
	rows, ok := h.rows(c)
	if !ok {
		return
	}
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="qa-record.csv"`)
	c.Status(http.StatusOK)
	if err := record.WriteCSV(c.Writer, rows); err != nil {
		h.Logger.WarnContext(c.Request.Context(), "writing the Q&A record failed", "error", err)
	}
}

func (h *Handler) statistics(c *gin.Context) {
	rows, ok := h.rows(c)
	if !ok {
		return
	}
	byAgency, byPlan := record.Statistics(rows)
	c.JSON(http.StatusOK, gin.H{"generated_at": h.Service.Now().UTC().Format(time.RFC3339), "agencies": byAgency, "plans": byPlan})
}
