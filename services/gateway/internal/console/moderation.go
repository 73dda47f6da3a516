package console

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kept-ogp/kept/services/gateway/internal/accounts"
	"github.com/kept-ogp/kept/services/gateway/internal/i18n"
	"github.com/kept-ogp/kept/services/gateway/internal/site"
	"github.com/kept-ogp/kept/services/gateway/internal/upstream"
	"github.com/kept-ogp/kept/services/kit/auth"
)

// --- public comments on updates ---

type commentsData struct {
	Plans    []upstream.PlanSummary
	Plan     string
	Comments []upstream.Comment
}

// commentsPage lists a plan's comments, newest first, with hide and redact
// forms for moderators.
func (k *Console) commentsPage(c *gin.Context) {
	ctx := c.Request.Context()
	plans, err := k.Client.Plans(ctx)
	if err != nil {
		k.refuse(c, statusOf(err), strings.Join(errorsOf(err), "; "))
		return
	}
	d := commentsData{Plans: plans, Plan: c.Query("plan")}
	if d.Plan == "" && len(plans) > 0 {
		d.Plan = plans[0].ID
	}
	if d.Plan != "" {
		p, err := k.Client.Plan(ctx, d.Plan)
		if err != nil {
			k.refuse(c, statusOf(err), strings.Join(errorsOf(err), "; "))
			return
		}
		for _, cm := range p.Commitments {
			cs, err := k.Client.Comments(ctx, p.Plan.ID, cm.Code)
			if err != nil {
				k.refuse(c, statusOf(err), strings.Join(errorsOf(err), "; "))
				return
			}
			d.Comments = append(d.Comments, cs...)
		}
	}
	sort.SliceStable(d.Comments, func(i, j int) bool { return d.Comments[i].CreatedAt.After(d.Comments[j].CreatedAt) })
	k.Render.Render(c, http.StatusOK, "comments", k.page(c, i18n.T(site.Lang(c), "console.comments"), d))
}

func (k *Console) commentAction(action string) gin.HandlerFunc {
	return func(c *gin.Context) {
		body := map[string]any{"reason": strings.TrimSpace(c.PostForm("reason"))}
		if action == "redact" {
			body["text"] = c.PostForm("text")
		}
		_, err := k.Client.CommentAction(c.Request.Context(), current(c).Token, c.Param("plan"), c.Param("code"), c.Param("id"), action, body)
		k.record(c, "comment."+action, c.Param("plan")+"/"+c.Param("code")+"/"+c.Param("id"), err, map[string]string{"reason": strings.TrimSpace(c.PostForm("reason"))})
		if err != nil {
			k.refuse(c, statusOf(err), strings.Join(errorsOf(err), "; "))
			return
		}
		k.done(c, "/console/comments")
	}
}

// --- the embed allowlist ---

func (k *Console) allowlistPage(c *gin.Context) { k.renderAllowlist(c, http.StatusOK, nil) }

func (k *Console) renderAllowlist(c *gin.Context, status int, errs []string) {
	os, err := k.Client.EmbedAllowlist(c.Request.Context(), current(c).Token)
	if err != nil {
		k.refuse(c, statusOf(err), strings.Join(errorsOf(err), "; "))
		return
	}
	p := k.page(c, i18n.T(site.Lang(c), "console.allowlist"), os)
	p.Errors = errs
	k.Render.Render(c, status, "allowlist", p)
}

func (k *Console) allowOrigin(c *gin.Context) {
	origin := strings.TrimSpace(c.PostForm("origin"))
	err := k.Client.AllowEmbedOrigin(c.Request.Context(), current(c).Token, origin, strings.TrimSpace(c.PostForm("note")))
	k.record(c, "embed.allow", origin, err, nil)
	if err != nil {
		k.renderAllowlist(c, statusOf(err), errorsOf(err))
		return
	}
	k.done(c, "/console/embeds")
}

