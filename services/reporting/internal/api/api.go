// Package api is the reporting service's HTTP interface: everyone reads the
// period reports, the SAR draft, every version and the public repository,
// and comments on an open SAR consultation without an account; the point of
// contact sets periods and SAR sections, publishes versions, runs the
// consultation and marks the SAR final; the PoC or an admin moderates.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/oklog/ulid/v2"

	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/kit/httpserver"
	"github.com/kept-ogp/kept/services/kit/outbox"
	"github.com/kept-ogp/kept/services/kit/ratelimit"
	"github.com/kept-ogp/kept/services/reporting/internal/periods"
	"github.com/kept-ogp/kept/services/reporting/internal/readmodel"
	"github.com/kept-ogp/kept/services/reporting/internal/render"
	"github.com/kept-ogp/kept/services/reporting/internal/report"
	"github.com/kept-ogp/kept/services/reporting/internal/store"
)

// MaxBody limits request bodies.
const MaxBody = 256 << 10

// Relays publish the events the store leaves in its documents.
type Relays struct {
	Versions, Consultations, Finals *outbox.Relay
}

// Handler serves the reporting routes.
type Handler struct {
	Read     *readmodel.Store
	Store    *store.Store
	Relays   Relays
	Verifier auth.Verifier
	Limiter  *ratelimit.Limiter
	Zone     *time.Location
	Now      func() time.Time
	Logger   *slog.Logger
}

// Routes mounts the API on r.
func (h *Handler) Routes(r gin.IRouter) {
	p := r.Group("/api/v1/reporting/plans/:plan")
	p.GET("/periods", h.getPeriods)
	p.GET("/periods/:period/progress", h.progress)
	p.GET("/sar", h.sar)
	p.GET("/sar/sections", h.getSections)
	p.GET("/sar/final", h.getFinal)
	p.GET("/versions", h.versions)
	p.GET("/versions/:vid", h.version)
	p.GET("/documents", h.documents)
	p.GET("/sar/consultations", h.consultations)
	p.GET("/sar/consultations/:id", h.consultation)
	p.POST("/sar/consultations/:id/comments", limitBody(MaxBody), h.comment)
	w := p.Group("", limitBody(MaxBody), auth.Authenticate(h.Verifier))
	w.PUT("/periods", auth.RequireAny(auth.KindPoC, auth.KindAdmin), h.putPeriods)
	w.PUT("/sar/sections", auth.RequireAny(auth.KindPoC), h.putSections)
	w.POST("/versions/:vid/publish", auth.RequireAny(auth.KindPoC), h.publish)
	w.POST("/sar/consultations", auth.RequireAny(auth.KindPoC), h.openConsultation)
	w.POST("/sar/consultations/:id/comments/:cid/hide", auth.RequireAny(auth.KindPoC, auth.KindAdmin), h.hide)
	w.POST("/sar/consultations/:id/comments/:cid/redact", auth.RequireAny(auth.KindPoC, auth.KindAdmin), h.redact)
	w.PUT("/sar/consultations/:id/response", auth.RequireAny(auth.KindPoC), h.respond)
	w.POST("/sar/consultations/:id/review", auth.RequireAny(auth.KindPoC), h.review)
	w.POST("/sar/final", auth.RequireAny(auth.KindPoC), h.markFinal)
}

func limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
}

func (h *Handler) internal(c *gin.Context, err error) {
	h.Logger.ErrorContext(c.Request.Context(), "reporting request failed", "path", c.FullPath(), "error", err)
	httpserver.Error(c, http.StatusInternalServerError, "internal", "something went wrong; try again")
}

func bad(c *gin.Context, err error) {
	httpserver.Error(c, http.StatusBadRequest, "bad_request", err.Error())
}

func conflict(c *gin.Context, msg string) {
	httpserver.Error(c, http.StatusConflict, "conflict", msg)
}

// fail maps store errors to answers.
func (h *Handler) fail(c *gin.Context, err error, what string) {
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, readmodel.ErrNotFound):
		httpserver.Error(c, http.StatusNotFound, "not_found", what+" not found")
	case errors.Is(err, store.ErrPublished), errors.Is(err, store.ErrConflict):
		conflict(c, err.Error())
	default:
		h.internal(c, err)
	}
}

