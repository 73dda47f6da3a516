package console

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kept-ogp/kept/services/gateway/internal/accounts"
	"github.com/kept-ogp/kept/services/gateway/internal/audit"
	"github.com/kept-ogp/kept/services/gateway/internal/i18n"
	"github.com/kept-ogp/kept/services/gateway/internal/sessions"
	"github.com/kept-ogp/kept/services/gateway/internal/site"
)

type loginData struct {
	OIDC     bool
	FormCSRF string
	Email    string
	Next     string
}

// safeNext keeps a post-login redirect on the console.
func safeNext(n string) string {
	if strings.HasPrefix(n, "/console") && !strings.HasPrefix(n, "//") && !strings.ContainsAny(n, "\\\r\n") {
		return n
	}
	return "/console"
}

func (k *Console) loginPage(c *gin.Context) {
	p := k.page(c, i18n.T(site.Lang(c), "console.login"), loginData{OIDC: k.oidc != nil, FormCSRF: site.FormToken(c), Next: safeNext(c.Query("next"))})
	k.Render.Render(c, http.StatusOK, "login", p)
}

func (k *Console) login(c *gin.Context) {
	lang := site.Lang(c)
	email := accounts.NormalizeEmail(c.PostForm("email"))
	data := loginData{OIDC: k.oidc != nil, FormCSRF: site.FormToken(c), Email: email, Next: safeNext(c.PostForm("next"))}
	fail := func(status int, msg string) {
		p := k.page(c, i18n.T(lang, "console.login"), data)
		p.Errors = []string{msg}
		k.Render.Render(c, status, "login", p)
	}
	if !site.CheckFormToken(c) {
		fail(http.StatusForbidden, i18n.T(lang, "error.csrf"))
		return
	}
	ctx := c.Request.Context()
	for _, key := range []string{"login:ip:" + c.ClientIP(), "login:email:" + email} {
		if k.Limiter == nil {
			break
		}
		if ok, _, err := k.Limiter.Allow(ctx, key); err == nil && !ok {
			fail(http.StatusTooManyRequests, i18n.T(lang, "error.rate"))
			return
		}
	}
	a, err := k.Accounts.Authenticate(ctx, email, c.PostForm("password"), c.PostForm("code"))
	if errors.Is(err, accounts.ErrBadLogin) {
		_ = k.Audit.Record(ctx, auditLogin(email, "bad_login"))
		fail(http.StatusUnauthorized, i18n.T(lang, "console.badlogin"))
		return
	}
	if err != nil {
		k.Logger.ErrorContext(ctx, "login failed", "error", err)
		fail(http.StatusServiceUnavailable, i18n.T(lang, "error.unavailable"))
		return
	}
	if err := k.startSession(c, a, "password"); err != nil {
		k.Logger.ErrorContext(ctx, "session start failed", "error", err)
		fail(http.StatusServiceUnavailable, i18n.T(lang, "error.unavailable"))
		return
	}
	c.Redirect(http.StatusSeeOther, data.Next+"?lang="+lang)
}

// startSession mints the session's API token and sets the cookie.
func (k *Console) startSession(c *gin.Context, a *accounts.Account, via string) error {
	ctx := c.Request.Context()
	tok, secret, err := k.Tokens.Create(ctx, a.Name, "gateway session ("+via+")", a.Roles)
	if err != nil {
		return err
	}
	cookie, s, err := k.Sessions.Create(ctx, sessions.New{Email: a.Email, Name: a.Name, Via: via, Roles: a.Roles, TokenID: tok.ID, Token: secret})
	if err != nil {
		_ = k.Tokens.Revoke(ctx, tok.ID)
		return err
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: CookieName, Value: cookie, Path: "/", HttpOnly: true, Secure: site.Secure(c),
		SameSite: http.SameSiteLaxMode, MaxAge: int(k.Sessions.Absolute.Seconds())})
	c.Set(sessionKey, s)
	k.record(c, "login", a.Email, nil, map[string]string{"via": via})
	return nil
}

func clearCookie(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: CookieName, Value: "", Path: "/", HttpOnly: true, Secure: site.Secure(c),
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

func (k *Console) logout(c *gin.Context) {
	ctx := c.Request.Context()
	ck, _ := c.Cookie(CookieName)
	s, err := k.Sessions.Delete(ctx, ck)
	if err == nil && s != nil {
		if err := k.Tokens.Revoke(ctx, s.TokenID); err != nil {
			k.Logger.WarnContext(ctx, "revoke session token failed", "error", err)
		}
	}
	k.record(c, "logout", current(c).Email, err, nil)
	clearCookie(c)
	c.Redirect(http.StatusSeeOther, "/console/login?lang="+site.Lang(c))
}

func (k *Console) logoutEverywhere(c *gin.Context) {
	ctx := c.Request.Context()
	s := current(c)
	err := k.endSessions(ctx, s.Email)
	k.record(c, "logout_everywhere", s.Email, err, nil)
	clearCookie(c)
	c.Redirect(http.StatusSeeOther, "/console/login?lang="+site.Lang(c))
}

// endSessions deletes every session of email and revokes their tokens.
func (k *Console) endSessions(ctx context.Context, email string) error {
	ids, err := k.Sessions.DeleteAll(ctx, email)
	for _, id := range ids {
		if rerr := k.Tokens.Revoke(ctx, id); rerr != nil {
			k.Logger.WarnContext(ctx, "revoke session token failed", "error", rerr)
		}
	}
	return err
}

type accountData struct {
	TOTPOn  bool
	Pending string
	URI     string
}

func (k *Console) account(c *gin.Context) {
	a, err := k.Accounts.Get(c.Request.Context(), current(c).Email)
	if err != nil {
		k.refuse(c, http.StatusNotFound, err.Error())
		return
	}
	d := accountData{TOTPOn: a.TOTPSecret != "", Pending: a.TOTPPending}
	if d.Pending != "" {
		d.URI = accounts.TOTPURI(k.Issuer, a.Email, d.Pending)
	}
	k.Render.Render(c, http.StatusOK, "account", k.page(c, i18n.T(site.Lang(c), "console.account"), d))
}

func (k *Console) totpStart(c *gin.Context) {
	_, err := k.Accounts.StartTOTP(c.Request.Context(), current(c).Email)
	k.record(c, "totp.start", current(c).Email, err, nil)
	if err != nil {
		k.refuse(c, http.StatusInternalServerError, err.Error())
		return
	}
	c.Redirect(http.StatusSeeOther, "/console/account?lang="+site.Lang(c))
}

func (k *Console) totpConfirm(c *gin.Context) {
	err := k.Accounts.ConfirmTOTP(c.Request.Context(), current(c).Email, c.PostForm("code"))
	k.record(c, "totp.confirm", current(c).Email, err, nil)
	if err != nil {
		a, _ := k.Accounts.Get(c.Request.Context(), current(c).Email)
		d := accountData{}
		if a != nil {
			d.Pending, d.URI = a.TOTPPending, accounts.TOTPURI(k.Issuer, a.Email, a.TOTPPending)
		}
		p := k.page(c, i18n.T(site.Lang(c), "console.account"), d)
		p.Errors = []string{err.Error()}
		k.Render.Render(c, http.StatusUnprocessableEntity, "account", p)
		return
	}
	k.done(c, "/console/account")
}

func auditLogin(email, outcome string) audit.Entry {
	return audit.Entry{Action: "login", Object: email, Actor: email, Outcome: outcome}
}
