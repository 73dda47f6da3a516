package embedhttp

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// CacheControl is sent with every embed response. Keep max-age at or below
// 60 seconds: a newly agreed update must show within a minute.
const CacheControl = "public, max-age=30"

// Cached is a response body with its ETag, computed once per content change.
type Cached struct {
	Body        []byte
	ETag        string // strong, quoted: "\"...\""
	ContentType string
}

// NewCached hashes body once. body is kept, not copied: do not change it
// afterwards.
func NewCached(contentType string, body []byte) Cached {
	return Cached{Body: body, ETag: ETag(body), ContentType: contentType}
}

// ETag is the strong entity tag of body: the unpadded base64url SHA-256 of
// the exact bytes, in quotes.
func ETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:]) + `"`
}

// Serve writes body as a cacheable embed response, hashing it on every call.
// For content served often, keep a Cached from NewCached and use ServeCached.
func Serve(c *gin.Context, contentType string, body []byte) {
	ServeCached(c, NewCached(contentType, body))
}

// ServeCached writes v: 304 with no body when If-None-Match names its ETag
// (or is "*") on a GET or HEAD, otherwise 200 with the body (headers only
// for HEAD). ETag, Cache-Control and X-Content-Type-Options go on both;
// Content-Type and Content-Length on the 200.
func ServeCached(c *gin.Context, v Cached) {
	// Canonical keys assigned directly: Header().Set would canonicalise
	// each key again on every request.
	h := c.Writer.Header()
	h["Etag"] = []string{v.ETag}
	h["Cache-Control"] = []string{CacheControl}
	h["X-Content-Type-Options"] = []string{"nosniff"}

	method := c.Request.Method
	get := method == http.MethodGet || method == http.MethodHead
	if get && v.ETag != "" && noneMatch(c.Request.Header["If-None-Match"], v.ETag) {
		c.Writer.WriteHeader(http.StatusNotModified)
		c.Writer.WriteHeaderNow()
		return
	}
	h["Content-Type"] = []string{v.ContentType}
	h["Content-Length"] = []string{strconv.Itoa(len(v.Body))}
	c.Writer.WriteHeader(http.StatusOK)
	if method == http.MethodHead {
		c.Writer.WriteHeaderNow()
		return
	}
	_, _ = c.Writer.Write(v.Body) // a failed write means the client left
}

// noneMatch reports whether any If-None-Match header line matches etag.
// RFC 9110 has If-None-Match use the weak comparison, so a W/ prefix on
// either side is ignored; "*" matches any current representation. Malformed
// members are skipped.
func noneMatch(lines []string, etag string) bool {
	opaque := strings.TrimPrefix(etag, "W/")
	for _, s := range lines {
		for {
			s = strings.TrimLeft(s, " \t,")
			if s == "" {
				break
			}
			if s[0] == '*' {
				rest := strings.TrimLeft(s[1:], " \t")
				if rest == "" || rest[0] == ',' {
					return true
				}
			}
			tag := strings.TrimPrefix(s, "W/")
			if tag == "" || tag[0] != '"' {
				// Not an entity tag: skip to the next member.
				i := strings.IndexByte(s, ',')
				if i < 0 {
					break
				}
				s = s[i+1:]
				continue
			}
			end := strings.IndexByte(tag[1:], '"')
			if end < 0 {
				break
			}
			if tag[:end+2] == opaque {
				return true
			}
			s = tag[end+2:]
		}
	}
	return false
}