func (k *Console) removeOrigin(c *gin.Context) {
	origin := c.PostForm("origin")
	err := k.Client.RemoveEmbedOrigin(c.Request.Context(), current(c).Token, origin)
	k.record(c, "embed.remove", origin, err, nil)
	if err != nil {
		k.renderAllowlist(c, statusOf(err), errorsOf(err))
		return
	}
	k.done(c, "/console/embeds")
}

// --- working-group membership ---

// Member is one account's seat on a working group.
type Member struct {
	Email, Name, Side string
}

// Group is a commitment's working group.
type Group struct {
	Plan, Commitment string
	Title            upstream.Text
	Languages        []string
	Members          []Member
}

type groupsData struct {
	Groups   []Group
	Accounts []string
	Sides    []string
}

// groupsPage lists every commitment's working group as the local accounts
// hold it, with forms to add and remove members.
func (k *Console) groupsPage(c *gin.Context) { k.renderGroups(c, http.StatusOK, nil) }

func (k *Console) renderGroups(c *gin.Context, status int, errs []string) {
	ctx := c.Request.Context()
	plans, err := k.Client.Plans(ctx)
	if err != nil {
		k.refuse(c, statusOf(err), strings.Join(errorsOf(err), "; "))
		return
	}
	accs, err := k.Accounts.List(ctx)
	if err != nil {
		k.refuse(c, http.StatusInternalServerError, err.Error())
		return
	}
	d := groupsData{Sides: []string{auth.SideGovernment, auth.SideCivilSociety}}
	for _, a := range accs {
		if !a.Disabled {
			d.Accounts = append(d.Accounts, a.Email)
		}
	}
	for _, ps := range plans {
		p, err := k.Client.Plan(ctx, ps.ID)
		if err != nil {
			k.refuse(c, statusOf(err), strings.Join(errorsOf(err), "; "))
			return
		}
		for _, cm := range p.Commitments {
			g := Group{Plan: p.Plan.ID, Commitment: cm.Code, Title: cm.Title, Languages: p.Plan.Languages}
			for _, a := range accs {
				for _, r := range a.Roles {
					if r.Kind == auth.KindWGMember && r.Plan == g.Plan && r.Commitment == g.Commitment {
						g.Members = append(g.Members, Member{Email: a.Email, Name: a.Name, Side: r.Side})
					}
				}
			}
			d.Groups = append(d.Groups, g)
		}
	}
	p := k.page(c, i18n.T(site.Lang(c), "console.groups"), d)
	p.Errors = errs
	k.Render.Render(c, status, "groups", p)
}

// changeMember adds or removes a working-group seat. The member's sessions
// end, so the change holds from their next sign-in and an old session keeps
// no seat it lost.
func (k *Console) changeMember(add bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		plan, commitment, _ := strings.Cut(c.PostForm("group"), "|")
		email := strings.TrimSpace(c.PostForm("email"))
		role := auth.Role{Kind: auth.KindWGMember, Plan: plan, Commitment: commitment, Side: c.PostForm("side")}
		var err error
		if add {
			p, perr := k.Client.Plan(ctx, plan)
			switch {
			case perr != nil:
				err = fmt.Errorf("group: no plan %q", plan)
			case !hasCommitment(p, commitment):
				err = fmt.Errorf("group: no commitment %q in plan %s", commitment, plan)
			default:
				err = k.Accounts.GrantRole(ctx, email, role)
			}
		} else {
			err = k.Accounts.RevokeRole(ctx, email, role)
		}
		action := "wg.remove"
		if add {
			action = "wg.add"
		}
		k.record(c, action, email, err, map[string]string{"group": plan + "/" + commitment, "side": role.Side})
		if errors.Is(err, accounts.ErrNotFound) {
			err = fmt.Errorf("email: no account %q", email)
		}
		if err != nil {
			k.renderGroups(c, http.StatusUnprocessableEntity, []string{err.Error()})
			return
		}
		if derr := k.endSessions(ctx, email); derr != nil {
			k.Logger.WarnContext(ctx, "end member's sessions failed", "error", derr)
		}
		k.done(c, "/console/working-groups")
	}
}

func hasCommitment(p *upstream.Plan, code string) bool {
	_, ok := p.Commitment(code)
	return ok
}
