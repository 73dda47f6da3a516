package console

import (
	"context"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/kept-ogp/kept/services/gateway/internal/accounts"
	"github.com/kept-ogp/kept/services/gateway/internal/i18n"
	"github.com/kept-ogp/kept/services/gateway/internal/site"
	"github.com/kept-ogp/kept/services/gateway/internal/upstream"
	"github.com/kept-ogp/kept/services/gateway/internal/web"
	"github.com/kept-ogp/kept/services/kit/auth"
)

type homeData struct {
	Roles                                              []string
	CanPost, CanDrafts, CanQueue, CanAudit, Admin, PoC bool
}

func roleString(r auth.Role) string {
	switch r.Kind {
	case auth.KindAgencyEditor:
		return r.Kind + ":" + r.Org
	case auth.KindWGMember:
		return r.Kind + ":" + r.Plan + "/" + r.Commitment + ":" + r.Side
	}
	return r.Kind
}

func (k *Console) home(c *gin.Context) {
	s := current(c)
	d := homeData{CanPost: s.Has(editors...), CanDrafts: s.Has(draftsWho...), CanQueue: s.Has(answerers...),
		CanAudit: s.Has(moderators...), Admin: s.Has(admins...), PoC: s.Has(poc...)}
	for _, r := range s.Roles {
		d.Roles = append(d.Roles, roleString(r))
	}
	k.Render.Render(c, http.StatusOK, "console", k.page(c, i18n.T(site.Lang(c), "console.title"), d))
}

// Option is an item an editor may post on.
type Option struct {
	Plan, Code, Label string
}

type updateForm struct {
	Items []Option
	// Languages are those of the plans the editor's items are in: the
	// updates service refuses any other.
	Languages []string
	Statuses  []string
	Kinds     []string
	Form      map[string]string
}

// Evidence kinds the updates service accepts.
var evidenceKinds = []string{"publication", "minutes", "monitoring_report", "work_plan", "study", "draft_law", "decree", "budget",
	"spending_record", "procurement", "technical_documentation", "third_party_report", "civil_society_report", "audit",
	"consultation_calendar", "invitation", "participant_list", "written_submission", "government_response", "photo", "video",
	"usage_statistics", "msf_terms_of_reference", "msf_membership", "other"}

func (k *Console) items(ctx context.Context, lang string, orgs map[string]bool) ([]Option, []string, error) {
	plans, err := k.Client.Plans(ctx)
	if err != nil {
		return nil, nil, err
	}
	var out []Option
	var langs []string
	for _, ps := range plans {
		p, err := k.Client.Plan(ctx, ps.ID)
		if err != nil {
			return nil, nil, err
		}
		leads := func(os []upstream.Org) bool {
			for _, o := range os {
				if orgs[o.Code] {
					return true
				}
			}
			return false
		}
		label := func(code string, t upstream.Text) string {
			s, _, _ := i18n.Pick(t, lang, p.Plan.Languages)
			if len([]rune(s)) > 90 {
				s = string([]rune(s)[:90]) + "…"
			}
			return p.Plan.ID + " " + code + " " + s
		}
		before := len(out)
		for _, cm := range p.Commitments {
			for _, m := range cm.Milestones {
				if leads(m.LeadOrgs) {
					out = append(out, Option{p.Plan.ID, m.Code, label(m.Code, m.Title)})
				}
				for _, in := range m.Indicators {
					if leads(in.LeadOrgs) {
						out = append(out, Option{p.Plan.ID, in.Code, label(in.Code, in.Title)})
					}
				}
			}
		}
		if len(out) > before {
			for _, l := range p.Plan.Languages {
				if !slices.Contains(langs, l) {
					langs = append(langs, l)
				}
			}
		}
	}
	return out, langs, nil
}

func editorOrgs(s *auth.Principal) map[string]bool {
	m := map[string]bool{}
	for _, r := range s.Roles {
		if r.Kind == auth.KindAgencyEditor {
			m[r.Org] = true
		}
	}
	return m
}

func (k *Console) renderUpdateForm(c *gin.Context, status int, form map[string]string, errs []string) {
	opts, langs, err := k.items(c.Request.Context(), site.Lang(c), editorOrgs(current(c).Principal()))
	if err != nil {
		k.refuse(c, http.StatusBadGateway, i18n.T(site.Lang(c), "error.unavailable"))
		return
	}
	if !slices.Contains(langs, form["language"]) && len(langs) > 0 {
		form["language"] = langs[0]
		for _, l := range langs {
			if i18n.Normalize(l) == site.Lang(c) {
				form["language"] = l
			}
		}
	}
	p := k.page(c, i18n.T(site.Lang(c), "console.newupdate"), updateForm{Items: opts, Languages: langs,
		Statuses: []string{"not_started", "limited", "substantial", "complete"}, Kinds: evidenceKinds, Form: form})
	p.Errors = errs
	k.Render.Render(c, status, "update_new", p)
}

