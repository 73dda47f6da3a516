// Package fanout turns events into deliveries: who gets what, in which
// language. Each (event, channel, recipient) becomes one delivery document
// with a derived id, so an event handled twice sends nothing twice.
package fanout

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/notifications/internal/delivery"
	"github.com/kept-ogp/kept/services/notifications/internal/directory"
	"github.com/kept-ogp/kept/services/notifications/internal/qaclient"
	"github.com/kept-ogp/kept/services/notifications/internal/templates"
)

// Event types handled.
const (
	TypeAnswered     = "qa.question.answered"
	TypeAsked        = "qa.question.asked"
	TypeWarning      = "qa.question.sla_warning"
	TypeBreached     = "qa.question.sla_breached"
	TypeConfirmation = "qa.email.confirmation_requested"
	TypeUpdate       = "updates.update.changed"
)

// WebhookEvents are the types a webhook may take. The email confirmation
// request is not one: it carries a secret token.
var WebhookEvents = []string{TypeAsked, TypeAnswered, TypeWarning, TypeBreached, TypeUpdate}

// Askers reads a question's asker (the qa service's internal route).
type Askers interface {
	Asker(ctx context.Context, questionID string) (*qaclient.Asker, error)
}

// Links builds the URLs put in mail.
type Links struct {
	Public string // the public site, e.g. https://kept.example.org
	API    string // where /api/v1/notifications is served; default Public
}

