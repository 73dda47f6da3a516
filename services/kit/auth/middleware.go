package auth

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// Verifier checks a presented bearer token.
type Verifier interface {
	Verify(ctx context.Context, token string) (*Principal, error)
}

const principalKey = "kept.principal"

// Authenticate requires a valid bearer token and stores its principal; routes
// then check the roles they need with Require or in the handler.
func Authenticate(v Verifier) gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.GetHeader("Authorization")
		// The scheme name is case-insensitive (RFC 9110 11.1): "bearer" is fine.
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			c.Header("WWW-Authenticate", `Bearer realm="kept"`)
			abort(c, http.StatusUnauthorized, "unauthenticated", "an API token is required (Authorization: Bearer kept_...)")
			return
		}
		p, err := v.Verify(c.Request.Context(), strings.TrimSpace(tok))
		if errors.Is(err, ErrInvalidToken) {
			c.Header("WWW-Authenticate", `Bearer realm="kept", error="invalid_token"`)
			abort(c, http.StatusUnauthorized, "invalid_token", "the API token is invalid or revoked")
			return
		}
		if err != nil {
			abort(c, http.StatusServiceUnavailable, "auth_unavailable", "cannot check the token right now")
			return
		}
		c.Set(principalKey, p)
		c.Next()
	}
}

// RequireAny lets the request through when the principal holds any of kinds.
func RequireAny(kinds ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		p := FromContext(c)
		for _, k := range kinds {
			if p != nil && p.Has(k) {
				c.Next()
				return
			}
		}
		Forbid(c, "this action needs one of the roles: "+strings.Join(kinds, ", "))
	}
}

// FromContext returns the authenticated principal, or nil.
func FromContext(c *gin.Context) *Principal {
	v, ok := c.Get(principalKey)
	if !ok {
		return nil
	}
	p, _ := v.(*Principal)
	return p
}

// Forbid answers 403 with a reason.
func Forbid(c *gin.Context, message string) {
	abort(c, http.StatusForbidden, "forbidden", message)
}

func abort(c *gin.Context, status int, code, message string) {
	c.AbortWithStatusJSON(status, gin.H{"error": gin.H{"code": code, "message": message}})
}