func (k *Console) newUpdate(c *gin.Context) {
	k.renderUpdateForm(c, http.StatusOK, map[string]string{"language": site.Lang(c)}, nil)
}

func text(lang, v string) upstream.Text {
	v = strings.TrimSpace(strings.ReplaceAll(v, "\r\n", "\n"))
	if v == "" {
		return nil
	}
	return upstream.Text{lang: v}
}

func (k *Console) postUpdate(c *gin.Context) {
	form := map[string]string{}
	for _, f := range []string{"item", "period", "status", "language", "progress", "delay_reason", "next_steps", "challenges"} {
		form[f] = c.PostForm(f)
	}
	lang := form["language"]
	if i18n.Normalize(lang) == "" {
		lang = site.Lang(c)
	}
	plan, item, _ := strings.Cut(form["item"], "|")
	d := upstream.Draft{Plan: plan, Item: item, Period: strings.TrimSpace(form["period"]), Status: form["status"],
		Progress: text(lang, form["progress"]), DelayReason: text(lang, form["delay_reason"]),
		NextSteps: text(lang, form["next_steps"]), Challenges: text(lang, form["challenges"]), Evidence: []upstream.Evidence{}}
	urls, titles, kinds := c.PostFormArray("evidence_url"), c.PostFormArray("evidence_title"), c.PostFormArray("evidence_kind")
	for i, u := range urls {
		if strings.TrimSpace(u) == "" {
			continue
		}
		e := upstream.Evidence{URL: strings.TrimSpace(u), Kind: "other"}
		if i < len(titles) {
			e.Title = text(lang, titles[i])
		}
		if i < len(kinds) && kinds[i] != "" {
			e.Kind = kinds[i]
		}
		d.Evidence = append(d.Evidence, e)
	}
	u, err := k.Client.PostUpdate(c.Request.Context(), current(c).Token, d)
	obj := plan + "/" + item
	if u != nil {
		obj += "/" + u.ID
	}
	k.record(c, "update.post", obj, err, map[string]string{"period": d.Period, "status": d.Status})
	if err != nil {
		k.renderUpdateForm(c, statusOf(err), form, errorsOf(err))
		return
	}
	k.done(c, "/console/drafts")
}

type draftsData struct {
	Drafts []draftRow
}

type draftRow struct {
	U     upstream.Update
	Sides []string // the sides the member may act for
	Langs []string
}

func (k *Console) drafts(c *gin.Context) {
	s := current(c)
	ds, err := k.Client.Drafts(c.Request.Context(), s.Token, c.Query("plan"))
	if err != nil {
		k.refuse(c, statusOf(err), strings.Join(errorsOf(err), "; "))
		return
	}
	p := s.Principal()
	var rows []draftRow
	for _, d := range ds {
		// A side that has agreed already is not offered again (the
		// updates service would refuse it as a conflict).
		var open []string
		for _, side := range p.Sides(d.Plan, d.Commitment) {
			if !slices.ContainsFunc(d.Agreements, func(a upstream.Agreement) bool { return a.Side == side }) {
				open = append(open, side)
			}
		}
		rows = append(rows, draftRow{U: d, Sides: open, Langs: []string{"en", "fr", "zh-Hant"}})
	}
	k.Render.Render(c, http.StatusOK, "drafts", k.page(c, i18n.T(site.Lang(c), "console.drafts"), draftsData{Drafts: rows}))
}

func (k *Console) decide(action string) gin.HandlerFunc {
	return func(c *gin.Context) {
		s := current(c)
		var reason upstream.Text
		if action == "dispute" {
			reason = text(site.Lang(c), c.PostForm("reason"))
		}
		_, err := k.Client.Decide(c.Request.Context(), s.Token, c.Param("id"), action, c.PostForm("side"), reason)
		k.record(c, "update."+action, c.Param("id"), err, map[string]string{"side": c.PostForm("side")})
		if err != nil {
			k.refuse(c, statusOf(err), strings.Join(errorsOf(err), "; "))
			return
		}
		k.done(c, "/console/drafts")
	}
}

type queueData struct {
	Rows               []web.QuestionRow
	IsPoC, CanModerate bool
}

