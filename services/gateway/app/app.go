// Package app assembles the gateway (the public website, the staff console
// and the public API's single entry point), for its own binary and for the
// all-in-one process.
package app

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kept-ogp/kept/services/gateway/internal/accounts"
	"github.com/kept-ogp/kept/services/gateway/internal/audit"
	"github.com/kept-ogp/kept/services/gateway/internal/console"
	"github.com/kept-ogp/kept/services/gateway/internal/openapi"
	"github.com/kept-ogp/kept/services/gateway/internal/pagecache"
	"github.com/kept-ogp/kept/services/gateway/internal/proxy"
	"github.com/kept-ogp/kept/services/gateway/internal/render"
	"github.com/kept-ogp/kept/services/gateway/internal/sessions"
	"github.com/kept-ogp/kept/services/gateway/internal/site"
	"github.com/kept-ogp/kept/services/gateway/internal/upstream"
	"github.com/kept-ogp/kept/services/gateway/internal/web"
	"github.com/kept-ogp/kept/services/kit/httpserver"
	"github.com/kept-ogp/kept/services/kit/ratelimit"
	"github.com/kept-ogp/kept/services/kit/runtime"
)

// Name is the service name; its database defaults to kept_gateway.
const Name = "gateway"

// Settings are the gateway's own environment variables.
type Settings struct {
	URLs upstream.URLs
	// Proxy mounts /api/v1/*, /embed/* and /badge/* as a reverse proxy to
	// the services. kept run sets GATEWAY_PROXY=false: there the services
	// are mounted on the same engine.
	Proxy      bool
	BaseURL    string
	FormMax    int64
	FormWindow time.Duration
	Issuer     string
	OIDC       console.OIDCConfig
	// CacheTTL is how long anonymous reads of the services are shared.
	CacheTTL time.Duration
}

// LoadSettings reads GATEWAY_COMMITMENTS_URL, GATEWAY_UPDATES_URL,
// GATEWAY_DASHBOARDS_URL, GATEWAY_QA_URL (required), GATEWAY_REPORTING_URL,
// GATEWAY_NOTIFICATIONS_URL (optional), GATEWAY_PROXY (true),
// PUBLIC_BASE_URL, GATEWAY_FORM_LIMIT (10), GATEWAY_FORM_WINDOW (10m) and
// GATEWAY_TOTP_ISSUER (kept), GATEWAY_CACHE_TTL (2s), and for single sign-on GATEWAY_OIDC_ISSUER,
// GATEWAY_OIDC_CLIENT_ID, GATEWAY_OIDC_CLIENT_SECRET and
// GATEWAY_OIDC_REDIRECT_URL (PUBLIC_BASE_URL + /console/oidc/callback).
func LoadSettings(getenv func(string) string) (Settings, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	get := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	s := Settings{URLs: upstream.URLs{
		Commitments: get("GATEWAY_COMMITMENTS_URL", ""), Updates: get("GATEWAY_UPDATES_URL", ""),
		Dashboards: get("GATEWAY_DASHBOARDS_URL", ""), QA: get("GATEWAY_QA_URL", ""),
		Reporting: get("GATEWAY_REPORTING_URL", ""), Notifications: get("GATEWAY_NOTIFICATIONS_URL", ""),
	}, BaseURL: get("PUBLIC_BASE_URL", ""), Issuer: get("GATEWAY_TOTP_ISSUER", "kept"),
		OIDC: console.OIDCConfig{Issuer: get("GATEWAY_OIDC_ISSUER", ""), ClientID: get("GATEWAY_OIDC_CLIENT_ID", ""),
			ClientSecret: get("GATEWAY_OIDC_CLIENT_SECRET", ""), RedirectURL: get("GATEWAY_OIDC_REDIRECT_URL", "")}}
	if s.OIDC.RedirectURL == "" && s.BaseURL != "" {
		s.OIDC.RedirectURL = strings.TrimSuffix(s.BaseURL, "/") + "/console/oidc/callback"
	}
	if (s.OIDC.Issuer == "") != (s.OIDC.ClientID == "") {
		return s, fmt.Errorf("gateway: set both GATEWAY_OIDC_ISSUER and GATEWAY_OIDC_CLIENT_ID, or neither")
	}
	var missing []string
	for k, v := range map[string]string{"GATEWAY_COMMITMENTS_URL": s.URLs.Commitments, "GATEWAY_UPDATES_URL": s.URLs.Updates,
		"GATEWAY_DASHBOARDS_URL": s.URLs.Dashboards, "GATEWAY_QA_URL": s.URLs.QA} {
		if v == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return s, fmt.Errorf("gateway: set %s (base URLs of the services, e.g. http://commitments:8080)", strings.Join(missing, ", "))
	}
	var err error
	if s.Proxy, err = strconv.ParseBool(get("GATEWAY_PROXY", "true")); err != nil {
		return s, fmt.Errorf("GATEWAY_PROXY: want true or false")
	}
	if s.FormMax, err = strconv.ParseInt(get("GATEWAY_FORM_LIMIT", "10"), 10, 64); err != nil || s.FormMax < 1 {
		return s, fmt.Errorf("GATEWAY_FORM_LIMIT: want a positive number")
	}
	if s.FormWindow, err = time.ParseDuration(get("GATEWAY_FORM_WINDOW", "10m")); err != nil || s.FormWindow <= 0 {
		return s, fmt.Errorf("GATEWAY_FORM_WINDOW: want a duration such as 10m")
	}
	if s.CacheTTL, err = time.ParseDuration(get("GATEWAY_CACHE_TTL", "2s")); err != nil || s.CacheTTL < 0 {
		return s, fmt.Errorf("GATEWAY_CACHE_TTL: want a duration such as 2s (0 for none)")
	}
	return s, nil
}

