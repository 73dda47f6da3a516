package embedhttp

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

func TestValidateOrigin(t *testing.T) {
	good := map[string]string{
		"https://example.gc.ca":         "https://example.gc.ca",
		"HTTPS://Example.GC.ca":         "https://example.gc.ca",
		"http://localhost:8080":         "http://localhost:8080",
		"https://*.canada.ca":           "https://*.canada.ca",
		"https://a.gc.ca:0443":          "https://a.gc.ca:443",
		"http://127.0.0.1:3000":         "http://127.0.0.1:3000",
		"https://xn--bcher-kva.example": "https://xn--bcher-kva.example",
		"https://a-b.c-d.ca":            "https://a-b.c-d.ca",
	}
	for in, want := range good {
		got, err := ValidateOrigin(in)
		if err != nil || got != want {
			t.Errorf("ValidateOrigin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}

	bad := map[string]string{ // entry -> words the error must contain
		"":                              "empty",
		"https://a.gc.ca; script-src *": "semicolon",
		"https://a.gc.ca;script-src":    "semicolon",
		"https://a.gc.ca,https://b.ca":  "comma",
		"https://a.gc.ca/path":          "path",
		"https://a.gc.ca/":              "path",
		"https://a b.ca":                "white space",
		" https://a.gc.ca":              "white space",
		"javascript:alert(1)":           "scheme",
		"ftp://a.gc.ca":                 "not http or https",
		"a.gc.ca":                       "scheme",
		"https://a.gc.ca?x=1":           "query",
		"https://a.gc.ca#top":           "fragment",
		"https://user@a.gc.ca":          "user information",
		"https://user:pw@a.gc.ca":       "user information",
		"'self'":                        "quote",
		`https://a.gc.ca"`:              "quote",
		"https://":                      "empty host",
		"https://:8080":                 "empty host",
		"https://a.gc.ca:":              "empty port",
		"https://a.gc.ca:*":             "wildcard port",
		"https://a.gc.ca:99999":         "out of range",
		"https://a.gc.ca:0":             "out of range",
		"https://a.gc.ca:+80":           "not a number",
		"https://a.gc.ca:8a":            "not a number",
		"*":                             "scheme",
		"https://*":                     "at least two labels",
		"https://*.ca":                  "at least two labels",
		"https://a.*.ca":                "leftmost",
		"https://*a.canada.ca":          "whole leftmost label",
		"https://a..ca":                 "empty label",
		"https://a.gc.ca.":              "empty label",
		"https://-a.gc.ca":              "letters, digits",
		"https://a_b.gc.ca":             "letters, digits",
		"https://[::1]:8080":            "IPv6",
		"https://bücher.example":        "non-ASCII",
		"https://a.gc.ca\x00":           "control",
		"https://a.gc.ca\\evil":         "path",
		"https://" + strings.Repeat("a", 64) + ".ca": "longer than 63",
	}
	for in, words := range bad {
		got, err := ValidateOrigin(in)
		if err == nil {
			t.Errorf("ValidateOrigin(%q) = %q, want an error", in, got)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, words) {
			t.Errorf("ValidateOrigin(%q) error %q should say %q", in, msg, words)
		}
		if !strings.Contains(msg, fmt.Sprintf("%q", in)) {
			t.Errorf("ValidateOrigin(%q) error %q should name the entry", in, msg)
		}
	}
}

func TestParseAllowlist(t *testing.T) {
	got, err := ParseAllowlist([]string{"https://A.gc.ca", "http://localhost:8080", "https://a.gc.ca"})
	if err != nil || strings.Join(got, " ") != "https://a.gc.ca http://localhost:8080" {
		t.Errorf("got %q, %v", got, err)
	}
	got, err = ParseAllowlist(nil)
	if err != nil || len(got) != 0 {
		t.Errorf("empty list: %q, %v", got, err)
	}

	got, err = ParseAllowlist([]string{"https://ok.gc.ca", "https://a.gc.ca/path", "https://a.gc.ca; script-src *", "https://fine.ca"})
	if err == nil || got != nil {
		t.Fatalf("want an error and no list, got %q, %v", got, err)
	}
	msg := err.Error()
	for _, want := range []string{"entry 2", "https://a.gc.ca/path", "entry 3", "https://a.gc.ca; script-src *"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q should mention %q", msg, want)
		}
	}
	if strings.Contains(msg, "ok.gc.ca") || strings.Contains(msg, "entry 4") {
		t.Errorf("error %q names good entries", msg)
	}
}

func newRouter(allowlist []string, body *[]byte) *gin.Engine {
	r := gin.New()
	// Stands in for the shared security headers every route gets.
	r.Use(func(c *gin.Context) {
		c.Header("X-Frame-Options", "DENY")
		c.Header("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
		c.Next()
	})
	r.GET("/normal", func(c *gin.Context) { c.String(http.StatusOK, "hi") })
	embed := r.Group("/embed", FrameAncestors(allowlist))
	embed.GET("/badge.svg", func(c *gin.Context) { Serve(c, "image/svg+xml", *body) })
	embed.HEAD("/badge.svg", func(c *gin.Context) { Serve(c, "image/svg+xml", *body) })
	return r
}

func do(r http.Handler, method, path string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	return w
}

func TestFrameAncestors(t *testing.T) {
	body := []byte("<svg/>")
	r := newRouter([]string{"https://a.gc.ca", "https://*.canada.ca"}, &body)

	w := do(r, http.MethodGet, "/embed/badge.svg")
	if v := w.Header().Values("X-Frame-Options"); len(v) != 0 {
		t.Errorf("embed route still sends X-Frame-Options %q", v)
	}
	want := "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors https://a.gc.ca https://*.canada.ca; base-uri 'none'; form-action 'none'"
	if v := w.Header().Values("Content-Security-Policy"); len(v) != 1 || v[0] != want {
		t.Errorf("CSP = %q, want %q", v, want)
	}

	w = do(r, http.MethodGet, "/normal")
	if got := w.Header().Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("normal route lost X-Frame-Options: %q", got)
	}
	if got := w.Header().Get("Content-Security-Policy"); !strings.Contains(got, "frame-ancestors 'none'") {
		t.Errorf("normal route CSP changed: %q", got)
	}

	if got := CSP(nil); !strings.Contains(got, "frame-ancestors 'none';") {
		t.Errorf("empty allowlist: %q", got)
	}
	// Unvalidated input cannot widen the policy.
	if got := CSP([]string{"https://a.gc.ca; script-src *", "https://b.gc.ca"}); strings.Contains(got, "script-src") ||
		!strings.Contains(got, "frame-ancestors https://b.gc.ca;") {
		t.Errorf("bad entry reached the policy: %q", got)
	}
}

func TestServeETag(t *testing.T) {
	body := []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)
	r := newRouter(nil, &body)

	w := do(r, http.MethodGet, "/embed/badge.svg")
	etag := w.Header().Get("ETag")
	if w.Code != http.StatusOK || w.Body.String() != string(body) {
		t.Fatalf("first GET: %d %q", w.Code, w.Body.String())
	}
	if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || strings.HasPrefix(etag, "W/") || len(etag) != 45 {
		t.Errorf("ETag %q is not a strong quoted SHA-256", etag)
	}
	checkHeaders := func(w *httptest.ResponseRecorder) {
		t.Helper()
		if got := w.Header().Get("Cache-Control"); got != "public, max-age=30" {
			t.Errorf("Cache-Control = %q", got)
		}
		if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("X-Content-Type-Options = %q", got)
		}
	}
	checkHeaders(w)
	if got := w.Header().Get("Content-Type"); got != "image/svg+xml" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := w.Header().Get("Content-Length"); got != strconv.Itoa(len(body)) {
		t.Errorf("Content-Length = %q", got)
	}

	w = do(r, http.MethodGet, "/embed/badge.svg", "If-None-Match", etag)
	if w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Errorf("revalidation: %d with %d bytes", w.Code, w.Body.Len())
	}
	if got := w.Header().Get("ETag"); got != etag {
		t.Errorf("304 ETag = %q, want %q", got, etag)
	}
	checkHeaders(w)

	body = []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="1"/>`)
	w = do(r, http.MethodGet, "/embed/badge.svg", "If-None-Match", etag)
	if w.Code != http.StatusOK || w.Body.String() != string(body) {
		t.Errorf("changed body: %d %q", w.Code, w.Body.String())
	}
	if got := w.Header().Get("ETag"); got == etag || got == "" {
		t.Errorf("changed body kept ETag %q", got)
	}

	w = do(r, http.MethodHead, "/embed/badge.svg")
	if w.Code != http.StatusOK || w.Body.Len() != 0 || w.Header().Get("Content-Length") != strconv.Itoa(len(body)) {
		t.Errorf("HEAD: %d, %d bytes, length %q", w.Code, w.Body.Len(), w.Header().Get("Content-Length"))
	}
	newTag := ETag(body)
	w = do(r, http.MethodHead, "/embed/badge.svg", "If-None-Match", newTag)
	if w.Code != http.StatusNotModified {
		t.Errorf("HEAD revalidation: %d", w.Code)
	}
}

func TestIfNoneMatch(t *testing.T) {
	etag := `"abc"`
	cases := []struct {
		lines []string
		want  bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{`"abc"`}, true},
		{[]string{`W/"abc"`}, true},
		{[]string{`"x", "abc"`}, true},
		{[]string{`"x","y" , W/"abc"`}, true},
		{[]string{`"x"`, `"abc"`}, true},
		{[]string{`"x", "y"`}, false},
		{[]string{`*`}, true},
		{[]string{` * `}, true},
		{[]string{`*x`}, false},
		{[]string{`abc`}, false},
		{[]string{`"ab"`}, false},
		{[]string{`"abcd"`}, false},
		{[]string{`"a,b", "abc"`}, true},
		{[]string{`"abc`}, false},
		{[]string{`W/`}, false},
		{[]string{`junk, "abc"`}, true},
	}
	for _, c := range cases {
		if got := noneMatch(c.lines, etag); got != c.want {
			t.Errorf("noneMatch(%q) = %v, want %v", c.lines, got, c.want)
		}
	}
	if !noneMatch([]string{`"abc"`}, `W/"abc"`) {
		t.Error("weak comparison should ignore W/ on our side too")
	}
}