func (k *Console) queue(c *gin.Context) {
	ctx := c.Request.Context()
	s := current(c)
	orgs := editorOrgs(s.Principal())
	isPoC := s.Has(auth.KindPoC)
	plans, err := k.Client.Plans(ctx)
	if err != nil {
		k.refuse(c, http.StatusBadGateway, i18n.T(site.Lang(c), "error.unavailable"))
		return
	}
	var qs []upstream.Question
	for _, ps := range plans {
		p, err := k.Client.Plan(ctx, ps.ID)
		if err != nil {
			k.refuse(c, http.StatusBadGateway, i18n.T(site.Lang(c), "error.unavailable"))
			return
		}
		for _, cm := range p.Commitments {
			list, err := k.Client.Questions(ctx, p.Plan.ID, cm.Code)
			if err != nil {
				k.refuse(c, http.StatusBadGateway, i18n.T(site.Lang(c), "error.unavailable"))
				return
			}
			for _, q := range list {
				if q.Hidden != nil || q.Status == "answered" {
					continue
				}
				if isPoC || orgs[q.Agency] {
					qs = append(qs, q)
				}
			}
		}
	}
	rows := web.QuestionRows(qs, k.Now())
	// Overdue first, then by time left; paused ones (no clock) last.
	rank := func(r web.QuestionRow) int {
		switch r.SLA {
		case "late":
			return 0
		case "ok":
			return 1
		}
		return 2
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if rank(a) != rank(b) {
			return rank(a) < rank(b)
		}
		if a.Q.DueAt != nil && b.Q.DueAt != nil {
			return a.Q.DueAt.Before(*b.Q.DueAt)
		}
		return a.Q.AskedAt.Before(b.Q.AskedAt)
	})
	k.Render.Render(c, http.StatusOK, "queue", k.page(c, i18n.T(site.Lang(c), "console.queue"),
		queueData{Rows: rows, IsPoC: isPoC, CanModerate: s.Has(moderators...)}))
}

func (k *Console) questionAction(action string) gin.HandlerFunc {
	return func(c *gin.Context) {
		lang := site.Lang(c)
		var body any
		switch action {
		case "answers":
			body = map[string]any{"text": text(c.DefaultPostForm("language", lang), c.PostForm("text"))}
		case "pause", "hide":
			body = map[string]any{"reason": strings.TrimSpace(c.PostForm("reason"))}
		case "extend":
			days, _ := strconv.Atoi(strings.TrimSpace(c.PostForm("days")))
			body = map[string]any{"days": days, "reason": strings.TrimSpace(c.PostForm("reason"))}
		case "redact":
			body = map[string]any{"text": c.PostForm("text"), "reason": strings.TrimSpace(c.PostForm("reason"))}
		case "assign":
			body = map[string]any{"agency": strings.TrimSpace(c.PostForm("agency"))}
		}
		_, err := k.Client.QuestionAction(c.Request.Context(), current(c).Token, c.Param("plan"), c.Param("code"), c.Param("id"), action, body)
		k.record(c, "question."+action, c.Param("plan")+"/"+c.Param("code")+"/"+c.Param("id"), err, nil)
		if err != nil {
			k.refuse(c, statusOf(err), strings.Join(errorsOf(err), "; "))
			return
		}
		k.done(c, "/console/questions")
	}
}

func (k *Console) auditPage(c *gin.Context) {
	es, err := k.Audit.Recent(c.Request.Context(), 200)
	if err != nil {
		k.refuse(c, http.StatusInternalServerError, err.Error())
		return
	}
	k.Render.Render(c, http.StatusOK, "audit", k.page(c, i18n.T(site.Lang(c), "console.audit"), es))
}

type accountsData struct {
	Accounts []accounts.Account
	Form     map[string]string
}

func (k *Console) accountsPage(c *gin.Context) {
	k.renderAccounts(c, http.StatusOK, nil, nil)
}

func (k *Console) renderAccounts(c *gin.Context, status int, form map[string]string, errs []string) {
	as, err := k.Accounts.List(c.Request.Context())
	if err != nil {
		k.refuse(c, http.StatusInternalServerError, err.Error())
		return
	}
	p := k.page(c, i18n.T(site.Lang(c), "console.accounts"), accountsData{Accounts: as, Form: form})
	p.Errors = errs
	k.Render.Render(c, status, "accounts", p)
}

func (k *Console) createAccount(c *gin.Context) {
	form := map[string]string{"email": c.PostForm("email"), "name": c.PostForm("name"), "roles": c.PostForm("roles")}
	roles, err := ParseRoles(strings.Split(form["roles"], "\n"))
	if err == nil {
		_, err = k.Accounts.Create(c.Request.Context(), accounts.New{Email: form["email"], Name: form["name"],
			Password: c.PostForm("password"), Roles: roles, By: current(c).Email})
	}
	k.record(c, "account.create", accounts.NormalizeEmail(form["email"]), err, map[string]string{"roles": form["roles"]})
	if err != nil {
		k.renderAccounts(c, http.StatusUnprocessableEntity, form, []string{err.Error()})
		return
	}
	k.done(c, "/console/accounts")
}

// ParseRoles reads roles in kit/auth's command-line form, one per entry.
func ParseRoles(lines []string) ([]auth.Role, error) {
	var out []auth.Role
	for _, l := range lines {
		if l = strings.TrimSpace(l); l == "" {
			continue
		}
		r, err := auth.ParseRole(l)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
