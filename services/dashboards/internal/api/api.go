// Package api serves the dashboards: JSON summaries of plans and commitments,
// the embeds ministries put on their sites (an HTML widget for an iframe
// and an SVG badge), and, for the PoC and admins, the list of sites allowed
// to frame them.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kept-ogp/kept/services/dashboards/internal/allowlist"
	"github.com/kept-ogp/kept/services/dashboards/internal/badge"
	"github.com/kept-ogp/kept/services/dashboards/internal/embedhttp"
	"github.com/kept-ogp/kept/services/dashboards/internal/i18n"
	"github.com/kept-ogp/kept/services/dashboards/internal/rag"
	"github.com/kept-ogp/kept/services/dashboards/internal/readmodel"
	"github.com/kept-ogp/kept/services/dashboards/internal/summary"
	"github.com/kept-ogp/kept/services/dashboards/internal/widget"
	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/kit/httpserver"
)

// Handler serves the dashboard routes.
type Handler struct {
	Store *readmodel.Store
	Rules rag.Rules
	// Origins is the frame-ancestors allowlist the embeds send and the
	// console edits.
	Origins *allowlist.Allowlist
	// Verifier checks the tokens of the allowlist routes.
	Verifier auth.Verifier
	Zone     *time.Location
	Now      func() time.Time
	// PublicBase is the public site's base URL for links from widgets ("" for none).
	PublicBase string
	Logger     *slog.Logger
	// Staleness bounds how long another replica's change can take to show.
	Staleness time.Duration

	// cache holds rendered responses per plan and day, so a badge served a
	// thousand times a second is rendered and hashed once; structures holds
	// each plan's plan and commitments, which change far less than progress.
	cache      planCache[embedhttp.Cached]
	structures planCache[*readmodel.Snapshot]
}

// snapshot loads a plan's statuses, reusing its structure when it is fresh.
func (h *Handler) snapshot(ctx context.Context, plan string) (*readmodel.Snapshot, error) {
	st, gen, ok := h.structures.get(plan, "", h.Staleness)
	if !ok {
		var err error
		if st, err = h.Store.LoadStructure(ctx, plan); err != nil {
			return nil, err
		}
		h.structures.put(plan, "", gen, st)
	}
	statuses, err := h.Store.LoadStatuses(ctx, plan)
	if err != nil {
		return nil, err
	}
	snap := *st
	snap.Statuses = statuses
	return &snap, nil
}

// Routes mounts the JSON API, the embed allowlist routes and the embeds.
func (h *Handler) Routes(r gin.IRouter) {
	v1 := r.Group("/api/v1/dashboards")
	v1.GET("/plans/:plan", h.planJSON)
	v1.GET("/plans/:plan/commitments/:code", h.commitmentJSON)
	h.allowlistRoutes(v1)
	embed := r.Group("", h.Origins.Policy().Middleware())
	// HEAD too: link checkers and caches in front of ministry sites use it.
	for path, fn := range map[string]gin.HandlerFunc{
		widget.StylesheetPath:                  h.css,
		"/embed/plans/:plan":                   h.planWidget,
		"/embed/plans/:plan/commitments/:code": h.commitmentWidget,
		"/badge/plans/:plan":                   h.planBadge,
		"/badge/plans/:plan/commitments/:code": h.commitmentBadge,
	} {
		embed.GET(path, fn)
		embed.HEAD(path, fn)
	}
}

// Invalidate drops cached responses of a plan after this replica applied an
// event, and its cached structure when structure changed; other replicas
// notice within Staleness.
func (h *Handler) Invalidate(plan string, structure bool) {
	h.cache.invalidate(plan)
	if structure {
		h.structures.invalidate(plan)
	}
}

func (h *Handler) today() time.Time {
	t := h.Now().In(h.Zone)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, h.Zone)
}

// respond serves a cached rendering of key for plan, building it when absent.
func (h *Handler) respond(c *gin.Context, plan, key string, build func(*readmodel.Snapshot, time.Time) (embedhttp.Cached, error)) {
	// Language comes from ?lang= or Accept-Language, so caches must key on it.
	c.Header("Vary", "Accept-Language")
	day := h.today()
	key = day.Format(time.DateOnly) + "/" + key
	v, gen, ok := h.cache.get(plan, key, h.Staleness)
	if ok {
		embedhttp.ServeCached(c, v)
		return
	}
	snap, err := h.snapshot(c.Request.Context(), plan)
	if errors.Is(err, readmodel.ErrNotFound) {
		h.notFound(c, fmt.Sprintf("no plan %q", plan))
		return
	}
	if err != nil {
		h.internal(c, err)
		return
	}
	v, err = build(snap, day)
	var nf notFound
	if errors.As(err, &nf) {
		h.notFound(c, nf.Error())
		return
	}
	if err != nil {
		h.internal(c, err)
		return
	}
	h.cache.put(plan, key, gen, v)
	embedhttp.ServeCached(c, v)
}

