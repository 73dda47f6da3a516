package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kept-ogp/kept/services/gateway/internal/i18n"
	"github.com/kept-ogp/kept/services/gateway/internal/site"
	"github.com/kept-ogp/kept/services/gateway/internal/upstream"
	"github.com/kept-ogp/kept/services/kit/auth"
)

// TokenLister lists API tokens (*auth.Store).
type TokenLister interface {
	List(ctx context.Context) ([]auth.Token, error)
}

type importsData struct {
	Result []string
}

func (k *Console) importsPage(c *gin.Context) {
	k.Render.Render(c, http.StatusOK, "imports", k.page(c, i18n.T(site.Lang(c), "console.imports"), importsData{}))
}

// detailLines turns an import refusal into one line per problem, whatever
// fields the service names (row, column, field, message...).
func detailLines(err error) []string {
	var ue *upstream.Error
	if !errors.As(err, &ue) {
		return errorsOf(err)
	}
	out := []string{ue.Message}
	var rows []map[string]any
	if json.Unmarshal(ue.Details, &rows) == nil {
		for _, r := range rows {
			keys := make([]string, 0, len(r))
			for k := range r {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			parts := make([]string, 0, len(keys))
			for _, k := range keys {
				parts = append(parts, fmt.Sprintf("%s: %v", k, r[k]))
			}
			out = append(out, strings.Join(parts, " · "))
		}
	} else if len(ue.Details) > 0 {
		out = append(out, string(ue.Details))
	}
	return out
}

func (k *Console) upload(c *gin.Context, kind string) {
	lang := site.Lang(c)
	fh, err := c.FormFile("file")
	if err != nil {
		p := k.page(c, i18n.T(lang, "console.imports"), importsData{})
		p.Errors = []string{"file: " + i18n.T(lang, "console.file")}
		k.Render.Render(c, http.StatusBadRequest, "imports", p)
		return
	}
	f, err := fh.Open()
	if err != nil {
		k.refuse(c, http.StatusBadRequest, "file: cannot read the upload")
		return
	}
	defer f.Close()
	var res map[string]any
	obj := fh.Filename
	if kind == "plan" {
		res, err = k.Client.ImportPlan(c.Request.Context(), current(c).Token, fh.Filename, f)
	} else {
		format := c.PostForm("format")
		obj += " (" + format + ")"
		res, err = k.Client.ImportCalendar(c.Request.Context(), current(c).Token, format, f)
	}
	k.record(c, kind+".import", obj, err, nil)
	p := k.page(c, i18n.T(lang, "console.imports"), importsData{})
	if err != nil {
		p.Errors = detailLines(err)
		k.Render.Render(c, statusOf(err), "imports", p)
		return
	}
	b, _ := json.MarshalIndent(res, "", "  ")
	p.Flash = i18n.T(lang, "console.saved")
	p.Data = importsData{Result: strings.Split(string(b), "\n")}
	k.Render.Render(c, http.StatusOK, "imports", p)
}

type tokensData struct {
	Tokens []auth.Token
	Secret string
}

func (k *Console) tokensPage(c *gin.Context) { k.renderTokens(c, http.StatusOK, "", nil) }

func (k *Console) renderTokens(c *gin.Context, status int, secret string, errs []string) {
	ts, err := k.TokenList.List(c.Request.Context())
	if err != nil {
		k.refuse(c, http.StatusInternalServerError, err.Error())
		return
	}
	p := k.page(c, i18n.T(site.Lang(c), "console.tokens"), tokensData{Tokens: ts, Secret: secret})
	p.Errors = errs
	k.Render.Render(c, status, "tokens", p)
}

// reserved are the roles only an admin may put on a token: a PoC issues
// tokens for agencies, working groups and integrations, never one that could
// issue tokens itself or read askers' addresses.
var reserved = []string{auth.KindAdmin, auth.KindNotifier}

func mayIssue(c *gin.Context, roles []auth.Role) error {
	if current(c).Has(auth.KindAdmin) {
		return nil
	}
	for _, r := range roles {
		if slices.Contains(reserved, r.Kind) {
			return fmt.Errorf("roles: only an admin may issue tokens with the %s role", r.Kind)
		}
	}
	return nil
}

func (k *Console) createToken(c *gin.Context) {
	roles, err := ParseRoles(strings.Split(c.PostForm("roles"), "\n"))
	if err == nil {
		err = mayIssue(c, roles)
	}
	var secret string
	var tok auth.Token
	if err == nil {
		tok, secret, err = k.Tokens.Create(c.Request.Context(), strings.TrimSpace(c.PostForm("name")), current(c).Name, roles)
	}
	k.record(c, "token.create", tok.ID, err, map[string]string{"name": c.PostForm("name"), "roles": c.PostForm("roles")})
	if err != nil {
		k.renderTokens(c, http.StatusUnprocessableEntity, "", []string{err.Error()})
		return
	}
	// Shown once, to the admin who asked for it, on a no-store page.
	k.renderTokens(c, http.StatusCreated, secret, nil)
}

func (k *Console) revokeToken(c *gin.Context) {
	if !current(c).Has(auth.KindAdmin) {
		ts, err := k.TokenList.List(c.Request.Context())
		if err != nil {
			k.refuse(c, http.StatusInternalServerError, err.Error())
			return
		}
		for _, t := range ts {
			if t.ID == c.Param("id") {
				if err := mayIssue(c, t.Roles); err != nil {
					k.record(c, "token.revoke", t.ID, err, nil)
					k.refuse(c, http.StatusForbidden, "only an admin may revoke an admin or notifier token")
					return
				}
			}
		}
	}
	err := k.Tokens.Revoke(c.Request.Context(), c.Param("id"))
	k.record(c, "token.revoke", c.Param("id"), err, nil)
	if err != nil {
		k.refuse(c, http.StatusNotFound, err.Error())
		return
	}
	k.done(c, "/console/tokens")
}
