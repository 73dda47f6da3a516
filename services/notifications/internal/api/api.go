// Package api serves the notifications routes: public double opt-in
// subscriptions and one-click unsubscribe, and, for the PoC and admins,
// contacts, webhooks and the delivery log.
package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/kit/httpserver"
	"github.com/kept-ogp/kept/services/kit/ratelimit"
	"github.com/kept-ogp/kept/services/notifications/internal/catalog"
	"github.com/kept-ogp/kept/services/notifications/internal/delivery"
	"github.com/kept-ogp/kept/services/notifications/internal/directory"
	"github.com/kept-ogp/kept/services/notifications/internal/fanout"
	"github.com/kept-ogp/kept/services/notifications/internal/templates"
	"github.com/kept-ogp/kept/services/notifications/internal/webhook"
)

// MaxBody bounds every request body.
const MaxBody = 16 << 10

// MaxEmails bounds a contact's address list.
const MaxEmails = 20

// Handler serves the API.
type Handler struct {
	Directory *directory.Store
	// Plans tells which plans and commitments exist.
	Plans      *catalog.Store
	Deliveries *delivery.Store
	Fanout     *fanout.Fanout
	Templates  *templates.Set
	Guard      *webhook.Guard
	Verifier   auth.Verifier
	// IPLimit limits subscriptions per client address; EmailLimit limits
	// confirmation mails per address (by its hash).
	IPLimit, EmailLimit *ratelimit.Limiter
	ConfirmTTL          time.Duration
	Now                 func() time.Time
	Logger              *slog.Logger
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

// Routes mounts the API under /api/v1/notifications.
func (h *Handler) Routes(r gin.IRouter) {
	g := r.Group("/api/v1/notifications", limitBody(MaxBody))
	g.POST("/subscriptions", h.subscribe)
	g.POST("/subscriptions/confirm", h.confirm)
	g.POST("/unsubscribe", h.unsubscribe)
	a := g.Group("", auth.Authenticate(h.Verifier), auth.RequireAny(auth.KindPoC, auth.KindAdmin))
	a.GET("/contacts/poc", h.getContact(func(*gin.Context) string { return directory.PoCContact }))
	a.PUT("/contacts/poc", h.putContact(func(*gin.Context) string { return directory.PoCContact }))
	a.GET("/contacts/agencies/:org", h.getContact(agencyID))
	a.PUT("/contacts/agencies/:org", h.putContact(agencyID))
	a.POST("/webhooks", h.addWebhook)
	a.GET("/webhooks", h.listWebhooks)
	a.DELETE("/webhooks/:id", h.deleteWebhook)
	a.GET("/deliveries", h.deliveries)
}

func limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
}

func agencyID(c *gin.Context) string { return directory.AgencyContact(c.Param("org")) }

var codeRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

func invalid(c *gin.Context, msg string) {
	httpserver.Error(c, http.StatusUnprocessableEntity, "invalid_request", msg)
}

func (h *Handler) internal(c *gin.Context, err error) {
	h.Logger.ErrorContext(c.Request.Context(), "notifications request failed", "route", c.FullPath(), "err", err)
	httpserver.Error(c, http.StatusInternalServerError, "internal", "internal error")
}

// address checks one bare address ("a@b.org", no display name).
func address(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("%s: an email address is required", field)
	}
	if len(s) > 254 {
		return "", fmt.Errorf("%s: longer than 254 characters", field)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s || !strings.Contains(a.Address, "@") {
		return "", fmt.Errorf("%s: not a valid email address (want name@example.org)", field)
	}
	return a.Address, nil
}

// language matches a requested language to a configured one; empty is en.
func (h *Handler) language(field, tag string) (string, error) {
	tag = strings.TrimSpace(tag)
	if tag == "" {
		return templates.Fallback, nil
	}
	l := h.Templates.Match(tag)
	if l == templates.Fallback && !strings.HasPrefix(strings.ToLower(tag), "en") {
		return "", fmt.Errorf("%s: %q is not one of the configured languages (%s)", field, tag, strings.Join(h.Templates.Languages(), ", "))
	}
	return l, nil
}

