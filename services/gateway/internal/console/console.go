// Package console is the staff console: sign-in with local accounts (bcrypt,
// optional TOTP), server-side sessions, a CSRF token on every form, and the
// staff actions, each done through the services' APIs with a kit/auth token
// minted for the session's roles and each written to the audit log.
package console

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kept-ogp/kept/services/gateway/internal/accounts"
	"github.com/kept-ogp/kept/services/gateway/internal/audit"
	"github.com/kept-ogp/kept/services/gateway/internal/i18n"
	"github.com/kept-ogp/kept/services/gateway/internal/render"
	"github.com/kept-ogp/kept/services/gateway/internal/sessions"
	"github.com/kept-ogp/kept/services/gateway/internal/site"
	"github.com/kept-ogp/kept/services/gateway/internal/upstream"
	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/kit/ratelimit"
)

// CookieName is the session cookie.
const CookieName = "kept_session"

// TokenIssuer mints and revokes kit/auth API tokens (*auth.Store).
type TokenIssuer interface {
	Create(ctx context.Context, name, createdBy string, roles []auth.Role) (auth.Token, string, error)
	Revoke(ctx context.Context, id string) error
}

// Console serves /console.
type Console struct {
	Accounts *accounts.Store
	Sessions *sessions.Store
	Audit    *audit.Log
	Tokens   TokenIssuer
	// TokenList lists tokens for the admin's token page (*auth.Store).
	TokenList TokenLister
	Client    *upstream.Client
	Render    *render.Renderer
	Limiter   *ratelimit.Limiter
	Logger    *slog.Logger
	Now       func() time.Time
	Issuer    string // TOTP issuer name
	// OIDC is the single sign-on provider (zero: local accounts only).
	OIDC OIDCConfig

	oidc     *oidcFlow
	oidcOnce sync.Once
}

// Route is one console route and the role kinds it admits ("" entry: any
// signed-in staff member; nil: public, such as the login page).
type Route struct {
	Method string
	Path   string
	Kinds  []string
}

var (
	anyStaff   = []string{""}
	editors    = []string{auth.KindAgencyEditor}
	wg         = []string{auth.KindWGMember}
	draftsWho  = []string{auth.KindAgencyEditor, auth.KindWGMember, auth.KindPoC, auth.KindAdmin}
	answerers  = []string{auth.KindAgencyEditor, auth.KindPoC}
	poc        = []string{auth.KindPoC}
	moderators = []string{auth.KindPoC, auth.KindAdmin}
	admins     = []string{auth.KindAdmin}
)

// Table lists every console route with who may use it; Routes mounts
// exactly these, and the authorization matrix test walks them.
func Table() []Route {
	return []Route{
		{http.MethodGet, "/console/login", nil},
		{http.MethodPost, "/console/login", nil},
		{http.MethodGet, "/console/oidc/login", nil},
		{http.MethodGet, "/console/oidc/callback", nil},
		{http.MethodGet, "/console", anyStaff},
		{http.MethodPost, "/console/logout", anyStaff},
		{http.MethodPost, "/console/logout-everywhere", anyStaff},
		{http.MethodGet, "/console/account", anyStaff},
		{http.MethodPost, "/console/account/totp", anyStaff},
		{http.MethodPost, "/console/account/totp/confirm", anyStaff},
		{http.MethodGet, "/console/updates/new", editors},
		{http.MethodPost, "/console/updates", editors},
		{http.MethodGet, "/console/drafts", draftsWho},
		{http.MethodPost, "/console/updates/:id/agree", wg},
		{http.MethodPost, "/console/updates/:id/dispute", wg},
		{http.MethodGet, "/console/questions", answerers},
		{http.MethodPost, "/console/questions/:plan/:code/:id/answers", answerers},
		{http.MethodPost, "/console/questions/:plan/:code/:id/pause", answerers},
		{http.MethodPost, "/console/questions/:plan/:code/:id/resume", answerers},
		{http.MethodPost, "/console/questions/:plan/:code/:id/assign", poc},
		{http.MethodPost, "/console/questions/:plan/:code/:id/extend", poc},
		{http.MethodPost, "/console/questions/:plan/:code/:id/hide", moderators},
		{http.MethodPost, "/console/questions/:plan/:code/:id/redact", moderators},
		{http.MethodGet, "/console/comments", moderators},
		{http.MethodPost, "/console/comments/:plan/:code/:id/hide", moderators},
		{http.MethodPost, "/console/comments/:plan/:code/:id/redact", moderators},
		{http.MethodGet, "/console/embeds", moderators},
		{http.MethodPost, "/console/embeds", moderators},
		{http.MethodPost, "/console/embeds/remove", moderators},
		{http.MethodGet, "/console/working-groups", poc},
		{http.MethodPost, "/console/working-groups/members", poc},
		{http.MethodPost, "/console/working-groups/members/remove", poc},
		{http.MethodGet, "/console/audit", moderators},
		{http.MethodGet, "/console/accounts", admins},
		{http.MethodPost, "/console/accounts", admins},
		{http.MethodGet, "/console/imports", moderators},
		{http.MethodPost, "/console/imports/plan", moderators},
		{http.MethodPost, "/console/imports/calendar", moderators},
		{http.MethodGet, "/console/tokens", moderators},
		{http.MethodPost, "/console/tokens", moderators},
		{http.MethodPost, "/console/tokens/:id/revoke", moderators},
	}
}