func (l Links) public(path string, q url.Values) string {
	u := strings.TrimRight(l.Public, "/") + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

func (l Links) api(path string, q url.Values) string {
	base := l.API
	if base == "" {
		base = l.Public
	}
	return strings.TrimRight(base, "/") + path + "?" + q.Encode()
}

// Fanout handles events from kept:qa and kept:updates.
type Fanout struct {
	Deliveries     *delivery.Store
	Directory      *directory.Store
	Templates      *templates.Set
	Askers         Askers
	Links          Links
	UnsubscribeTTL time.Duration // default 1 year
	Now            func() time.Time
	Logger         *slog.Logger
}

func (f *Fanout) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// Handle is the stream handler of both consumers.
func (f *Fanout) Handle(ctx context.Context, env *eventsv1.Envelope) error {
	switch b := env.Body.(type) {
	case *eventsv1.Envelope_QuestionSlaAlert:
		return f.slaAlert(ctx, env, b.QuestionSlaAlert)
	case *eventsv1.Envelope_QuestionChanged:
		return f.questionChanged(ctx, env, b.QuestionChanged)
	case *eventsv1.Envelope_UpdateChanged:
		return f.updateChanged(ctx, env, b.UpdateChanged)
	case *eventsv1.Envelope_ConsultationOpened:
		return f.consultationOpened(ctx, env, b.ConsultationOpened)
	case *eventsv1.Envelope_EmailConfirmationRequested:
		return f.askerConfirmation(ctx, env, b.EmailConfirmationRequested)
	}
	return nil
}

func (f *Fanout) slaAlert(ctx context.Context, env *eventsv1.Envelope, a *eventsv1.QuestionSLAAlert) error {
	kind := templates.SLAWarning
	if a.Kind == "breach" || env.Type == TypeBreached {
		kind = templates.SLABreach
	}
	data := map[string]string{"Plan": a.PlanId, "Commitment": a.CommitmentCode, "Agency": a.AssignedAgency,
		"DueDay": a.DueDay, "Threshold": fmt.Sprint(a.Threshold), "QuestionID": a.QuestionId}
	c := templates.Content{Kind: kind, Data: data, Footer: templates.FooterContact,
		Link: f.Links.public(questionPath(a.PlanId, a.CommitmentCode, a.QuestionId), nil)}
	ids := []struct{ id, role string }{{directory.PoCContact, "poc"}}
	if a.AssignedAgency != "" {
		ids = append(ids, struct{ id, role string }{directory.AgencyContact(a.AssignedAgency), "agency:" + a.AssignedAgency})
	}
	for _, x := range ids {
		ct, err := f.Directory.GetContact(ctx, x.id)
		if err != nil {
			return err
		}
		if ct == nil {
			continue
		}
		for _, addr := range ct.Emails {
			if err := f.email(ctx, env, x.role, addr, ct.Language, a.PlanId, a.CommitmentCode, c, ""); err != nil {
				return err
			}
		}
	}
	return f.webhooks(ctx, env, a)
}

func (f *Fanout) questionChanged(ctx context.Context, env *eventsv1.Envelope, q *eventsv1.QuestionChanged) error {
	if q.Hidden {
		return nil // a hidden question is announced to no one
	}
	if q.Change != "answered" && env.Type != TypeAnswered {
		if env.Type == TypeAsked {
			return f.webhooks(ctx, env, q)
		}
		return nil
	}
	base := templates.Content{Kind: templates.Answered,
		Link: f.Links.public(questionPath(q.PlanId, q.CommitmentCode, q.QuestionId), nil)}
	render := func(lang string) templates.Content {
		c := base
		agency := q.AnsweredByAgency
		if agency == "" {
			agency = q.AssignedAgency
		}
		c.Data = map[string]string{"Plan": q.PlanId, "Commitment": q.CommitmentCode, "Agency": agency,
			"Question": snippet(q.Text, 60), "QuestionID": q.QuestionId}
		c.Quotes = []templates.Quote{{Key: templates.QuoteQuestion, Text: q.Text},
			{Key: templates.QuoteAnswer, Text: pick(q.Answer, f.Templates.Match(lang))}}
		return c
	}
	asker, err := f.Askers.Asker(ctx, q.QuestionId)
	if err != nil {
		return err
	}
	if asker != nil && asker.Confirmed {
		lang := asker.Language
		if lang == "" {
			lang = q.Language
		}
		c := render(lang)
		c.Footer = templates.FooterAsker
		if err := f.email(ctx, env, "asker", asker.Email, lang, q.PlanId, q.CommitmentCode, c, ""); err != nil {
			return err
		}
	}
	if err := f.subscribers(ctx, env, q.PlanId, q.CommitmentCode, render); err != nil {
		return err
	}
	return f.webhooks(ctx, env, q)
}

func (f *Fanout) updateChanged(ctx context.Context, env *eventsv1.Envelope, u *eventsv1.UpdateChanged) error {
	kind := ""
	switch u.State {
	case "agreed":
		kind = templates.UpdateAgreed
	case "disputed":
		kind = templates.UpdateDisputed
	default:
		return nil
	}
	render := func(lang string) templates.Content {
		lang = f.Templates.Match(lang)
		c := templates.Content{Kind: kind, Data: map[string]string{"Plan": u.PlanId, "Commitment": u.CommitmentCode,
			"Item": u.ItemCode, "Period": u.Period, "Status": f.Templates.Status(lang, u.Status)},
			Link: f.Links.public(commitmentPath(u.PlanId, u.CommitmentCode), url.Values{"update": {u.UpdateId}})}
		c.Quotes = []templates.Quote{{Key: templates.QuoteProgress, Text: pick(u.Progress, lang)}}
		if kind == templates.UpdateDisputed {
			for _, d := range u.Disputes {
				c.Quotes = append(c.Quotes, templates.Quote{Key: templates.QuoteDispute, Text: pick(d.Reason, lang)})
			}
		}
		return c
	}
	if err := f.subscribers(ctx, env, u.PlanId, u.CommitmentCode, render); err != nil {
		return err
	}
	return f.webhooks(ctx, env, u)
}

func (f *Fanout) askerConfirmation(ctx context.Context, env *eventsv1.Envelope, r *eventsv1.EmailConfirmationRequested) error {
	asker, err := f.Askers.Asker(ctx, r.QuestionId)
	if err != nil {
		return err
	}
	if asker == nil {
		return nil // the address was removed since
	}
	lang := asker.Language
	if lang == "" {
		lang = r.Language
	}
	expires := ""
	if r.ExpiresAt != nil {
		expires = r.ExpiresAt.AsTime().UTC().Format("2006-01-02")
	}
	c := templates.Content{Kind: templates.AskerConfirm, Footer: templates.FooterConfirm,
		Data: map[string]string{"Plan": r.PlanId, "Commitment": r.CommitmentCode, "Expires": expires},
		Link: f.Links.public("/questions/confirm-email", url.Values{"token": {r.Token}})}
	return f.email(ctx, env, "asker", asker.Email, lang, r.PlanId, r.CommitmentCode, c, "")
}

// SubscriptionConfirmation queues the double opt-in mail for a new
// subscription and its confirmation token.
func (f *Fanout) SubscriptionConfirmation(ctx context.Context, sub *directory.Subscription, token string, expires time.Time) error {
	scope := f.Templates.Scope(sub.Language, sub.Plan, sub.Commitment)
	c := templates.Content{Kind: templates.SubscriptionConfirm, Footer: templates.FooterConfirm,
		Data: map[string]string{"Plan": sub.Plan, "Commitment": sub.Commitment, "Scope": scope,
			"Expires": expires.UTC().Format("2006-01-02")},
		Link: f.Links.public("/subscriptions/confirm", url.Values{"token": {token}})}
	env := &eventsv1.Envelope{Id: "subscription:" + sub.ID + ":" + directory.HashToken(token)[:16],
		Type: "notifications.subscription.confirmation"}
	return f.email(ctx, env, "subscriber", sub.Email, sub.Language, sub.Plan, sub.Commitment, c, "")
}

func (f *Fanout) subscribers(ctx context.Context, env *eventsv1.Envelope, plan, commitment string, render func(lang string) templates.Content) error {
	subs, err := f.Directory.Subscribers(ctx, plan, commitment)
	if err != nil {
		return err
	}
	return f.mailSubscribers(ctx, env, plan, commitment, subs, render)
}

// consultationOpened tells every subscriber of the plan that its SAR draft
// is open for public comment, and until when.
func (f *Fanout) consultationOpened(ctx context.Context, env *eventsv1.Envelope, c *eventsv1.ConsultationOpened) error {
	subs, err := f.Directory.PlanSubscribers(ctx, c.PlanId)
	if err != nil {
		return err
	}
	render := func(lang string) templates.Content {
		return templates.Content{Kind: templates.ConsultationOpened,
			Data: map[string]string{"Plan": c.PlanId, "Opens": c.Opens, "Closes": c.Closes},
			// The draft under consultation, as the reporting service renders it.
			Link: f.Links.api("/api/v1/reporting/plans/"+url.PathEscape(c.PlanId)+"/versions/"+url.PathEscape(c.VersionId),
				url.Values{"format": {"html"}})}
	}
	if err := f.mailSubscribers(ctx, env, c.PlanId, "", subs, render); err != nil {
		return err
	}
	return f.webhooks(ctx, env, c)
}

func (f *Fanout) mailSubscribers(ctx context.Context, env *eventsv1.Envelope, plan, commitment string, subs []directory.Subscription, render func(lang string) templates.Content) error {
	for _, s := range subs {
		id := delivery.ID(env.Id, delivery.Email, s.Email)
		if d, err := f.Deliveries.Get(ctx, id); err != nil {
			return err
		} else if d != nil {
			continue // done before: no second message, no second token
		}
		ttl := f.UnsubscribeTTL
		if ttl <= 0 {
			ttl = 365 * 24 * time.Hour
		}
		tok, err := f.Directory.UnsubscribeToken(ctx, s.ID, f.now(), ttl)
		if err != nil {
			return err
		}
		c := render(s.Language)
		c.Footer = templates.FooterSubscriber
		if c.Data == nil {
			c.Data = map[string]string{}
		}
		c.Data["Scope"] = f.Templates.Scope(s.Language, s.Plan, s.Commitment)
		c.Unsubscribe = f.Links.public("/subscriptions/unsubscribe", url.Values{"token": {tok}})
		oneClick := f.Links.api("/api/v1/notifications/unsubscribe", url.Values{"token": {tok}})
		if err := f.email(ctx, env, "subscriber", s.Email, s.Language, plan, commitment, c, oneClick); err != nil {
			return err
		}
	}
	return nil
}

func (f *Fanout) email(ctx context.Context, env *eventsv1.Envelope, role, addr, lang, plan, commitment string, c templates.Content, listUnsub string) error {
	r, err := f.Templates.Render(lang, c)
	if err != nil {
		return err
	}
	now := f.now()
	d := &delivery.Delivery{ID: delivery.ID(env.Id, delivery.Email, addr), EventID: env.Id, EventType: env.Type,
		Channel: delivery.Email, Kind: c.Kind, Recipient: strings.TrimSpace(addr), Role: role, Language: r.Lang,
		Plan: plan, Commitment: commitment, Subject: r.Subject, Text: r.Text, HTML: r.HTML, ListUnsubscribe: listUnsub,
		Status: delivery.Pending, CreatedAt: now, NextAttemptAt: now}
	if _, err := f.Deliveries.Enqueue(ctx, d); err != nil {
		return err
	}
	return nil
}

// Payload is the JSON body of a webhook delivery.
func Payload(env *eventsv1.Envelope, data proto.Message) ([]byte, error) {
	b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("webhook payload: %w", err)
	}
	t := ""
	if env.Time != nil {
		t = env.Time.AsTime().UTC().Format(time.RFC3339Nano)
	}
	out, err := json.Marshal(struct {
		Type string          `json:"type"`
		ID   string          `json:"id"`
		Time string          `json:"time"`
		Data json.RawMessage `json:"data"`
	}{env.Type, env.Id, t, b})
	if err != nil {
		return nil, fmt.Errorf("webhook payload: %w", err)
	}
	return out, nil
}