func (h *Handler) limited(c *gin.Context, l *ratelimit.Limiter, key, what string) bool {
	ok, wait, err := l.Allow(c.Request.Context(), key)
	if err != nil {
		h.internal(c, err)
		return true
	}
	if !ok {
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		httpserver.Error(c, http.StatusTooManyRequests, "rate_limited", "too many "+what+"; try again later")
		return true
	}
	return false
}

type subscribeReq struct {
	Plan       string `json:"plan"`
	Commitment string `json:"commitment"`
	Email      string `json:"email"`
	Language   string `json:"language"`
}

// subscribe stores an unconfirmed subscription and mails the confirmation
// link. The answer is the same whether or not the address was already
// subscribed, and past the per-address limit nothing more is mailed, so
// the route tells nobody who is subscribed.
func (h *Handler) subscribe(c *gin.Context) {
	var r subscribeReq
	if !httpserver.BindJSON(c, &r, `{"plan","commitment"?,"email","language"?}`) {
		return
	}
	var problems []string
	r.Plan, r.Commitment = strings.TrimSpace(r.Plan), strings.TrimSpace(r.Commitment)
	if !codeRe.MatchString(r.Plan) {
		problems = append(problems, "plan: a plan code is required (letters, digits, '.', '_', '-')")
	}
	if r.Commitment != "" && !codeRe.MatchString(r.Commitment) {
		problems = append(problems, "commitment: a commitment code has letters, digits, '.', '_', '-' (or leave it out for the whole plan)")
	}
	email, err := address("email", r.Email)
	if err != nil {
		problems = append(problems, err.Error())
	}
	lang, err := h.language("language", r.Language)
	if err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		invalid(c, strings.Join(problems, "; "))
		return
	}
	ctx := c.Request.Context()
	// Plans are public, so saying which do not exist tells nobody anything;
	// a subscription to one would only mail a confirmation for nothing.
	if err := h.Plans.Check(ctx, r.Plan, r.Commitment); err != nil {
		if errors.Is(err, catalog.ErrUnknownPlan) || errors.Is(err, catalog.ErrUnknownCommitment) {
			httpserver.Error(c, http.StatusNotFound, "not_found", err.Error())
			return
		}
		h.internal(c, err)
		return
	}
	if h.limited(c, h.IPLimit, "sub-ip:"+c.ClientIP(), "subscriptions") {
		return
	}
	now := h.now()
	ttl := h.ConfirmTTL
	if ttl <= 0 {
		ttl = 7 * 24 * time.Hour
	}
	ok, _, err := h.EmailLimit.Allow(ctx, "sub-email:"+directory.HashEmail(email))
	if err != nil {
		h.internal(c, err)
		return
	}
	if ok {
		sub, tok, err := h.Directory.Subscribe(ctx, r.Plan, r.Commitment, email, lang, now, ttl)
		if err != nil {
			h.internal(c, err)
			return
		}
		if tok != "" {
			if err := h.Fanout.SubscriptionConfirmation(ctx, sub, tok, now.Add(ttl)); err != nil {
				h.internal(c, err)
				return
			}
		}
	}
	c.JSON(http.StatusAccepted, gin.H{"status": "confirmation_sent",
		"message": "if the address can receive mail, a confirmation link is on its way; nothing is sent before it is used"})
}

type tokenReq struct {
	Token string `json:"token"`
}

func (h *Handler) confirm(c *gin.Context) {
	var r tokenReq
	if !httpserver.BindJSON(c, &r, `{"token"}`) {
		return
	}
	if strings.TrimSpace(r.Token) == "" {
		invalid(c, "token: the token from the confirmation link is required")
		return
	}
	sub, err := h.Directory.Confirm(c.Request.Context(), r.Token, h.now())
	if h.tokenError(c, err) {
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "confirmed", "plan": sub.Plan, "commitment": sub.Commitment})
}