// Routes mounts the console on g.
func (k *Console) Routes(g *gin.RouterGroup) {
	k.oidcOnce.Do(func() {
		if k.OIDC.Enabled() {
			k.oidc = &oidcFlow{cfg: k.OIDC}
		}
	})
	h := map[string]gin.HandlerFunc{
		"GET /console/login":                              k.loginPage,
		"POST /console/login":                             k.login,
		"GET /console/oidc/login":                         k.oidcLogin,
		"GET /console/oidc/callback":                      k.oidcCallback,
		"GET /console":                                    k.home,
		"POST /console/logout":                            k.logout,
		"POST /console/logout-everywhere":                 k.logoutEverywhere,
		"GET /console/account":                            k.account,
		"POST /console/account/totp":                      k.totpStart,
		"POST /console/account/totp/confirm":              k.totpConfirm,
		"GET /console/updates/new":                        k.newUpdate,
		"POST /console/updates":                           k.postUpdate,
		"GET /console/drafts":                             k.drafts,
		"POST /console/updates/:id/agree":                 k.decide("agree"),
		"POST /console/updates/:id/dispute":               k.decide("dispute"),
		"GET /console/questions":                          k.queue,
		"POST /console/questions/:plan/:code/:id/answers": k.questionAction("answers"),
		"POST /console/questions/:plan/:code/:id/pause":   k.questionAction("pause"),
		"POST /console/questions/:plan/:code/:id/resume":  k.questionAction("resume"),
		"POST /console/questions/:plan/:code/:id/assign":  k.questionAction("assign"),
		"POST /console/questions/:plan/:code/:id/extend":  k.questionAction("extend"),
		"POST /console/questions/:plan/:code/:id/hide":    k.questionAction("hide"),
		"POST /console/questions/:plan/:code/:id/redact":  k.questionAction("redact"),
		"GET /console/comments":                           k.commentsPage,
		"POST /console/comments/:plan/:code/:id/hide":     k.commentAction("hide"),
		"POST /console/comments/:plan/:code/:id/redact":   k.commentAction("redact"),
		"GET /console/embeds":                             k.allowlistPage,
		"POST /console/embeds":                            k.allowOrigin,
		"POST /console/embeds/remove":                     k.removeOrigin,
		"GET /console/working-groups":                     k.groupsPage,
		"POST /console/working-groups/members":            k.changeMember(true),
		"POST /console/working-groups/members/remove":     k.changeMember(false),
		"GET /console/audit":                              k.auditPage,
		"GET /console/accounts":                           k.accountsPage,
		"POST /console/accounts":                          k.createAccount,
		"GET /console/imports":                            k.importsPage,
		"POST /console/imports/plan":                      func(c *gin.Context) { k.upload(c, "plan") },
		"POST /console/imports/calendar":                  func(c *gin.Context) { k.upload(c, "calendar") },
		"GET /console/tokens":                             k.tokensPage,
		"POST /console/tokens":                            k.createToken,
		"POST /console/tokens/:id/revoke":                 k.revokeToken,
	}
	for _, r := range Table() {
		fn := h[r.Method+" "+r.Path]
		if fn == nil {
			panic("console route without a handler: " + r.Method + " " + r.Path)
		}
		chain := []gin.HandlerFunc{}
		if r.Kinds != nil {
			chain = append(chain, k.requireSession, k.requireKinds(r.Kinds))
			if r.Method == http.MethodPost {
				chain = append(chain, k.checkCSRF)
			}
		}
		chain = append(chain, fn)
		g.Handle(r.Method, r.Path, chain...)
	}
}

