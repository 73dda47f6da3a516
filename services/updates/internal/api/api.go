// Package api is the updates service's HTTP interface: agencies post progress,
// working-group members agree or dispute it, and everyone reads what is public.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/oklog/ulid/v2"

	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/kit/httpserver"
	"github.com/kept-ogp/kept/services/kit/mongox"
	"github.com/kept-ogp/kept/services/updates/internal/items"
	"github.com/kept-ogp/kept/services/updates/internal/plans"
	"github.com/kept-ogp/kept/services/updates/internal/progress"
)

// MaxBody bounds a request body.
const MaxBody = 1 << 20

// Flusher publishes an update's pending events at once, and serialises
// changes to one update with the removal of its sent events.
type Flusher interface {
	Flush(ctx context.Context, id any) error
	Lock(id any) (unlock func())
}

// Handler serves the updates routes.
type Handler struct {
	Items *items.Store
	// Plans gives each plan's languages and months, checked on every post.
	Plans    *plans.Store
	Updates  *progress.Store
	Verifier auth.Verifier
	Relay    Flusher
	Logger   *slog.Logger
	// Now and Zone give "today" in the deployment's time zone (late or not).
	Now  func() time.Time
	Zone *time.Location
}

// Routes mounts the API on r.
func (h *Handler) Routes(r gin.IRouter) {
	v1 := r.Group("/api/v1")
	v1.GET("/updates", h.listPublic)
	v1.GET("/updates/:id", h.getPublic)
	w := v1.Group("", bodyLimit, auth.Authenticate(h.Verifier))
	w.GET("/drafts", auth.RequireAny(auth.KindAgencyEditor, auth.KindWGMember, auth.KindPoC, auth.KindAdmin), h.listDrafts)
	w.POST("/updates", auth.RequireAny(auth.KindAgencyEditor), h.post)
	w.POST("/updates/:id/agree", auth.RequireAny(auth.KindWGMember), h.agree)
	w.POST("/updates/:id/dispute", auth.RequireAny(auth.KindWGMember), h.dispute)
}

func bodyLimit(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxBody)
	c.Next()
}

func (h *Handler) listPublic(c *gin.Context) {
	f := progress.Filter{Plan: c.Query("plan"), Commitment: c.Query("commitment"), Item: c.Query("item"),
		Period: c.Query("period"), States: []string{progress.StateAgreed, progress.StateDisputed}}
	us, err := h.Updates.List(c.Request.Context(), f)
	if err != nil {
		h.internal(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"updates": us})
}

func (h *Handler) getPublic(c *gin.Context) {
	u, err := h.Updates.Get(c.Request.Context(), c.Param("id"))
	if errors.Is(err, progress.ErrNotFound) || (err == nil && !u.Public()) {
		// Drafts are not public; say "not found" rather than reveal they exist.
		httpserver.Error(c, http.StatusNotFound, "not_found", "no such public update")
		return
	}
	if err != nil {
		h.internal(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"update": u})
}

// listDrafts shows drafts to those who work on them: editors see their
// agencies' drafts, working-group members their commitments', the PoC all.
func (h *Handler) listDrafts(c *gin.Context) {
	p := auth.FromContext(c)
	f := progress.Filter{Plan: c.Query("plan"), Commitment: c.Query("commitment"), States: []string{progress.StateDraft}}
	us, err := h.Updates.List(c.Request.Context(), f)
	if err != nil {
		h.internal(c, err)
		return
	}
	out := []progress.Update{}
	for _, u := range us {
		if p.Has(auth.KindPoC) || p.Has(auth.KindAdmin) || p.EditsFor(u.Agency) || len(p.Sides(u.Plan, u.Commitment)) > 0 {
			out = append(out, u)
		}
	}
	c.JSON(http.StatusOK, gin.H{"drafts": out})
}

func (h *Handler) post(c *gin.Context) {
	var d progress.Draft
	if !httpserver.BindJSON(c, &d, `a JSON update {"plan","item","period","status","progress":{"en":"..."},...}`) {
		return
	}
	if d.Plan == "" || d.Item == "" {
		// Say what is missing before looking anything up.
		h.invalid(c, d.Validate("", nil, h.Now()))
		return
	}
	ctx := c.Request.Context()
	it, err := h.Items.Get(ctx, d.Plan, d.Item)
	if errors.Is(err, items.ErrNotFound) {
		httpserver.Error(c, http.StatusUnprocessableEntity, "unknown_item", fmt.Sprintf("plan %q has no milestone or indicator %q", d.Plan, d.Item))
		return
	}
	if err != nil {
		h.internal(c, err)
		return
	}
	p := auth.FromContext(c)
	agency, ok := agencyFor(p, it, d.Agency)
	if !ok {
		auth.Forbid(c, fmt.Sprintf("%s is led by %s; your token edits for another organisation", it.Code, strings.Join(it.LeadOrgs, ", ")))
		return
	}
	plan, err := h.plan(ctx, it.Plan)
	if err != nil {
		h.internal(c, err)
		return
	}
	now := h.Now().UTC()
	if err := d.Validate(it.Due, plan, now.In(h.Zone)); err != nil {
		h.invalid(c, err)
		return
	}
	u := &progress.Update{ID: ulid.Make().String(), Plan: it.Plan, Commitment: it.Commitment, Item: it.Code, Level: it.Level,
		Period: d.Period, Status: d.Status, Progress: d.Progress, Evidence: nonNil(d.Evidence), Challenges: d.Challenges,
		DelayReason: d.DelayReason, NextSteps: d.NextSteps, Agency: agency, PostedBy: p.TokenID, PostedAt: now,
		State: progress.StateDraft, Agreements: []progress.Agreement{}, Disputes: []progress.Dispute{}}
	if err := h.Updates.Insert(ctx, u); err != nil {
		h.internal(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"update": u})
}

