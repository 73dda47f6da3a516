package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gin-gonic/gin"
	"golang.org/x/oauth2"

	"github.com/kept-ogp/kept/services/gateway/internal/accounts"
	"github.com/kept-ogp/kept/services/gateway/internal/i18n"
	"github.com/kept-ogp/kept/services/gateway/internal/site"
)

// OIDCConfig names an OpenID Connect provider. A user who signs in there is
// mapped to the local account with the same (verified) email, whose roles
// the session gets; without such an account the sign-in is refused.
type OIDCConfig struct {
	Issuer, ClientID, ClientSecret string
	// RedirectURL is this gateway's callback, e.g.
	// https://kept.example.org/console/oidc/callback ("" derives it from the request).
	RedirectURL string
}

// Enabled reports whether a provider is configured.
func (o OIDCConfig) Enabled() bool { return o.Issuer != "" && o.ClientID != "" }

// oidcFlow holds the provider, discovered on first use (the provider may be
// down when the gateway starts).
type oidcFlow struct {
	cfg      OIDCConfig
	mu       sync.Mutex
	provider *oidc.Provider
}

func (f *oidcFlow) get(ctx context.Context) (*oidc.Provider, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.provider != nil {
		return f.provider, nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(ctx, f.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc discovery at %s: %w", f.cfg.Issuer, err)
	}
	f.provider = p
	return p, nil
}

func (f *oidcFlow) oauth(c *gin.Context, p *oidc.Provider) *oauth2.Config {
	redirect := f.cfg.RedirectURL
	if redirect == "" {
		scheme := "http"
		if site.Secure(c) {
			scheme = "https"
		}
		redirect = scheme + "://" + c.Request.Host + "/console/oidc/callback"
	}
	return &oauth2.Config{ClientID: f.cfg.ClientID, ClientSecret: f.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: redirect, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

const oidcCookie = "kept_oidc"

func (k *Console) oidcLogin(c *gin.Context) {
	if k.oidc == nil {
		k.refuse(c, http.StatusNotFound, "single sign-on is not configured")
		return
	}
	p, err := k.oidc.get(c.Request.Context())
	if err != nil {
		k.Logger.ErrorContext(c.Request.Context(), "oidc unavailable", "error", err)
		k.refuse(c, http.StatusBadGateway, i18n.T(site.Lang(c), "error.unavailable"))
		return
	}
	state, nonce, verifier := site.Random(), site.Random(), oauth2.GenerateVerifier()
	http.SetCookie(c.Writer, &http.Cookie{Name: oidcCookie, Value: state + "." + nonce + "." + verifier + "." + site.Lang(c),
		Path: "/console/oidc", HttpOnly: true, Secure: site.Secure(c), SameSite: http.SameSiteLaxMode, MaxAge: 600})
	c.Redirect(http.StatusFound, k.oidc.oauth(c, p).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)))
}

func (k *Console) oidcCallback(c *gin.Context) {
	if k.oidc == nil {
		k.refuse(c, http.StatusNotFound, "single sign-on is not configured")
		return
	}
	ctx := c.Request.Context()
	ck, _ := c.Cookie(oidcCookie)
	parts := strings.Split(ck, ".")
	http.SetCookie(c.Writer, &http.Cookie{Name: oidcCookie, Value: "", Path: "/console/oidc", MaxAge: -1, HttpOnly: true})
	if len(parts) != 4 || !site.Equal(parts[0], c.Query("state")) {
		k.refuse(c, http.StatusForbidden, i18n.T(site.Lang(c), "error.csrf"))
		return
	}
	nonce, verifier := parts[1], parts[2]
	if l := i18n.Normalize(parts[3]); l != "" {
		c.Set("gateway.lang", l)
	}
	lang := site.Lang(c)
	if e := c.Query("error"); e != "" {
		k.refuse(c, http.StatusUnauthorized, "the identity provider refused: "+e)
		return
	}
	p, err := k.oidc.get(ctx)
	if err != nil {
		k.refuse(c, http.StatusBadGateway, i18n.T(lang, "error.unavailable"))
		return
	}
	tok, err := k.oidc.oauth(c, p).Exchange(ctx, c.Query("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		k.Logger.WarnContext(ctx, "oidc code exchange failed", "error", err)
		k.refuse(c, http.StatusUnauthorized, i18n.T(lang, "console.badlogin"))
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := p.Verifier(&oidc.Config{ClientID: k.oidc.cfg.ClientID}).Verify(ctx, raw)
	if err != nil || idt.Nonce != nonce {
		k.Logger.WarnContext(ctx, "oidc id token refused", "error", err)
		k.refuse(c, http.StatusUnauthorized, i18n.T(lang, "console.badlogin"))
		return
	}
	var claims struct {
		Email    string `json:"email"`
		Verified *bool  `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil || claims.Email == "" || (claims.Verified != nil && !*claims.Verified) {
		k.refuse(c, http.StatusUnauthorized, "the identity provider gave no verified email")
		return
	}
	a, err := k.Accounts.Get(ctx, claims.Email)
	if errors.Is(err, accounts.ErrNotFound) || (err == nil && a.Disabled) {
		_ = k.Audit.Record(ctx, auditLogin(accounts.NormalizeEmail(claims.Email), "no_account"))
		k.refuse(c, http.StatusForbidden, "no console account has this email; ask an administrator")
		return
	}
	if err != nil {
		k.refuse(c, http.StatusServiceUnavailable, i18n.T(lang, "error.unavailable"))
		return
	}
	if err := k.startSession(c, a, "oidc"); err != nil {
		k.refuse(c, http.StatusServiceUnavailable, i18n.T(lang, "error.unavailable"))
		return
	}
	c.Redirect(http.StatusSeeOther, "/console?lang="+lang)
}
