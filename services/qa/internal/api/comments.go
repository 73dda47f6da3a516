package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/kit/httpserver"
	"github.com/kept-ogp/kept/services/qa/internal/comments"
	"github.com/kept-ogp/kept/services/qa/internal/leads"
)

// commentRoutes mounts the public's comments on published updates.
func (h *Handler) commentRoutes(v1 *gin.RouterGroup) {
	cm := v1.Group("/plans/:plan/commitments/:code")
	cm.GET("/comments", h.listComments)
	cm.POST("/updates/:update/comments", limitBody(MaxBody), h.postComment)
	w := cm.Group("/comments/:id", limitBody(MaxBody), auth.Authenticate(h.Verifier), auth.RequireAny(auth.KindPoC, auth.KindAdmin))
	w.POST("/hide", h.hideComment)
	w.POST("/redact", h.redactComment)
}

// publicUpdate returns the update named by id if it is public on the
// commitment in the path, else answers 404.
func (h *Handler) publicUpdate(c *gin.Context, id string) (*comments.Update, bool) {
	u, err := h.Comments.PublicUpdate(c.Request.Context(), c.Param("plan"), c.Param("code"), id)
	if errors.Is(err, comments.ErrUpdateNotFound) {
		httpserver.Error(c, http.StatusNotFound, "not_found", fmt.Sprintf(
			"commitment %s of plan %s has no published update %q: comments are taken on agreed or disputed updates only",
			c.Param("code"), c.Param("plan"), id))
		return nil, false
	}
	if err != nil {
		h.internal(c, err)
		return nil, false
	}
	return u, true
}

// clientKey is the rate-limit key of the client address for comments: a
// SHA-256 of the address, so not even Redis holds it.
func clientKey(c *gin.Context) string {
	sum := sha256.Sum256([]byte(c.ClientIP()))
	return "comment-ip:" + hex.EncodeToString(sum[:])
}

// postComment stores a comment on a published update. A filled honeypot
// ("website") gets a response that looks like a success (201, a fresh id)
// but nothing is stored. The client address is counted (hashed) for the
// rate limit and stored nowhere.
func (h *Handler) postComment(c *gin.Context) {
	var p comments.Post
	if !httpserver.BindJSON(c, &p, `{"text","language","display_name"? or "anonymous":true}`) {
		return
	}
	if _, ok := h.commitment(c); !ok {
		return
	}
	u, ok := h.publicUpdate(c, c.Param("update"))
	if !ok {
		return
	}
	if h.limitedWith(c, clientKey(c), "too many comments; try again later") {
		return
	}
	plan, err := h.Leads.Plan(c.Request.Context(), u.Plan)
	if errors.Is(err, leads.ErrPlanNotFound) {
		// The plans consumer has not caught up yet (a fresh start).
		c.Header("Retry-After", "5")
		httpserver.Error(c, http.StatusServiceUnavailable, "not_ready", fmt.Sprintf("the languages of plan %s are not known yet; try again shortly", u.Plan))
		return
	}
	if err != nil {
		h.internal(c, err)
		return
	}
	if err := p.Validate(plan.Languages); err != nil {
		h.invalid(c, err)
		return
	}
	cm := h.Comments.New(u, p)
	if p.Website != "" {
		c.JSON(http.StatusCreated, gin.H{"comment": cm.View()})
		return
	}
	if err := h.Comments.Post(c.Request.Context(), cm); err != nil {
		h.internal(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"comment": cm.View()})
}

// listComments lists the commitment's comments on its public updates,
// oldest first (?update= for one update).
func (h *Handler) listComments(c *gin.Context) {
	if _, ok := h.commitment(c); !ok {
		return
	}
	update := c.Query("update")
	if update != "" {
		if _, ok := h.publicUpdate(c, update); !ok {
			return
		}
	}
	cs, truncated, err := h.Comments.List(c.Request.Context(), c.Param("plan"), c.Param("code"), update)
	if err != nil {
		h.internal(c, err)
		return
	}
	out := make([]comments.View, 0, len(cs))
	for i := range cs {
		out = append(out, cs[i].View())
	}
	c.JSON(http.StatusOK, gin.H{"comments": out, "truncated": truncated})
}

func (h *Handler) hideComment(c *gin.Context) {
	var b reasoned
	if !httpserver.BindJSON(c, &b, `{"reason":"..."}`) {
		return
	}
	h.moderateComment(c, comments.Hide(b.Reason, auth.FromContext(c).Name))
}

func (h *Handler) redactComment(c *gin.Context) {
	var b reasoned
	if !httpserver.BindJSON(c, &b, `{"text":"the text with personal data replaced","reason":"..."}`) {
		return
	}
	h.moderateComment(c, comments.Redact(b.Text, b.Reason, auth.FromContext(c).Name))
}

func (h *Handler) moderateComment(c *gin.Context, fn func(*comments.Comment, time.Time) error) {
	cm, err := h.Comments.Change(c.Request.Context(), c.Param("plan"), c.Param("code"), c.Param("id"), fn)
	if errors.Is(err, comments.ErrNotFound) {
		httpserver.Error(c, http.StatusNotFound, "not_found", "no such comment")
		return
	}
	if err != nil {
		h.invalid(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"comment": cm.View()})
}