func (h *Handler) tokenError(c *gin.Context, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, directory.ErrInvalidToken):
		httpserver.Error(c, http.StatusNotFound, "invalid_token", "the link is invalid or no longer applies")
	case errors.Is(err, directory.ErrExpiredToken):
		httpserver.Error(c, http.StatusGone, "expired_token", "the link has expired; subscribe again for a new one")
	default:
		h.internal(c, err)
	}
	return true
}

// unsubscribe is the RFC 8058 one-click target: a POST with the token in
// the query (mail clients send the body List-Unsubscribe=One-Click). A
// token given as a form or JSON field works too.
func (h *Handler) unsubscribe(c *gin.Context) {
	tok := c.Query("token")
	if tok == "" {
		if strings.HasPrefix(c.ContentType(), "application/json") {
			var r tokenReq
			if !httpserver.BindJSON(c, &r, `{"token"}`) {
				return
			}
			tok = r.Token
		} else {
			tok = c.PostForm("token")
		}
	}
	if strings.TrimSpace(tok) == "" {
		invalid(c, "token: the token from the unsubscribe link is required (?token=...)")
		return
	}
	if h.tokenError(c, h.Directory.Unsubscribe(c.Request.Context(), tok, h.now())) {
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "unsubscribed"})
}

type contactReq struct {
	Emails   []string `json:"emails"`
	Language string   `json:"language"`
}

func (h *Handler) putContact(id func(*gin.Context) string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if org, has := c.Params.Get("org"); has && !codeRe.MatchString(org) {
			invalid(c, "org: an organisation code has letters, digits, '.', '_', '-'")
			return
		}
		var r contactReq
		if !httpserver.BindJSON(c, &r, `{"emails":["..."],"language":"en"}`) {
			return
		}
		var problems []string
		if len(r.Emails) > MaxEmails {
			problems = append(problems, fmt.Sprintf("emails: at most %d addresses, got %d", MaxEmails, len(r.Emails)))
		}
		var emails []string
		for i, e := range r.Emails {
			a, err := address(fmt.Sprintf("emails[%d]", i), e)
			if err != nil {
				problems = append(problems, err.Error())
				continue
			}
			if !slices.ContainsFunc(emails, func(x string) bool { return strings.EqualFold(x, a) }) {
				emails = append(emails, a)
			}
		}
		lang, err := h.language("language", r.Language)
		if err != nil {
			problems = append(problems, err.Error())
		}
		if len(problems) > 0 {
			invalid(c, strings.Join(problems, "; "))
			return
		}
		if emails == nil {
			emails = []string{}
		}
		ct := directory.Contact{ID: id(c), Emails: emails, Language: lang, UpdatedAt: h.now().UTC(), UpdatedBy: auth.FromContext(c).Name}
		if err := h.Directory.PutContact(c.Request.Context(), ct); err != nil {
			h.internal(c, err)
			return
		}
		h.Logger.InfoContext(c.Request.Context(), "contact updated", "contact", ct.ID, "addresses", len(emails), "by", ct.UpdatedBy)
		c.JSON(http.StatusOK, gin.H{"contact": ct})
	}
}

func (h *Handler) getContact(id func(*gin.Context) string) gin.HandlerFunc {
	return func(c *gin.Context) {
		ct, err := h.Directory.GetContact(c.Request.Context(), id(c))
		if err != nil {
			h.internal(c, err)
			return
		}
		if ct == nil {
			httpserver.Error(c, http.StatusNotFound, "not_found", "no contact is configured here")
			return
		}
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, gin.H{"contact": ct})
	}
}

type webhookReq struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
	Secret string   `json:"secret"`
}