func who(c *gin.Context) string {
	if p := auth.FromContext(c); p != nil {
		return p.Name
	}
	return ""
}

// flush publishes a document's events now; the relay retries on failure.
func (h *Handler) flush(ctx context.Context, r *outbox.Relay, id string) {
	if r == nil {
		return
	}
	if err := r.Flush(ctx, id); err != nil {
		h.Logger.WarnContext(ctx, "event publish deferred to the relay", "id", id, "error", err)
		r.Wake()
	}
}

func (h *Handler) plan(c *gin.Context) (*readmodel.Plan, bool) {
	p, err := h.Read.Plan(c.Request.Context(), c.Param("plan"))
	if err != nil {
		h.fail(c, err, fmt.Sprintf("plan %q", c.Param("plan")))
		return nil, false
	}
	return p, true
}

// language is ?lang=, else the plan's first language.
func language(c *gin.Context, p *readmodel.Plan) (string, bool) {
	l := c.Query("lang")
	if l == "" {
		if len(p.Languages) == 0 {
			return "en", true
		}
		return p.Languages[0], true
	}
	if !slices.Contains(p.Languages, l) {
		httpserver.Error(c, http.StatusBadRequest, "bad_request", fmt.Sprintf("lang: %q is not one of the plan's languages (%s)", l, strings.Join(p.Languages, ", ")))
		return "", false
	}
	return l, true
}

func format(c *gin.Context, def string) (string, bool) {
	f := c.DefaultQuery("format", def)
	if f == "markdown" {
		f = render.FormatMarkdown
	}
	if !slices.Contains(render.Formats, f) {
		httpserver.Error(c, http.StatusBadRequest, "bad_request", fmt.Sprintf("format: want html, md, json or docx, got %q", f))
		return "", false
	}
	return f, true
}

type periodsView struct {
	Config   periods.Config   `json:"config"`
	TimeZone string           `json:"time_zone"`
	Periods  []periods.Period `json:"periods"`
}

func (h *Handler) getPeriods(c *gin.Context) {
	p, ok := h.plan(c)
	if !ok {
		return
	}
	cfg, err := h.Store.Periods(c.Request.Context(), p.ID)
	if err != nil {
		h.internal(c, err)
		return
	}
	c.JSON(http.StatusOK, periodsView{Config: cfg, TimeZone: h.Zone.String(), Periods: cfg.List(p.Start, p.End, h.Zone)})
}

func (h *Handler) putPeriods(c *gin.Context) {
	var cfg periods.Config
	if !httpserver.BindJSON(c, &cfg, `{"scheme":"six_monthly"|"calendar_halves"|"explicit","end_months"?:[6,12],"periods"?:[{"id","start","end"}]}`) {
		return
	}
	p, ok := h.plan(c)
	if !ok {
		return
	}
	cfg, err := cfg.Normalize()
	if err != nil {
		bad(c, err)
		return
	}
	if err := h.Store.SetPeriods(c.Request.Context(), p.ID, cfg, who(c), h.Now()); err != nil {
		h.internal(c, err)
		return
	}
	c.JSON(http.StatusOK, periodsView{Config: cfg, TimeZone: h.Zone.String(), Periods: cfg.List(p.Start, p.End, h.Zone)})
}

// generated is a report just built and recorded as a version.
type generated struct {
	report  render.Report
	version *store.Version
}