// plan returns what a draft is checked against from plan id, or nil while
// the plan's event has not been read: the item is known, so the plan exists,
// and the update is not refused for what the service has yet to learn.
func (h *Handler) plan(ctx context.Context, id string) (*progress.Plan, error) {
	p, err := h.Plans.Get(ctx, id)
	if errors.Is(err, plans.ErrNotFound) {
		h.Logger.DebugContext(ctx, "plan not known yet; the update's languages and period are not checked against it", "plan", id)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &progress.Plan{ID: p.ID, Languages: p.Languages, Start: p.Start, End: p.End}, nil
}

// agencyFor picks the lead organisation the principal posts for.
func agencyFor(p *auth.Principal, it *items.Item, asked string) (string, bool) {
	for _, org := range it.LeadOrgs {
		if p.EditsFor(org) && (asked == "" || asked == org) {
			return org, true
		}
	}
	return "", false
}

func nonNil(e []progress.Evidence) []progress.Evidence {
	if e == nil {
		return []progress.Evidence{}
	}
	return e
}

type decision struct {
	Side   string        `json:"side"`
	Reason progress.Text `json:"reason"`
}

func (h *Handler) agree(c *gin.Context) {
	h.decide(c, func(u *progress.Update, p *auth.Principal, d decision, now time.Time) error {
		return u.Agree(p, d.Side, now)
	})
}

func (h *Handler) dispute(c *gin.Context) {
	h.decide(c, func(u *progress.Update, p *auth.Principal, d decision, now time.Time) error {
		return u.Dispute(p, d.Side, d.Reason, now)
	})
}

// decide loads, changes and saves an update, retrying when another decision
// landed in between (two members agreeing at the same moment).
func (h *Handler) decide(c *gin.Context, apply func(*progress.Update, *auth.Principal, decision, time.Time) error) {
	var d decision
	if c.Request.ContentLength != 0 {
		if !httpserver.BindJSON(c, &d, `{"side":"government|civil_society","reason":{"en":"..."}}`) {
			return
		}
	}
	ctx := c.Request.Context()
	p := auth.FromContext(c)
	unlock := h.Relay.Lock(c.Param("id"))
	locked := true
	defer func() {
		if locked {
			unlock()
		}
	}()
	for attempt := 0; attempt < 5; attempt++ {
		u, err := h.Updates.Get(ctx, c.Param("id"))
		if errors.Is(err, progress.ErrNotFound) {
			httpserver.Error(c, http.StatusNotFound, "not_found", "no such update")
			return
		}
		if err != nil {
			h.internal(c, err)
			return
		}
		if err := apply(u, p, d, h.Now().UTC()); err != nil {
			h.invalid(c, err)
			return
		}
		err = h.Updates.Save(ctx, u)
		if errors.Is(err, progress.ErrConflict) {
			continue
		}
		if err != nil {
			h.internal(c, err)
			return
		}
		unlock()
		locked = false
		if u.Public() {
			if err := h.Relay.Flush(ctx, u.ID); err != nil {
				h.Logger.WarnContext(ctx, "outbox flush failed; relay will retry", "update", u.ID, "error", err)
			}
		}
		c.JSON(http.StatusOK, gin.H{"update": u})
		return
	}
	httpserver.Error(c, http.StatusConflict, "conflict", "the update kept changing; try again")
}

func (h *Handler) invalid(c *gin.Context, err error) {
	var ie *progress.InvalidError
	var de *progress.DecisionError
	switch {
	case errors.As(err, &ie):
		httpserver.Error(c, http.StatusUnprocessableEntity, "invalid_update", ie.Error(), ie.Errors)
	case errors.As(err, &de):
		httpserver.Error(c, de.Status, de.Code, de.Message)
	default:
		h.internal(c, err)
	}
}

func (h *Handler) internal(c *gin.Context, err error) {
	if mongox.IsBusy(err) {
		h.Logger.WarnContext(c.Request.Context(), "store busy", "route", c.FullPath(), "error", err)
		c.Header("Retry-After", "1")
		httpserver.Error(c, http.StatusServiceUnavailable, "busy", "the store is busy; try again in a moment")
		return
	}
	h.Logger.ErrorContext(c.Request.Context(), "request failed", "route", c.FullPath(), "error", err)
	httpserver.Error(c, http.StatusInternalServerError, "internal", "internal error")
}