// notFound answers 404 in the route's own format, so an <img> of a badge
// whose code was mistyped shows a readable "not found" badge, not a broken
// image.
func (h *Handler) notFound(c *gin.Context, msg string) {
	lg := lang(c)
	switch {
	case strings.HasPrefix(c.FullPath(), "/badge/"):
		c.Header("Cache-Control", embedhttp.CacheControl)
		c.Data(http.StatusNotFound, "image/svg+xml", badge.Render("OGP", i18n.Label(lg, i18n.KeyNotFound), rag.Grey, lg))
		c.Abort()
	default:
		httpserver.Error(c, http.StatusNotFound, "not_found", msg)
	}
}

type notFound struct{ msg string }

func (e notFound) Error() string { return e.msg }

func commitmentOf(s *readmodel.Snapshot, code string) (readmodel.Commitment, error) {
	code = strings.TrimSuffix(code, ".svg")
	for _, c := range s.Commitments {
		if c.Code == code {
			return c, nil
		}
	}
	return readmodel.Commitment{}, notFound{fmt.Sprintf("no commitment %q in plan %s", code, s.Plan.ID)}
}

func jsonBody(v any) (embedhttp.Cached, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return embedhttp.Cached{}, fmt.Errorf("encode summary: %w", err)
	}
	return embedhttp.NewCached("application/json; charset=utf-8", b), nil
}

func (h *Handler) planJSON(c *gin.Context) {
	plan := c.Param("plan")
	h.respond(c, plan, "json", func(s *readmodel.Snapshot, day time.Time) (embedhttp.Cached, error) {
		return jsonBody(gin.H{"plan": summary.ForPlan(s, day, h.Rules)})
	})
}

func (h *Handler) commitmentJSON(c *gin.Context) {
	plan, code := c.Param("plan"), c.Param("code")
	h.respond(c, plan, "json/"+code, func(s *readmodel.Snapshot, day time.Time) (embedhttp.Cached, error) {
		cm, err := commitmentOf(s, code)
		if err != nil {
			return embedhttp.Cached{}, err
		}
		return jsonBody(gin.H{"commitment": summary.ForCommitment(s, cm, day, h.Rules)})
	})
}

func (h *Handler) css(c *gin.Context) {
	embedhttp.ServeCached(c, embedhttp.NewCached("text/css; charset=utf-8", widget.CSS()))
}

func lang(c *gin.Context) string {
	if q := c.Query("lang"); q != "" {
		return i18n.Pick(q)
	}
	return i18n.Pick(c.GetHeader("Accept-Language"))
}

func (h *Handler) pageURL(plan, code string) string {
	if h.PublicBase == "" {
		return ""
	}
	u := strings.TrimSuffix(h.PublicBase, "/") + "/plans/" + plan
	if code != "" {
		u += "/commitments/" + code
	}
	return u
}

func (h *Handler) planWidget(c *gin.Context) {
	plan, lg := c.Param("plan"), lang(c)
	h.respond(c, plan, "widget/"+lg, func(s *readmodel.Snapshot, day time.Time) (embedhttp.Cached, error) {
		sum := summary.ForPlan(s, day, h.Rules)
		title, used := i18n.Text(sum.Title, lg, s.Plan.Languages...)
		v := widget.PlanView{Lang: lg, PlanID: sum.ID, Title: title, TitleFallbackLang: fallback(lg, used),
			Light: result(sum.Light), Counts: counts(sum.Counts), PercentComplete: sum.PercentComplete,
			NextDeadlines: deadlines(sum.NextDeadlines, lg, s.Plan.Languages), UpdatedAt: updated(sum.LastUpdate), PageURL: h.pageURL(plan, "")}
		for _, cm := range sum.Commitments {
			t, _ := i18n.Text(cm.Title, lg, s.Plan.Languages...)
			v.Commitments = append(v.Commitments, widget.CommitmentRow{Code: cm.Code, Title: t, Light: result(cm.Light), PercentComplete: cm.PercentComplete})
		}
		b, err := widget.RenderPlan(v)
		if err != nil {
			return embedhttp.Cached{}, fmt.Errorf("render plan widget: %w", err)
		}
		return embedhttp.NewCached("text/html; charset=utf-8", b), nil
	})
}