// generate builds the report of kind for the path's plan (and period),
// records it as a version when it changed and returns both.
func (h *Handler) generate(c *gin.Context, kind string) (*generated, string, bool) {
	ctx := c.Request.Context()
	snap, err := h.Read.Load(ctx, c.Param("plan"))
	if err != nil {
		h.fail(c, err, fmt.Sprintf("plan %q", c.Param("plan")))
		return nil, "", false
	}
	lang, ok := language(c, &snap.Plan)
	if !ok {
		return nil, "", false
	}
	cfg, err := h.Store.Periods(ctx, snap.Plan.ID)
	if err != nil {
		h.internal(c, err)
		return nil, "", false
	}
	now := h.Now()
	var rep render.Report
	period := ""
	if kind == store.KindProgress {
		per, err := cfg.Find(c.Param("period"), snap.Plan.Start, snap.Plan.End, h.Zone)
		if err != nil {
			httpserver.Error(c, http.StatusNotFound, "not_found", err.Error())
			return nil, "", false
		}
		pr := report.BuildProgress(snap, per, lang, h.Zone, now)
		rep.Progress, period = &pr, per.ID
	} else {
		sec, err := h.Store.Sections(ctx, snap.Plan.ID)
		if err != nil {
			h.internal(c, err)
			return nil, "", false
		}
		s := report.BuildSAR(snap, sec.Sections, cfg.List(snap.Plan.Start, snap.Plan.End, h.Zone), lang, h.Zone, now)
		rep.SAR = &s
	}
	content, err := rep.Canonical()
	if err != nil {
		h.internal(c, err)
		return nil, "", false
	}
	v, _, err := h.Store.Record(ctx, snap.Plan.ID, kind, period, lang, content, render.Hash(content), now)
	if err != nil {
		h.internal(c, err)
		return nil, "", false
	}
	return &generated{report: rep, version: v}, lang, true
}

func (h *Handler) write(c *gin.Context, rep render.Report, v *store.Version, f string, at time.Time) {
	b, err := render.Render(rep, f, at, h.Zone)
	if err != nil {
		h.internal(c, err)
		return
	}
	c.Header("X-Report-Version", v.VID)
	c.Header("X-Content-SHA256", v.Hash)
	if f == render.FormatDOCX || f == render.FormatMarkdown {
		c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.%s"`, v.Plan, v.VID, render.Extension(f)))
	}
	c.Data(http.StatusOK, render.ContentType(f), b)
}

func (h *Handler) progress(c *gin.Context) {
	f, ok := format(c, render.FormatJSON)
	if !ok {
		return
	}
	g, _, ok := h.generate(c, store.KindProgress)
	if !ok {
		return
	}
	h.write(c, g.report, g.version, f, h.Now())
}

func (h *Handler) sar(c *gin.Context) {
	f, ok := format(c, render.FormatHTML)
	if !ok {
		return
	}
	g, _, ok := h.generate(c, store.KindSAR)
	if !ok {
		return
	}
	h.write(c, g.report, g.version, f, h.Now())
}

