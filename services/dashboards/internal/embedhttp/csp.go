package embedhttp

import (
	"slices"
	"strings"
	"sync/atomic"

	"github.com/gin-gonic/gin"
)

// FrameAncestors returns middleware for embed routes with a fixed allowlist;
// see Policy.Middleware.
func FrameAncestors(allowlist []string) gin.HandlerFunc {
	return NewPolicy(allowlist).Middleware()
}

// Policy is a frame-ancestors allowlist that may change while the embeds are
// served (the staff console edits it). The header value is built once per
// change, so a request pays one atomic load and no allocation.
type Policy struct {
	v atomic.Pointer[policyValue]
}

type policyValue struct {
	origins []string
	header  []string // the Content-Security-Policy header value, shared read-only
}

// NewPolicy returns a policy listing allowlist.
func NewPolicy(allowlist []string) *Policy {
	p := &Policy{}
	p.Set(allowlist)
	return p
}

// Set replaces the allowlist. Entries that do not validate are left out, so
// a bad entry can only narrow the policy, never widen it.
func (p *Policy) Set(allowlist []string) {
	origins := validOrigins(allowlist)
	p.v.Store(&policyValue{origins: origins, header: []string{csp(origins)}})
}

// Origins returns the origins the policy lists now (validated, normalised).
func (p *Policy) Origins() []string { return slices.Clone(p.v.Load().origins) }

// CSP returns the Content-Security-Policy the middleware sends now.
func (p *Policy) CSP() string { return p.v.Load().header[0] }

// Middleware sets the embed Content-Security-Policy, with frame-ancestors
// listing the allowlist current at the time of the request (or 'none' when
// it is empty), and removes X-Frame-Options, which would otherwise forbid
// the framing that frame-ancestors allows. Other routes keep their own
// headers.
//
// It must run after any middleware that sets X-Frame-Options before calling
// c.Next (as the shared security headers do), so install it on the embed
// route group, not globally.
func (p *Policy) Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h["Content-Security-Policy"] = p.v.Load().header
		delete(h, "X-Frame-Options")
		c.Next()
	}
}

// CSP is the Content-Security-Policy FrameAncestors sends for allowlist.
func CSP(allowlist []string) string { return csp(validOrigins(allowlist)) }

func validOrigins(allowlist []string) []string {
	out := make([]string, 0, len(allowlist))
	for _, e := range allowlist {
		if o, err := ValidateOrigin(e); err == nil && !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out
}

func csp(ancestors []string) string {
	fa := "'none'"
	if len(ancestors) > 0 {
		fa = strings.Join(ancestors, " ")
	}
	return "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors " + fa +
		"; base-uri 'none'; form-action 'none'"
}
