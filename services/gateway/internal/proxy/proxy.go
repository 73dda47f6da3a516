// Package proxy routes the public API to the service that serves it, so the
// gateway can be the single public entry point of a Kubernetes deployment.
package proxy

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kept-ogp/kept/services/gateway/internal/upstream"
)

// Target names the service a path goes to ("" when none).
func Target(path string) string {
	switch {
	case isQuestions(path), isComments(path):
		return "qa"
	case under(path, "/api/v1/plans"), under(path, "/api/v1/admin"):
		return "commitments"
	case under(path, "/api/v1/updates"), under(path, "/api/v1/drafts"):
		return "updates"
	case under(path, "/api/v1/dashboards"), under(path, "/embed"), under(path, "/badge"):
		return "dashboards"
	case under(path, "/api/v1/qa"):
		return "qa"
	case under(path, "/api/v1/reporting"):
		return "reporting"
	case under(path, "/api/v1/notifications"):
		return "notifications"
	}
	return ""
}

func under(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

// isQuestions matches /api/v1/plans/:plan/commitments/:code/questions[/...].
func isQuestions(path string) bool {
	rest, ok := strings.CutPrefix(path, "/api/v1/plans/")
	if !ok {
		return false
	}
	parts := strings.Split(rest, "/")
	return len(parts) >= 4 && parts[1] == "commitments" && parts[3] == "questions"
}

// isComments matches /api/v1/plans/:plan/commitments/:code/comments[/...]
// and /api/v1/plans/:plan/commitments/:code/updates/:update/comments.
func isComments(path string) bool {
	rest, ok := strings.CutPrefix(path, "/api/v1/plans/")
	if !ok {
		return false
	}
	parts := strings.Split(rest, "/")
	return len(parts) >= 4 && parts[1] == "commitments" &&
		(parts[3] == "comments" || (len(parts) >= 6 && parts[3] == "updates" && parts[5] == "comments"))
}

// Proxy forwards requests to the services.
type Proxy struct {
	targets map[string]*httputil.ReverseProxy
	logger  *slog.Logger
}

// New builds a proxy to the configured services.
func New(u upstream.URLs, logger *slog.Logger) (*Proxy, error) {
	p := &Proxy{targets: map[string]*httputil.ReverseProxy{}, logger: logger}
	for name, raw := range map[string]string{"commitments": u.Commitments, "updates": u.Updates, "dashboards": u.Dashboards,
		"qa": u.QA, "reporting": u.Reporting, "notifications": u.Notifications} {
		if raw == "" {
			continue
		}
		t, err := url.Parse(raw)
		if err != nil || t.Host == "" || (t.Scheme != "http" && t.Scheme != "https") {
			return nil, fmt.Errorf("GATEWAY_%s_URL %q: want an http(s) URL", strings.ToUpper(name), raw)
		}
		rp := &httputil.ReverseProxy{
			Rewrite: func(r *httputil.ProxyRequest) {
				r.SetURL(t)
				r.SetXForwarded()
				r.Out.Host = t.Host
			},
			ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
				logger.WarnContext(r.Context(), "proxy failed", "service", name, "error", err)
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				w.WriteHeader(http.StatusBadGateway)
				_, _ = w.Write([]byte(`{"error":{"code":"bad_gateway","message":"the ` + name + ` service is unavailable"}}`))
			},
		}
		p.targets[name] = rp
	}
	return p, nil
}

// Handle forwards one request, or answers 404 in the JSON error shape.
func (p *Proxy) Handle(c *gin.Context) {
	name := Target(c.Request.URL.Path)
	rp, ok := p.targets[name]
	if !ok {
		c.AbortWithStatusJSON(http.StatusNotFound, gin.H{"error": gin.H{"code": "not_found", "message": "no such route"}})
		return
	}
	rp.ServeHTTP(c.Writer, c.Request)
}

// Routes mounts the proxy on /api/v1, /embed and /badge.
func (p *Proxy) Routes(r gin.IRouter) {
	for _, prefix := range []string{"/api/v1", "/embed", "/badge"} {
		r.Any(prefix+"/*path", p.Handle)
	}
}