func (h *Handler) commitmentWidget(c *gin.Context) {
	plan, code, lg := c.Param("plan"), c.Param("code"), lang(c)
	h.respond(c, plan, "widget/"+lg+"/"+code, func(s *readmodel.Snapshot, day time.Time) (embedhttp.Cached, error) {
		cm, err := commitmentOf(s, code)
		if err != nil {
			return embedhttp.Cached{}, err
		}
		sum := summary.ForCommitment(s, cm, day, h.Rules)
		title, used := i18n.Text(sum.Title, lg, s.Plan.Languages...)
		planTitle, _ := i18n.Text(sum.PlanTitle, lg, s.Plan.Languages...)
		v := widget.CommitmentView{Lang: lg, PlanTitle: planTitle, Code: sum.Code, Title: title, TitleFallbackLang: fallback(lg, used),
			Light: result(sum.Light), Disputed: sum.Disputed > 0, Counts: counts(sum.Counts), PercentComplete: sum.PercentComplete,
			NextDeadlines: deadlines(sum.NextDeadlines, lg, s.Plan.Languages), UpdatedAt: updated(sum.LastUpdate), PageURL: h.pageURL(plan, sum.Code)}
		b, err := widget.RenderCommitment(v)
		if err != nil {
			return embedhttp.Cached{}, fmt.Errorf("render commitment widget: %w", err)
		}
		return embedhttp.NewCached("text/html; charset=utf-8", b), nil
	})
}

func (h *Handler) planBadge(c *gin.Context) {
	plan, lg := strings.TrimSuffix(c.Param("plan"), ".svg"), lang(c)
	h.respond(c, plan, "badge/"+lg, func(s *readmodel.Snapshot, day time.Time) (embedhttp.Cached, error) {
		sum := summary.ForPlan(s, day, h.Rules)
		msg := i18n.Label(lg, string(sum.Light.Light)) + " · " + i18n.Percent(lg, sum.PercentComplete)
		return embedhttp.NewCached("image/svg+xml", badge.Render("OGP "+sum.ID, msg, sum.Light.Light, lg)), nil
	})
}

func (h *Handler) commitmentBadge(c *gin.Context) {
	plan, code, lg := c.Param("plan"), c.Param("code"), lang(c)
	h.respond(c, plan, "badge/"+lg+"/"+code, func(s *readmodel.Snapshot, day time.Time) (embedhttp.Cached, error) {
		cm, err := commitmentOf(s, code)
		if err != nil {
			return embedhttp.Cached{}, err
		}
		sum := summary.ForCommitment(s, cm, day, h.Rules)
		msg := i18n.Label(lg, string(sum.Light.Light)) + " · " + i18n.Percent(lg, sum.PercentComplete)
		return embedhttp.NewCached("image/svg+xml", badge.Render("OGP "+sum.Code, msg, sum.Light.Light, lg)), nil
	})
}

func result(l summary.Light) rag.Result { return rag.Result{Light: l.Light, Reason: l.Reason} }

// counts maps the summary's counts to the widget's, where "" is the key for
// items with no agreed update (the summary calls them "not_reported").
func counts(c summary.Counts) widget.Counts {
	by := make(map[string]int, len(c.ByStatus))
	for k, v := range c.ByStatus {
		if k == "not_reported" {
			k = ""
		}
		by[k] += v
	}
	return widget.Counts{ByLight: c.ByLight, ByStatus: by, Total: c.Total}
}

func fallback(asked, used string) string {
	if used == "" || used == asked {
		return ""
	}
	return used
}

func updated(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

func deadlines(ds []summary.Deadline, lg string, langs []string) []widget.Deadline {
	out := make([]widget.Deadline, 0, len(ds))
	for _, d := range ds {
		t, _ := i18n.Text(d.Title, lg, langs...)
		w, _ := i18n.Text(d.Words, lg, langs...)
		out = append(out, widget.Deadline{Code: d.Code, Title: t, Words: w, Due: d.Due, Approximate: d.Approximate})
	}
	return out
}

func (h *Handler) internal(c *gin.Context, err error) {
	h.Logger.ErrorContext(c.Request.Context(), "request failed", "route", c.FullPath(), "error", err)
	httpserver.Error(c, http.StatusInternalServerError, "internal", "internal error")
}