func (h *Handler) getSections(c *gin.Context) {
	p, ok := h.plan(c)
	if !ok {
		return
	}
	d, err := h.Store.Sections(c.Request.Context(), p.ID)
	if err != nil {
		h.internal(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}

func (h *Handler) putSections(c *gin.Context) {
	var sec report.Sections
	if !httpserver.BindJSON(c, &sec, `{"introduction":{"en":"..."},"forum_meetings":{...},"participation":{...},"irm_recommendations":{...},"commitments":{"C01":{"problem":{...},"what_it_does":{...},"ogp_values":["civic_participation"],"start"?,"end"?}}}`) {
		return
	}
	p, ok := h.plan(c)
	if !ok {
		return
	}
	if err := checkSections(&sec, p); err != nil {
		bad(c, err)
		return
	}
	d, err := h.Store.SetSections(c.Request.Context(), p.ID, sec, who(c), h.Now())
	if err != nil {
		h.internal(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}

func (h *Handler) versions(c *gin.Context) {
	p, ok := h.plan(c)
	if !ok {
		return
	}
	vs, err := h.Store.Versions(c.Request.Context(), p.ID)
	if err != nil {
		h.internal(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"versions": vs})
}

func (h *Handler) loadVersion(c *gin.Context) (*store.Version, render.Report, bool) {
	v, err := h.Store.Version(c.Request.Context(), c.Param("plan"), c.Param("vid"))
	if err != nil {
		h.fail(c, err, fmt.Sprintf("version %q", c.Param("vid")))
		return nil, render.Report{}, false
	}
	var rep render.Report
	if err := json.Unmarshal(v.Content, &rep); err != nil {
		h.internal(c, fmt.Errorf("decode version %s: %w", v.ID, err))
		return nil, rep, false
	}
	return v, rep, true
}

// version serves a stored version in any format; its generated-at line is
// the version's creation time, so it reads the same every time.
func (h *Handler) version(c *gin.Context) {
	f, ok := format(c, render.FormatHTML)
	if !ok {
		return
	}
	v, rep, ok := h.loadVersion(c)
	if !ok {
		return
	}
	h.write(c, rep, v, f, v.CreatedAt)
}

// files renders every format of a version and hashes each.
func (h *Handler) files(v *store.Version, rep render.Report) (map[string]string, error) {
	out := map[string]string{}
	for _, f := range render.Formats {
		b, err := render.Render(rep, f, v.CreatedAt, h.Zone)
		if err != nil {
			return nil, err
		}
		out[f] = render.Hash(b)
	}
	return out, nil
}

func (h *Handler) publishVersion(c *gin.Context, v *store.Version, rep render.Report, final bool) (*store.Version, bool) {
	if v.PublishedAt != nil {
		conflict(c, (&store.PublishedError{At: *v.PublishedAt}).Error())
		return nil, false
	}
	files, err := h.files(v, rep)
	if err != nil {
		h.internal(c, err)
		return nil, false
	}
	pv, err := h.Store.Publish(c.Request.Context(), v.Plan, v.VID, who(c), files, final, h.Now())
	if err != nil {
		h.fail(c, err, "version")
		return nil, false
	}
	h.flush(c.Request.Context(), h.Relays.Versions, pv.ID)
	return pv, true
}

func (h *Handler) publish(c *gin.Context) {
	v, rep, ok := h.loadVersion(c)
	if !ok {
		return
	}
	pv, ok := h.publishVersion(c, v, rep, false)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, gin.H{"version": h.document(pv, nil)})
}

// Document is one entry of the public repository.
type Document struct {
	store.Version
	Final bool              `json:"final"`
	Links map[string]string `json:"links"`
}

func (h *Handler) document(v *store.Version, final *store.Final) Document {
	d := Document{Version: *v, Links: map[string]string{}}
	d.Final = final != nil && final.VersionID == v.VID
	for _, f := range render.Formats {
		d.Links[f] = fmt.Sprintf("/api/v1/reporting/plans/%s/versions/%s?format=%s", v.Plan, v.VID, f)
	}
	return d
}

func (h *Handler) documents(c *gin.Context) {
	p, ok := h.plan(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	vs, err := h.Store.Published(ctx, p.ID)
	if err != nil {
		h.internal(c, err)
		return
	}
	final, err := h.Store.FinalOf(ctx, p.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		h.internal(c, err)
		return
	}
	out := make([]Document, 0, len(vs))
	for i := range vs {
		out = append(out, h.document(&vs[i], final))
	}
	c.JSON(http.StatusOK, gin.H{"plan": p.ID, "documents": out})
}

type consultationInput struct {
	Version  json.RawMessage `json:"version"`
	Language string          `json:"language"`
	Opens    string          `json:"opens"`
	Closes   string          `json:"closes"`
}

const consultationShape = `{"version":"sar-en-v3" (or 3 with "language"),"opens":"YYYY-MM-DD","closes":"YYYY-MM-DD"}`

func (h *Handler) openConsultation(c *gin.Context) {
	var in consultationInput
	if !httpserver.BindJSON(c, &in, consultationShape) {
		return
	}
	p, ok := h.plan(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	vid := ""
	var n int
	var s string
	switch {
	case json.Unmarshal(in.Version, &s) == nil && s != "":
		vid = s
	case json.Unmarshal(in.Version, &n) == nil && n > 0:
		lang := in.Language
		if lang == "" && len(p.Languages) > 0 {
			lang = p.Languages[0]
		}
		vid = store.VersionID(store.KindSAR, "", lang, n)
	default:
		bad(c, fmt.Errorf("version: required, the SAR draft version such as \"sar-en-v3\"; the body is %s", consultationShape))
		return
	}
	v, err := h.Store.Version(ctx, p.ID, vid)
	if errors.Is(err, store.ErrNotFound) || (err == nil && v.Kind != store.KindSAR) {
		bad(c, fmt.Errorf("version: %q is not a SAR draft version of plan %s (GET .../versions lists them)", vid, p.ID))
		return
	}
	if err != nil {
		h.internal(c, err)
		return
	}
	con, err := store.NewConsultation(ctx, p.ID, v.VID, v.Lang, strings.TrimSpace(in.Opens), strings.TrimSpace(in.Closes), who(c), h.Zone, h.Now())
	if err != nil {
		bad(c, err)
		return
	}
	if err := h.Store.InsertConsultation(ctx, con); err != nil {
		h.internal(c, err)
		return
	}
	h.flush(ctx, h.Relays.Consultations, con.ID)
	c.JSON(http.StatusCreated, gin.H{"consultation": con})
}

func (h *Handler) consultations(c *gin.Context) {
	p, ok := h.plan(c)
	if !ok {
		return
	}
	cs, err := h.Store.Consultations(c.Request.Context(), p.ID)
	if err != nil {
		h.internal(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"consultations": cs})
}

func (h *Handler) loadConsultation(c *gin.Context) (*store.Consultation, bool) {
	con, err := h.Store.Consultation(c.Request.Context(), c.Param("plan"), c.Param("id"))
	if err != nil {
		h.fail(c, err, "consultation")
		return nil, false
	}
	return con, true
}

func publicComments(cs []store.Comment) []store.Comment {
	out := make([]store.Comment, 0, len(cs))
	for _, cm := range cs {
		out = append(out, cm.Public())
	}
	return out
}

func (h *Handler) consultation(c *gin.Context) {
	con, ok := h.loadConsultation(c)
	if !ok {
		return
	}
	cs, err := h.Store.Comments(c.Request.Context(), con.ID)
	if err != nil {
		h.internal(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"consultation": con, "open": con.Open(h.Now()), "comments": publicComments(cs),
		"draft": fmt.Sprintf("/api/v1/reporting/plans/%s/versions/%s", con.Plan, con.VersionID)})
}

// comment takes a public comment while the consultation is open. A filled
// honeypot gets a reply that looks like success, and nothing is stored. The
// email, when given, is stored apart and never returned or logged.
func (h *Handler) comment(c *gin.Context) {
	var in CommentInput
	if !httpserver.BindJSON(c, &in, `{"text","language","display_name" or "anonymous":true,"email"?}`) {
		return
	}
	con, ok := h.loadConsultation(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	if allowed, wait, err := h.Limiter.Allow(ctx, "ip:"+c.ClientIP()); err != nil {
		h.internal(c, err)
		return
	} else if !allowed {
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		httpserver.Error(c, http.StatusTooManyRequests, "rate_limited", "too many comments; try again later")
		return
	}
	if err := in.validate(); err != nil {
		bad(c, err)
		return
	}
	now := h.Now().UTC().Truncate(time.Millisecond)
	cm := &store.Comment{ID: ulid.Make().String(), Consultation: con.ID, Plan: con.Plan, Text: in.Text,
		Language: in.Language, DisplayName: in.DisplayName, CreatedAt: now}
	if in.Website != "" {
		c.JSON(http.StatusCreated, gin.H{"comment": cm})
		return
	}
	if !con.Open(now) {
		conflict(c, fmt.Sprintf("the consultation takes comments from %s to %s (%s); it is not open now", con.Opens, con.Closes, h.Zone))
		return
	}
	if err := h.Store.AddComment(ctx, cm, in.Email); err != nil {
		h.internal(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"comment": cm})
}

type moderationInput struct {
	Reason string `json:"reason"`
	Text   string `json:"text"`
}

func (h *Handler) moderate(c *gin.Context, redact bool) {
	var in moderationInput
	shape := `{"reason"}`
	if redact {
		shape = `{"reason","text"}`
	}
	if !httpserver.BindJSON(c, &in, shape) {
		return
	}
	var p problems
	checkText(&p, "reason", in.Reason, MaxReason, true)
	if redact {
		checkText(&p, "text", in.Text, MaxComment, true)
	}
	if err := p.err(); err != nil {
		bad(c, err)
		return
	}
	con, ok := h.loadConsultation(c)
	if !ok {
		return
	}
	m := &store.Moderation{Reason: strings.TrimSpace(in.Reason), By: who(c), At: h.Now().UTC().Truncate(time.Millisecond)}
	cm, err := h.Store.ModerateComment(c.Request.Context(), con.ID, c.Param("cid"), func(cm *store.Comment) error {
		if redact {
			cm.Text, cm.Redacted = strings.TrimSpace(in.Text), m
		} else {
			cm.Hidden = m
		}
		return nil
	})
	if err != nil {
		h.fail(c, err, "comment")
		return
	}
	h.Logger.InfoContext(c.Request.Context(), "comment moderated", "comment", cm.ID, "redact", redact, "by", m.By)
	c.JSON(http.StatusOK, gin.H{"comment": cm.Public()})
}

func (h *Handler) hide(c *gin.Context)   { h.moderate(c, false) }
func (h *Handler) redact(c *gin.Context) { h.moderate(c, true) }

func (h *Handler) respond(c *gin.Context) {
	var in struct {
		Summary map[string]string `json:"summary"`
	}
	if !httpserver.BindJSON(c, &in, `{"summary":{"en":"...","fr":"..."}}`) {
		return
	}
	p, ok := h.plan(c)
	if !ok {
		return
	}
	var pr problems
	checkTexts(&pr, "summary", in.Summary, p.Languages, MaxSection)
	for _, l := range p.Languages {
		if strings.TrimSpace(in.Summary[l]) == "" {
			pr.add("summary."+l, "is required: the response is published in every language of the plan")
		}
	}
	if err := pr.err(); err != nil {
		bad(c, err)
		return
	}
	con, err := h.Store.ChangeConsultation(c.Request.Context(), p.ID, c.Param("id"), func(con *store.Consultation) error {
		if h.Now().Before(con.ClosesAt) {
			return errNotClosed{con, "publish the response summary"}
		}
		con.Response = &store.Response{Summary: in.Summary, At: h.Now().UTC().Truncate(time.Millisecond), By: who(c)}
		return nil
	})
	if h.changeFailed(c, err) {
		return
	}
	c.JSON(http.StatusOK, gin.H{"consultation": con})
}

type errNotClosed struct {
	con  *store.Consultation
	what string
}

func (e errNotClosed) Error() string {
	return fmt.Sprintf("the consultation closes at the end of %s; %s after it closes", e.con.Closes, e.what)
}

func (h *Handler) changeFailed(c *gin.Context, err error) bool {
	var nc errNotClosed
	switch {
	case err == nil:
		return false
	case errors.As(err, &nc):
		conflict(c, err.Error())
	case errors.Is(err, errFinal):
		conflict(c, err.Error())
	default:
		h.fail(c, err, "consultation")
	}
	return true
}

var errFinal = errors.New("the SAR is already final; its review can no longer change")

func (h *Handler) review(c *gin.Context) {
	var in struct {
		Reviewers string            `json:"reviewers"`
		Outcome   string            `json:"outcome"`
		On        string            `json:"on"`
		Notes     map[string]string `json:"notes"`
	}
	if !httpserver.BindJSON(c, &in, `{"reviewers":"who reviewed for the forum","outcome":"endorsed"|"endorsed_with_comments"|"changes_requested","on"?:"YYYY-MM-DD","notes"?:{"en":"..."}}`) {
		return
	}
	p, ok := h.plan(c)
	if !ok {
		return
	}
	var pr problems
	checkText(&pr, "reviewers", in.Reviewers, MaxReviewer, true)
	if !slices.Contains(store.ReviewOutcomes, in.Outcome) {
		pr.add("outcome", "want one of %s, got %q", strings.Join(store.ReviewOutcomes, ", "), in.Outcome)
	}
	if in.On == "" {
		in.On = h.Now().In(h.Zone).Format(time.DateOnly)
	} else if _, err := time.Parse(time.DateOnly, in.On); err != nil {
		pr.add("on", "want the day of the review, YYYY-MM-DD, got %q", in.On)
	}
	checkTexts(&pr, "notes", in.Notes, p.Languages, MaxSection)
	if err := pr.err(); err != nil {
		bad(c, err)
		return
	}
	ctx := c.Request.Context()
	if _, err := h.Store.FinalOf(ctx, p.ID); err == nil {
		conflict(c, errFinal.Error())
		return
	}
	con, err := h.Store.ChangeConsultation(ctx, p.ID, c.Param("id"), func(con *store.Consultation) error {
		if h.Now().Before(con.ClosesAt) {
			return errNotClosed{con, "record the forum's review"}
		}
		con.Review = &store.Review{Reviewers: strings.TrimSpace(in.Reviewers), Outcome: in.Outcome, On: in.On, Notes: in.Notes,
			RecordedAt: h.Now().UTC().Truncate(time.Millisecond), RecordedBy: who(c)}
		return nil
	})
	if h.changeFailed(c, err) {
		return
	}
	c.JSON(http.StatusOK, gin.H{"consultation": con})
}

func (h *Handler) getFinal(c *gin.Context) {
	p, ok := h.plan(c)
	if !ok {
		return
	}
	f, err := h.Store.FinalOf(c.Request.Context(), p.ID)
	if err != nil {
		h.fail(c, err, "final SAR")
		return
	}
	c.JSON(http.StatusOK, gin.H{"final": f})
}

// markFinal marks the consultation's SAR version final: only once the
// consultation has closed, the PoC has published a response summary and the
// forum's review is recorded with an outcome that does not ask for changes.
// The version is published if it was not already.
func (h *Handler) markFinal(c *gin.Context) {
	var in struct {
		Consultation string `json:"consultation"`
	}
	if !httpserver.BindJSON(c, &in, `{"consultation":"<consultation id>"}`) {
		return
	}
	p, ok := h.plan(c)
	if !ok {
		return
	}
	if in.Consultation == "" {
		bad(c, errors.New("consultation: required, the id of the SAR consultation"))
		return
	}
	ctx := c.Request.Context()
	con, err := h.Store.Consultation(ctx, p.ID, in.Consultation)
	if errors.Is(err, store.ErrNotFound) {
		bad(c, fmt.Errorf("consultation: plan %s has no consultation %q", p.ID, in.Consultation))
		return
	}
	if err != nil {
		h.internal(c, err)
		return
	}
	var missing []string
	if h.Now().Before(con.ClosesAt) {
		missing = append(missing, "the consultation has not closed (it closes at the end of "+con.Closes+")")
	}
	if con.Response == nil {
		missing = append(missing, "no response summary has been published (PUT .../response)")
	}
	if con.Review == nil {
		missing = append(missing, "the forum's review is not recorded (POST .../review)")
	} else if con.Review.Outcome == "changes_requested" {
		missing = append(missing, "the forum requested changes: prepare a new draft and consult on it")
	}
	if len(missing) > 0 {
		conflict(c, "the SAR cannot be marked final: "+strings.Join(missing, "; "))
		return
	}
	if _, err := h.Store.FinalOf(ctx, p.ID); err == nil {
		conflict(c, "the SAR of "+p.ID+" is already final")
		return
	}
	v, err := h.Store.Version(ctx, p.ID, con.VersionID)
	if err != nil {
		h.fail(c, err, "version")
		return
	}
	if v.PublishedAt == nil {
		var rep render.Report
		if err := json.Unmarshal(v.Content, &rep); err != nil {
			h.internal(c, err)
			return
		}
		if v, ok = h.publishVersion(c, v, rep, true); !ok {
			return
		}
	}
	f := &store.Final{VersionID: v.VID, Consultation: con.ID, Outcome: con.Review.Outcome, At: h.Now().UTC().Truncate(time.Millisecond), By: who(c)}
	if err := h.Store.MarkFinal(ctx, p.ID, f); err != nil {
		h.fail(c, err, "final SAR")
		return
	}
	h.flush(ctx, h.Relays.Finals, p.ID)
	c.JSON(http.StatusOK, gin.H{"final": f, "document": h.document(v, f)})
}
