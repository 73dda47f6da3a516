// Package site holds what every gateway page shares: the security headers
// (a strict CSP without inline scripts or styles), the reader's language,
// the double-submit CSRF cookie of public forms and form size limits (the
// per-address limit of public forms is kit/ratelimit).
package site

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kept-ogp/kept/services/gateway/internal/i18n"
)

// CSP is the Content-Security-Policy of every page: scripts and styles only
// from this origin (no inline code), forms only to this origin, never framed.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// MaxForm bounds a form body; MaxUpload a multipart one (plan and calendar files).
const (
	MaxForm   = 64 << 10
	MaxUpload = 8 << 20
)

const langKey = "gateway.lang"

// Headers sets the page security headers (kit/httpserver already sets
// nosniff, X-Frame-Options, Referrer-Policy and HSTS behind TLS) and no-store
// on console pages.
func Headers(console bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if console {
			h.Set("Cache-Control", "no-store")
		}
		if c.Request.Method == http.MethodPost {
			limit := int64(MaxForm)
			if console && strings.HasPrefix(c.ContentType(), "multipart/form-data") {
				limit = MaxUpload
			}
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		}
		c.Set(langKey, i18n.Negotiate(c.Query("lang"), c.GetHeader("Accept-Language")))
		c.Next()
	}
}

// Lang is the reader's interface language.
func Lang(c *gin.Context) string {
	if v, ok := c.Get(langKey); ok {
		if s, ok := v.(string); ok {
			return s
		}
	}
	return i18n.ZhHant
}

// Secure reports whether the request came over TLS (directly or via the ingress).
func Secure(c *gin.Context) bool {
	return c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https"
}

// Random returns 32 random bytes in base64url.
func Random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// FormCookie is the double-submit CSRF cookie of forms used without a session.
const FormCookie = "kept_form"

// FormToken returns the form token of the request, setting the cookie when
// the browser has none yet.
func FormToken(c *gin.Context) string {
	if v, err := c.Cookie(FormCookie); err == nil && len(v) >= 32 && len(v) <= 64 {
		return v
	}
	v := Random()
	http.SetCookie(c.Writer, &http.Cookie{Name: FormCookie, Value: v, Path: "/", HttpOnly: true,
		Secure: Secure(c), SameSite: http.SameSiteLaxMode, MaxAge: 86400})
	return v
}

// FormTooLarge parses the form and reports whether its body was over the
// limit Headers set (the form is then empty, and must not be read as an
// expired one).
func FormTooLarge(c *gin.Context) bool {
	var tooLarge *http.MaxBytesError
	return errors.As(c.Request.ParseForm(), &tooLarge)
}

// CheckFormToken compares the form's "csrf" field with the cookie.
func CheckFormToken(c *gin.Context) bool {
	ck, err := c.Cookie(FormCookie)
	return err == nil && ck != "" && Equal(ck, c.PostForm("csrf"))
}

// Equal compares tokens in constant time.
func Equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
