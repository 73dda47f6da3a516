package embedhttp

import (
	"strings"

	"github.com/gin-gonic/gin"
)

// FrameAncestors returns middleware for embed routes. It sets the embed
// Content-Security-Policy, with frame-ancestors listing allowlist (or
// 'none' when it is empty), and removes X-Frame-Options, which would
// otherwise forbid the framing that frame-ancestors allows. Other routes keep
// their own headers.
//
// Pass the output of ParseAllowlist. Entries that do not validate are left
// out, so a bad entry can only narrow the policy, never widen it.
//
// It must run after any middleware that sets X-Frame-Options before calling
// c.Next (as the shared security headers do), so install it on the embed
// route group, not globally.
func FrameAncestors(allowlist []string) gin.HandlerFunc {
	policy := []string{CSP(allowlist)}
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h["Content-Security-Policy"] = policy
		delete(h, "X-Frame-Options")
		c.Next()
	}
}

// CSP is the Content-Security-Policy FrameAncestors sends for allowlist.
func CSP(allowlist []string) string {
	var ancestors []string
	for _, e := range allowlist {
		if o, err := ValidateOrigin(e); err == nil {
			ancestors = append(ancestors, o)
		}
	}
	fa := "'none'"
	if len(ancestors) > 0 {
		fa = strings.Join(ancestors, " ")
	}
	return "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors " + fa +
		"; base-uri 'none'; form-action 'none'"
}
