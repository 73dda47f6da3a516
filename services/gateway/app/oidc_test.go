package app_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/kept-ogp/kept/services/gateway/app"
	"github.com/kept-ogp/kept/services/gateway/internal/accounts"
	"github.com/kept-ogp/kept/services/kit/auth"
)

// Single sign-on against a real OpenID Connect server (mockoidc): the user
// gets the roles of the local account with the same email, and nobody else
// gets in.
func TestOpenIDConnectSignInMapsToTheLocalAccount(t *testing.T) {
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = m.Shutdown() }()
	cfg := m.Config()
	e := gin.New()
	srv := httptest.NewServer(e)
	defer srv.Close()
	set, err := app.LoadSettings(func(k string) string {
		return map[string]string{"GATEWAY_COMMITMENTS_URL": stack.base, "GATEWAY_UPDATES_URL": stack.base, "GATEWAY_DASHBOARDS_URL": stack.base,
			"GATEWAY_QA_URL": stack.base, "GATEWAY_PROXY": "false", "GATEWAY_OIDC_ISSUER": cfg.Issuer, "GATEWAY_OIDC_CLIENT_ID": cfg.ClientID,
			"GATEWAY_OIDC_CLIENT_SECRET": cfg.ClientSecret, "GATEWAY_OIDC_REDIRECT_URL": srv.URL + "/console/oidc/callback"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := app.NewWith(t.Context(), stack.process.Deps(app.Name, "kept_gateway"), set)
	if err != nil {
		t.Fatal(err)
	}
	gw.Routes(e)
	if _, err := gw.Accounts.Create(t.Context(), accounts.New{Email: "sso.poc@example.org", Name: "SSO PoC", Roles: []auth.Role{{Kind: auth.KindPoC}}, By: "test"}); err != nil {
		t.Fatal(err)
	}
	signIn := func(email string) (int, string) {
		m.QueueUser(&mockoidc.MockUser{Subject: email, Email: email, EmailVerified: true})
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Timeout: 20 * time.Second}
		resp, err := c.Get(srv.URL + "/console/oidc/login?lang=en")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body := signIn("SSO.PoC@example.org")
	if status != http.StatusOK || !strings.Contains(body, "Staff console") || !strings.Contains(body, "poc") {
		t.Fatalf("sign-in: %d %.600s", status, body)
	}
	if status, _ := signIn("stranger@example.org"); status != http.StatusForbidden {
		t.Errorf("an email without an account: %d, want 403", status)
	}
	// A callback with a state that is not this browser's is refused.
	resp, err := http.Get(srv.URL + "/console/oidc/callback?state=forged&code=x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("forged state: %d, want 403", resp.StatusCode)
	}
	lp, err := http.Get(srv.URL + "/console/login?lang=en")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(lp.Body)
	lp.Body.Close()
	if !strings.Contains(string(b), "/console/oidc/login") {
		t.Error("the login page does not offer single sign-on")
	}
}