// Service is the running gateway.
type Service struct {
	web     *web.Server
	console *console.Console
	proxy   *proxy.Proxy
	logger  *slog.Logger
	// Accounts is the local account store (kept account create uses it).
	Accounts *accounts.Store
}

// New builds the gateway on d with settings from the environment.
func New(ctx context.Context, d runtime.Deps) (*Service, error) {
	set, err := LoadSettings(nil)
	if err != nil {
		return nil, err
	}
	return NewWith(ctx, d, set)
}

// NewWith builds the gateway with explicit settings (tests and kept run).
// Accounts and sessions are read by _id and audit entries have ULIDs in
// time order, so no collection needs an index.
func NewWith(_ context.Context, d runtime.Deps, set Settings) (*Service, error) {
	r, err := render.New()
	if err != nil {
		return nil, err
	}
	client := upstream.New(set.URLs, set.CacheTTL)
	var pages *pagecache.Cache
	if set.CacheTTL > 0 {
		// Pages are re-rendered at least once per TTL for what depends on
		// the clock (days left), and whenever an answer they read changes.
		pages = pagecache.New(client, set.CacheTTL, 1024)
	}
	lim := &ratelimit.Limiter{Redis: d.Redis, Max: set.FormMax, Window: set.FormWindow, Prefix: "kept:gateway:rl:"}
	acc := accounts.NewStore(d.DB)
	ss := sessions.NewStore(d.DB)
	s := &Service{logger: d.Logger, Accounts: acc,
		web: &web.Server{Client: client, Render: r, Limiter: lim, Logger: d.Logger, Now: time.Now, BaseURL: set.BaseURL, Pages: pages},
		console: &console.Console{Accounts: acc, Sessions: ss, Audit: audit.New(d.DB), Tokens: d.Tokens, TokenList: d.Tokens, Client: client,
			Render: r, Limiter: lim, Logger: d.Logger, Now: time.Now, Issuer: set.Issuer, OIDC: set.OIDC}}
	if set.Proxy {
		if s.proxy, err = proxy.New(set.URLs, d.Logger); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Build matches runtime.Builder.
func Build(ctx context.Context, d runtime.Deps) (runtime.Service, error) { return New(ctx, d) }

// Routes mounts the pages (/, /plans/..., /agencies/..., /search), the
// console (/console/...), /static/..., /openapi.yaml and, when the proxy is
// on, /api/v1/*, /embed/* and /badge/*.
func (s *Service) Routes(r *gin.Engine) {
	pages := r.Group("", site.Headers(false))
	s.web.Routes(pages)
	static := http.StripPrefix("/static/", http.FileServer(http.FS(render.Static())))
	pages.GET("/static/*file", func(c *gin.Context) {
		// Files only: a directory would get a listing.
		if st, err := fs.Stat(render.Static(), strings.TrimPrefix(c.Param("file"), "/")); err != nil || st.IsDir() {
			s.web.NotFound(c)
			return
		}
		c.Header("Cache-Control", "public, max-age=3600")
		static.ServeHTTP(c.Writer, c.Request)
	})
	pages.GET("/openapi.yaml", openapi.Serve)
	s.console.Routes(r.Group("", site.Headers(true)))
	if s.proxy != nil {
		s.proxy.Routes(r)
	}
	// The gateway owns "/": an unknown page gets the site's 404 page, an
	// unknown API route keeps the JSON error every API gives.
	r.NoRoute(site.Headers(false), func(c *gin.Context) {
		p := c.Request.URL.Path
		if strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/embed/") || strings.HasPrefix(p, "/badge/") {
			httpserver.Error(c, http.StatusNotFound, "not_found", "no such route")
			return
		}
		s.web.NotFound(c)
	})
}

// Run has no background work: the gateway keeps no read model.
func (s *Service) Run(ctx context.Context) error {
	<-ctx.Done()
	return nil
}