func TestServeListAndMethods(t *testing.T) {
	v := NewCached("image/svg+xml", []byte("<svg/>"))
	r := gin.New()
	r.Any("/b", func(c *gin.Context) { ServeCached(c, v) })

	w := do(r, http.MethodGet, "/b", "If-None-Match", `"nope", `+v.ETag)
	if w.Code != http.StatusNotModified {
		t.Errorf("list: %d", w.Code)
	}
	w = do(r, http.MethodGet, "/b", "If-None-Match", "*")
	if w.Code != http.StatusNotModified {
		t.Errorf("star: %d", w.Code)
	}
	w = do(r, http.MethodPost, "/b", "If-None-Match", v.ETag)
	if w.Code != http.StatusOK {
		t.Errorf("POST is not revalidated: %d", w.Code)
	}
}

func TestPolicyFollowsSet(t *testing.T) {
	p := NewPolicy([]string{"https://a.gc.ca"})
	r := gin.New()
	r.Use(func(c *gin.Context) { c.Header("X-Frame-Options", "DENY"); c.Next() })
	r.GET("/embed/x", p.Middleware(), func(c *gin.Context) { c.String(http.StatusOK, "x") })
	fa := func() string {
		t.Helper()
		w := do(r, http.MethodGet, "/embed/x")
		if w.Header().Get("X-Frame-Options") != "" {
			t.Error("X-Frame-Options kept")
		}
		return w.Header().Get("Content-Security-Policy")
	}
	if got := fa(); !strings.Contains(got, "frame-ancestors https://a.gc.ca;") {
		t.Fatalf("first policy %q", got)
	}
	p.Set([]string{"https://a.gc.ca", "HTTPS://B.gc.ca", "https://b.gc.ca", "https://bad.gc.ca/path"})
	if got := fa(); !strings.Contains(got, "frame-ancestors https://a.gc.ca https://b.gc.ca;") {
		t.Fatalf("after Set: %q", got)
	}
	if got := strings.Join(p.Origins(), " "); got != "https://a.gc.ca https://b.gc.ca" {
		t.Errorf("Origins = %q", got)
	}
	if p.CSP() != fa() {
		t.Error("CSP() differs from the header sent")
	}
	p.Set(nil)
	if got := fa(); !strings.Contains(got, "frame-ancestors 'none';") {
		t.Fatalf("emptied: %q", got)
	}
}

// A very long bad entry is named, not echoed whole.
func TestALongBadOriginIsNamedNotEchoed(t *testing.T) {
	long := "https://example.org/" + strings.Repeat("a", 3000)
	_, err := ValidateOrigin(long)
	if err == nil || len(err.Error()) > 300 || !strings.Contains(err.Error(), "https://example.org/aaa") || !strings.Contains(err.Error(), "has a path") {
		t.Errorf("error for a 3000-character origin: %.400v", err)
	}
}