func (f *Fanout) webhooks(ctx context.Context, env *eventsv1.Envelope, data proto.Message) error {
	hooks, err := f.Directory.WebhooksFor(ctx, env.Type)
	if err != nil || len(hooks) == 0 {
		return err
	}
	body, err := Payload(env, data)
	if err != nil {
		return err
	}
	now := f.now()
	for _, h := range hooks {
		d := &delivery.Delivery{ID: delivery.ID(env.Id, delivery.Webhook, h.ID), EventID: env.Id, EventType: env.Type,
			Channel: delivery.Webhook, Kind: env.Type, Recipient: h.ID, Role: "webhook", Body: body,
			Status: delivery.Pending, CreatedAt: now, NextAttemptAt: now}
		if _, err := f.Deliveries.Enqueue(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

func questionPath(plan, code, id string) string {
	return commitmentPath(plan, code) + "/questions/" + url.PathEscape(id)
}

func commitmentPath(plan, code string) string {
	return "/plans/" + url.PathEscape(plan) + "/commitments/" + url.PathEscape(code)
}

// pick chooses a text's language: lang, then en, then the first by tag.
func pick(t *eventsv1.LocalizedText, lang string) string {
	if t == nil || len(t.Values) == 0 {
		return ""
	}
	if v := t.Values[lang]; v != "" {
		return v
	}
	if v := t.Values["en"]; v != "" {
		return v
	}
	keys := make([]string, 0, len(t.Values))
	for k := range t.Values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return t.Values[keys[0]]
}

// snippet is the start of s on one line, at most n characters.
func snippet(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n])) + "…"
}