const sessionKey = "gateway.session"

func current(c *gin.Context) *sessions.Session {
	v, _ := c.Get(sessionKey)
	s, _ := v.(*sessions.Session)
	return s
}

func (k *Console) requireSession(c *gin.Context) {
	ck, _ := c.Cookie(CookieName)
	s, err := k.Sessions.Get(c.Request.Context(), ck)
	if err != nil {
		if !errors.Is(err, sessions.ErrNoSession) {
			k.Logger.ErrorContext(c.Request.Context(), "session lookup failed", "error", err)
		}
		if c.Request.Method == http.MethodGet {
			c.Redirect(http.StatusSeeOther, "/console/login?lang="+site.Lang(c)+"&next="+url.QueryEscape(c.Request.URL.Path))
			c.Abort()
			return
		}
		k.refuse(c, http.StatusUnauthorized, i18n.T(site.Lang(c), "console.login"))
		return
	}
	c.Set(sessionKey, s)
	c.Next()
}

func (k *Console) requireKinds(kinds []string) gin.HandlerFunc {
	return func(c *gin.Context) {
		s := current(c)
		for _, kd := range kinds {
			if kd == "" || s.Has(kd) {
				c.Next()
				return
			}
		}
		if c.Request.Method != http.MethodGet {
			// A refused write is a staff action too: the audit log shows
			// who tried what they may not do.
			k.record(c, "forbidden", c.Request.Method+" "+c.FullPath(), errors.New("needs one of the roles: "+strings.Join(kinds, ", ")), nil)
		}
		k.refuse(c, http.StatusForbidden, "this page needs one of the roles: "+strings.Join(kinds, ", "))
	}
}

func (k *Console) checkCSRF(c *gin.Context) {
	if !site.Equal(current(c).CSRF, c.PostForm("csrf")) {
		k.refuse(c, http.StatusForbidden, i18n.T(site.Lang(c), "error.csrf"))
		return
	}
	c.Next()
}

func (k *Console) refuse(c *gin.Context, status int, msg string) {
	p := k.page(c, i18n.T(site.Lang(c), "error.title"), nil)
	p.Errors = []string{msg}
	k.Render.Render(c, status, "error", p)
	c.Abort()
}

func (k *Console) page(c *gin.Context, title string, data any) *render.Page {
	p := &render.Page{Lang: site.Lang(c), Title: title, Path: c.Request.URL.Path, Query: url.Values{}, Data: data, Console: true}
	if s := current(c); s != nil {
		p.User, p.CSRF = s.Name, s.CSRF
	}
	if c.Query("done") == "1" {
		p.Flash = i18n.T(p.Lang, "console.saved")
	}
	return p
}

func (k *Console) record(c *gin.Context, action, object string, err error, details map[string]string) {
	s := current(c)
	e := audit.Entry{Action: action, Object: object, Outcome: "ok", Details: details}
	if s != nil {
		e.Actor, e.Name = s.Email, s.Name
	}
	if err != nil {
		e.Outcome = "error"
		var ue *upstream.Error
		if errors.As(err, &ue) {
			e.Outcome = ue.Code
		}
	}
	if aerr := k.Audit.Record(c.Request.Context(), e); aerr != nil {
		k.Logger.ErrorContext(c.Request.Context(), "audit write failed", "action", action, "error", aerr)
	}
}

// errorsOf turns a service refusal into messages naming the fields.
func errorsOf(err error) []string {
	var ue *upstream.Error
	if !errors.As(err, &ue) {
		return []string{"the service is unavailable; try again"}
	}
	if len(ue.Fields) == 0 {
		return []string{ue.Message}
	}
	out := make([]string, 0, len(ue.Fields))
	for _, f := range ue.Fields {
		out = append(out, f.Field+": "+f.Message)
	}
	return out
}

func statusOf(err error) int {
	var ue *upstream.Error
	if errors.As(err, &ue) && ue.Status >= 400 && ue.Status < 500 {
		return ue.Status
	}
	return http.StatusBadGateway
}

func (k *Console) done(c *gin.Context, path string) {
	c.Redirect(http.StatusSeeOther, path+"?lang="+site.Lang(c)+"&done=1")
}