func (h *Handler) addWebhook(c *gin.Context) {
	var r webhookReq
	if !httpserver.BindJSON(c, &r, `{"url","events":["qa.question.answered",...],"secret"?}`) {
		return
	}
	var problems []string
	u, err := h.Guard.CheckURL(c.Request.Context(), r.URL)
	if err != nil {
		problems = append(problems, err.Error())
	}
	if len(r.Events) == 0 {
		problems = append(problems, "events: name at least one of "+strings.Join(fanout.WebhookEvents, ", "))
	}
	var events []string
	for i, e := range r.Events {
		if !slices.Contains(fanout.WebhookEvents, e) {
			problems = append(problems, fmt.Sprintf("events[%d]: %q is not one of %s", i, e, strings.Join(fanout.WebhookEvents, ", ")))
			continue
		}
		if !slices.Contains(events, e) {
			events = append(events, e)
		}
	}
	secret := r.Secret
	if secret != "" && (len(secret) < 16 || len(secret) > 256) {
		problems = append(problems, "secret: between 16 and 256 characters, or leave it out to get a generated one")
	}
	if len(problems) > 0 {
		invalid(c, strings.Join(problems, "; "))
		return
	}
	if secret == "" {
		secret = directory.NewSecret()
	}
	w := directory.Webhook{ID: directory.NewWebhookID(), URL: u.String(), Events: events, Secret: secret,
		CreatedAt: h.now().UTC(), CreatedBy: auth.FromContext(c).Name}
	if err := h.Directory.AddWebhook(c.Request.Context(), w); err != nil {
		h.internal(c, err)
		return
	}
	h.Logger.InfoContext(c.Request.Context(), "webhook registered", "webhook", w.ID, "host", u.Hostname(), "by", w.CreatedBy)
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, gin.H{"webhook": w, "secret": secret,
		"note": "the secret is shown only now; verify X-Kept-Signature = sha256=HMAC-SHA256(secret, X-Kept-Timestamp + \".\" + body)"})
}

func (h *Handler) listWebhooks(c *gin.Context) {
	ws, err := h.Directory.Webhooks(c.Request.Context())
	if err != nil {
		h.internal(c, err)
		return
	}
	if ws == nil {
		ws = []directory.Webhook{}
	}
	c.JSON(http.StatusOK, gin.H{"webhooks": ws})
}

func (h *Handler) deleteWebhook(c *gin.Context) {
	ok, err := h.Directory.DeleteWebhook(c.Request.Context(), c.Param("id"))
	if err != nil {
		h.internal(c, err)
		return
	}
	if !ok {
		httpserver.Error(c, http.StatusNotFound, "not_found", fmt.Sprintf("no webhook %q", c.Param("id")))
		return
	}
	c.Status(http.StatusNoContent)
}

// deliveryView is a log entry as the PoC and admins see it, never with the
// message body. Staff contacts and webhook URLs are shown; a citizen's
// address (an asker, who may be anonymous, or a subscriber) is not: only a
// short hash, enough to tell one recipient from another in the log.
type deliveryView struct {
	delivery.Delivery
	Recipient string `json:"recipient"`
}

func recipientShown(d delivery.Delivery) string {
	if d.Channel == delivery.Email && (d.Role == "asker" || d.Role == "subscriber") {
		h := sha256.Sum256([]byte(strings.ToLower(d.Recipient)))
		return "citizen:" + hex.EncodeToString(h[:6])
	}
	return d.Recipient
}

func (h *Handler) deliveries(c *gin.Context) {
	f := delivery.Filter{Status: c.Query("status"), Channel: c.Query("channel"), EventID: c.Query("event")}
	if f.Status != "" && f.Status != delivery.Pending && f.Status != delivery.Sent && f.Status != delivery.Dead {
		invalid(c, "status: want pending, sent or dead")
		return
	}
	if f.Channel != "" && f.Channel != delivery.Email && f.Channel != delivery.Webhook {
		invalid(c, "channel: want email or webhook")
		return
	}
	if s := c.Query("limit"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 1 || n > 500 {
			invalid(c, "limit: want a number from 1 to 500")
			return
		}
		f.Limit = n
	}
	ds, err := h.Deliveries.List(c.Request.Context(), f)
	if err != nil {
		h.internal(c, err)
		return
	}
	out := make([]deliveryView, 0, len(ds))
	for _, d := range ds {
		out = append(out, deliveryView{Delivery: d, Recipient: recipientShown(d)})
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"deliveries": out})
}
