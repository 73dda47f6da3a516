package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kept-ogp/kept/services/gateway/internal/i18n"
	"github.com/kept-ogp/kept/services/gateway/internal/render"
	"github.com/kept-ogp/kept/services/gateway/internal/site"
	"github.com/kept-ogp/kept/services/gateway/internal/upstream"
)

// commentsByUpdate groups a commitment's public comments by update.
func (s *Server) commentsByUpdate(ctx context.Context, plan, code string) (map[string][]upstream.Comment, error) {
	cs, err := s.Client.Comments(ctx, plan, code)
	if err != nil && !errors.Is(err, upstream.ErrNotConfigured) {
		return nil, err
	}
	out := map[string][]upstream.Comment{}
	for _, c := range cs {
		out[c.Update] = append(out[c.Update], c)
	}
	return out, nil
}

// updateData is the page of one published update: its comments and the
// form to add one.
type updateData struct {
	Plan      *upstream.Plan
	C         *upstream.Commitment
	U         upstream.Update
	Comments  []upstream.Comment
	Langs     []string // the languages offered: the plan's and the reader's
	Form      upstream.CommentForm
	CSRF      string
	Commented bool
}

func (s *Server) updatePage(c *gin.Context) {
	v := viewOf(c)
	s.cached(c, v, []string{"commented"}, func(ctx context.Context, csrf string) (string, *render.Page, error) {
		pg, err := s.buildUpdatePage(ctx, v, csrf, upstream.CommentForm{})
		return "update", pg, err
	})
}

func (s *Server) buildUpdatePage(ctx context.Context, v view, csrf string, form upstream.CommentForm) (*render.Page, error) {
	p, cm, err := s.loadCommitment(ctx, v.Param["plan"], v.Param["code"])
	if err != nil {
		return nil, err
	}
	ups, err := s.Client.Updates(ctx, p.Plan.ID, cm.Code)
	if err != nil {
		return nil, err
	}
	d := updateData{Plan: p, C: cm, Langs: commentLanguages(v.Lang, p.Plan.Languages), Form: form, CSRF: csrf, Commented: v.Query.Get("commented") == "1"}
	found := false
	for _, u := range ups {
		if u.ID == v.Param["update"] {
			d.U, found = u, true
		}
	}
	if !found {
		return nil, &upstream.Error{Status: http.StatusNotFound, Code: "not_found", Message: "no such published update"}
	}
	byUpdate, err := s.commentsByUpdate(ctx, p.Plan.ID, cm.Code)
	if err != nil {
		return nil, err
	}
	d.Comments = byUpdate[d.U.ID]
	if d.Form.Language == "" {
		d.Form.Language = commentLanguage(v.Lang, p.Plan.Languages)
	}
	pg := v.page("", d)
	pg.CSRF = csrf
	pg.Title = d.U.Item + " · " + pg.T("cm.title")
	return pg, nil
}

// commentLanguage preselects the reader's language, as the plan spells it
// when the plan has it: people comment in the language they read.
func commentLanguage(lang string, planLangs []string) string {
	for _, l := range planLangs {
		if i18n.Normalize(l) == lang {
			return l
		}
	}
	return lang
}

// commentLanguages are the plan's languages and the reader's, when the
// plan lacks it.
func commentLanguages(lang string, planLangs []string) []string {
	out := append([]string(nil), planLangs...)
	if commentLanguage(lang, planLangs) == lang && !slices.Contains(planLangs, lang) {
		out = append(out, lang)
	}
	return out
}

func (s *Server) comment(c *gin.Context) {
	lang := site.Lang(c)
	tooLarge := site.FormTooLarge(c) // before any field is read
	form := upstream.CommentForm{Text: c.PostForm("text"), Language: c.PostForm("language"), DisplayName: strings.TrimSpace(c.PostForm("display_name")),
		Anonymous: c.PostForm("anonymous") == "on", Website: c.PostForm("website")}
	again := func(status int, errs []string) {
		pg, err := s.buildUpdatePage(c.Request.Context(), viewOf(c), site.FormToken(c), form)
		if err != nil {
			s.fail(c, err)
			return
		}
		pg.Errors = errs
		s.Render.Render(c, status, "update", pg)
	}
	if tooLarge {
		form = upstream.CommentForm{Language: form.Language}
		again(http.StatusRequestEntityTooLarge, []string{i18n.T(lang, "error.toolarge")})
		return
	}
	if !site.CheckFormToken(c) {
		again(http.StatusForbidden, []string{i18n.T(lang, "error.csrf")})
		return
	}
	if !s.allowed(c, "comment") {
		again(http.StatusTooManyRequests, []string{i18n.T(lang, "error.rate")})
		return
	}
	if form.Anonymous {
		form.DisplayName = ""
	} else if form.DisplayName == "" {
		form.Anonymous = true
	}
	_, err := s.Client.PostComment(c.Request.Context(), c.Param("plan"), c.Param("code"), c.Param("update"), c.ClientIP(), form)
	if err != nil {
		var ue *upstream.Error
		if errors.As(err, &ue) && ue.Status < 500 && ue.Status != http.StatusNotFound {
			again(ue.Status, formErrors(lang, ue))
			return
		}
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/plans/"+url.PathEscape(c.Param("plan"))+"/commitments/"+url.PathEscape(c.Param("code"))+
		"/updates/"+url.PathEscape(c.Param("update"))+"?lang="+lang+"&commented=1#comments")
}
