package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kept-ogp/kept/services/dashboards/internal/allowlist"
	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/kit/httpserver"
)

// MaxBody bounds the allowlist routes' request bodies.
const MaxBody = 4 << 10

// allowlistRoutes mounts the embed allowlist under v1 (/api/v1/dashboards):
// reading it names staff, so it needs the PoC or an admin too.
//
//	GET    /embed/allowlist          {"origins":[entry...]}
//	POST   /embed/allowlist          {"origin","note"?} -> 201 {"origin":entry}
//	DELETE /embed/allowlist/:origin  204 (origin URL-escaped)
func (h *Handler) allowlistRoutes(v1 gin.IRouter) {
	g := v1.Group("/embed/allowlist", limitBody(MaxBody), auth.Authenticate(h.Verifier), auth.RequireAny(auth.KindPoC, auth.KindAdmin))
	g.GET("", h.listOrigins)
	g.POST("", h.addOrigin)
	// A catch-all: an escaped origin ("https%3A%2F%2Fa.gc.ca") arrives
	// unescaped, slashes included, and so does one sent unescaped.
	g.DELETE("/*origin", h.removeOrigin)
}

func limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
}

func (h *Handler) listOrigins(c *gin.Context) {
	entries, err := h.Origins.List(c.Request.Context())
	if err != nil {
		h.internal(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"origins": entries})
}

func (h *Handler) addOrigin(c *gin.Context) {
	var req struct {
		Origin string `json:"origin"`
		Note   string `json:"note"`
	}
	if !httpserver.BindJSON(c, &req, `{"origin":"https://www.example.gc.ca","note"?:"why"}`) {
		return
	}
	by := ""
	if p := auth.FromContext(c); p != nil {
		by = p.Name
	}
	e, err := h.Origins.Add(c.Request.Context(), req.Origin, req.Note, by)
	if h.allowlistError(c, err) {
		return
	}
	h.Logger.InfoContext(c.Request.Context(), "embed origin added", "origin", e.Origin, "by", by)
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, gin.H{"origin": e})
}

func (h *Handler) removeOrigin(c *gin.Context) {
	origin := strings.TrimPrefix(c.Param("origin"), "/")
	err := h.Origins.Remove(c.Request.Context(), origin)
	if h.allowlistError(c, err) {
		return
	}
	h.Logger.InfoContext(c.Request.Context(), "embed origin removed", "origin", origin, "by", auth.FromContext(c).Name)
	c.Status(http.StatusNoContent)
}

// allowlistError answers a refusal or failure and reports whether it did.
func (h *Handler) allowlistError(c *gin.Context, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, allowlist.ErrInvalid):
		httpserver.Error(c, http.StatusBadRequest, "invalid_origin", err.Error())
	case errors.Is(err, allowlist.ErrBadNote):
		httpserver.Error(c, http.StatusBadRequest, "bad_request", err.Error())
	case errors.Is(err, allowlist.ErrNotFound):
		httpserver.Error(c, http.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, allowlist.ErrExists), errors.Is(err, allowlist.ErrConfigured), errors.Is(err, allowlist.ErrTooLong):
		httpserver.Error(c, http.StatusConflict, "conflict", err.Error())
	default:
		h.internal(c, err)
	}
	return true
}
