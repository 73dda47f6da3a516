// Package upstream calls the public JSON APIs of the kept services over HTTP,
// as a browser-facing front would: with the caller's API token when a staff
// member acts, and the citizen's address in X-Forwarded-For.
package upstream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ErrNotConfigured is returned when the service's URL is not set.
var ErrNotConfigured = errors.New("service not configured")

// FieldError names one bad field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a non-2xx answer of a service, in the shared JSON error shape.
type Error struct {
	Status  int
	Code    string
	Message string
	Fields  []FieldError
	// Details is the error's details as sent (import errors list rows and columns).
	Details json.RawMessage
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// IsNotFound reports whether err is a 404 from a service.
func IsNotFound(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

// URLs are the base URLs of the services ("" when not deployed).
type URLs struct {
	Commitments, Updates, Dashboards, QA, Reporting, Notifications string
}

// Client calls the services.
type Client struct {
	URLs  URLs
	HTTP  *http.Client
	cache *cache
}

// New returns a client with a bounded timeout; anonymous GET answers are
// shared for cacheTTL (0: no cache).
func New(u URLs, cacheTTL time.Duration) *Client {
	return &Client{URLs: u, HTTP: &http.Client{Timeout: 15 * time.Second}, cache: &cache{ttl: cacheTTL}}
}

// Call is one request: Token is a kit/auth API token, ClientIP the citizen's
// address (forwarded so per-address rate limits apply to the citizen).
type Call struct {
	Method   string
	Base     string
	Path     string
	Query    url.Values
	Body     any
	Token    string
	ClientIP string
	// ContentType is set for raw bodies (an io.Reader Body is sent as is).
	ContentType string
}

func (c *Client) do(ctx context.Context, call Call, out any) error {
	if call.Base == "" {
		return ErrNotConfigured
	}
	if (call.Method == "" || call.Method == http.MethodGet) && call.Token == "" {
		key := call.Base + call.Path + "?" + call.Query.Encode()
		b, version, err := c.cache.get(key, func() ([]byte, error) { return c.fetch(context.WithoutCancel(ctx), call) })
		if err != nil {
			return err
		}
		deps, _ := ctx.Value(depsKey{}).(*Deps)
		deps.add(key, version, c.cache != nil && c.cache.ttl > 0)
		return decode(call, b, out)
	}
	if deps, ok := ctx.Value(depsKey{}).(*Deps); ok {
		deps.add("", 0, false)
	}
	b, err := c.fetch(ctx, call)
	if call.Method != "" && call.Method != http.MethodGet {
		c.cache.clear()
	}
	if err != nil {
		return err
	}
	return decode(call, b, out)
}

func decode(call Call, b []byte, out any) error {
	if out == nil || len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: decode: %w", call.Method, call.Path, err)
	}
	return nil
}

// fetch performs the call and returns the body of a 2xx answer.
func (c *Client) fetch(ctx context.Context, call Call) ([]byte, error) {
	u := strings.TrimSuffix(call.Base, "/") + call.Path
	if len(call.Query) > 0 {
		u += "?" + call.Query.Encode()
	}
	var body io.Reader
	if r, ok := call.Body.(io.Reader); ok {
		body = r
	} else if call.Body != nil {
		b, err := json.Marshal(call.Body)
		if err != nil {
			return nil, fmt.Errorf("encode %s %s: %w", call.Method, call.Path, err)
		}
		body = bytes.NewReader(b)
	}
	if call.Method == "" {
		call.Method = http.MethodGet
	}
	req, err := http.NewRequestWithContext(ctx, call.Method, u, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", call.Method, call.Path, err)
	}
	req.Header.Set("Accept", "application/json")
	if call.ContentType != "" {
		req.Header.Set("Content-Type", call.ContentType)
	} else if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if call.Token != "" {
		req.Header.Set("Authorization", "Bearer "+call.Token)
	}
	if call.ClientIP != "" {
		req.Header.Set("X-Forwarded-For", call.ClientIP)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", call.Method, call.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read: %w", call.Method, call.Path, err)
	}
	if resp.StatusCode >= 300 {
		e := &Error{Status: resp.StatusCode, Code: "upstream", Message: http.StatusText(resp.StatusCode)}
		var shape struct {
			Error struct {
				Code    string          `json:"code"`
				Message string          `json:"message"`
				Details json.RawMessage `json:"details"`
			} `json:"error"`
		}
		if json.Unmarshal(b, &shape) == nil && shape.Error.Message != "" {
			e.Code, e.Message, e.Details = shape.Error.Code, shape.Error.Message, shape.Error.Details
			_ = json.Unmarshal(shape.Error.Details, &e.Fields)
		}
		return nil, e
	}
	return b, nil
}

func esc(s string) string { return url.PathEscape(s) }

// Plans lists the plans.
func (c *Client) Plans(ctx context.Context) ([]PlanSummary, error) {
	var out struct {
		Plans []PlanSummary `json:"plans"`
	}
	err := c.do(ctx, Call{Base: c.URLs.Commitments, Path: "/api/v1/plans"}, &out)
	return out.Plans, err
}

// Plan returns a plan with its commitments.
func (c *Client) Plan(ctx context.Context, id string) (*Plan, error) {
	var out Plan
	if err := c.do(ctx, Call{Base: c.URLs.Commitments, Path: "/api/v1/plans/" + esc(id)}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Updates lists the public (agreed or disputed) updates of a plan or commitment.
func (c *Client) Updates(ctx context.Context, plan, commitment string) ([]Update, error) {
	q := url.Values{"plan": {plan}}
	if commitment != "" {
		q.Set("commitment", commitment)
	}
	var out struct {
		Updates []Update `json:"updates"`
	}
	err := c.do(ctx, Call{Base: c.URLs.Updates, Path: "/api/v1/updates", Query: q}, &out)
	return out.Updates, err
}

// Drafts lists the drafts the token may see.
func (c *Client) Drafts(ctx context.Context, token, plan string) ([]Update, error) {
	q := url.Values{}
	if plan != "" {
		q.Set("plan", plan)
	}
	var out struct {
		Drafts []Update `json:"drafts"`
	}
	err := c.do(ctx, Call{Base: c.URLs.Updates, Path: "/api/v1/drafts", Query: q, Token: token}, &out)
	return out.Drafts, err
}

// PostUpdate posts a draft update.
func (c *Client) PostUpdate(ctx context.Context, token string, d Draft) (*Update, error) {
	var out struct {
		Update Update `json:"update"`
	}
	if err := c.do(ctx, Call{Method: http.MethodPost, Base: c.URLs.Updates, Path: "/api/v1/updates", Body: d, Token: token}, &out); err != nil {
		return nil, err
	}
	return &out.Update, nil
}

// Decide agrees ("agree") or disputes ("dispute") an update for a side.
func (c *Client) Decide(ctx context.Context, token, id, action, side string, reason Text) (*Update, error) {
	body := map[string]any{}
	if side != "" {
		body["side"] = side
	}
	if len(reason) > 0 {
		body["reason"] = reason
	}
	var out struct {
		Update Update `json:"update"`
	}
	if err := c.do(ctx, Call{Method: http.MethodPost, Base: c.URLs.Updates, Path: "/api/v1/updates/" + esc(id) + "/" + action, Body: body, Token: token}, &out); err != nil {
		return nil, err
	}
	return &out.Update, nil
}

// DashboardPlan returns the plan's dashboard summary.
func (c *Client) DashboardPlan(ctx context.Context, plan string) (*DashPlan, error) {
	var out struct {
		Plan DashPlan `json:"plan"`
	}
	if err := c.do(ctx, Call{Base: c.URLs.Dashboards, Path: "/api/v1/dashboards/plans/" + esc(plan)}, &out); err != nil {
		return nil, err
	}
	return &out.Plan, nil
}

// DashboardCommitment returns one commitment's dashboard summary.
func (c *Client) DashboardCommitment(ctx context.Context, plan, code string) (*DashCommitment, error) {
	var out struct {
		Commitment DashCommitment `json:"commitment"`
	}
	if err := c.do(ctx, Call{Base: c.URLs.Dashboards, Path: "/api/v1/dashboards/plans/" + esc(plan) + "/commitments/" + esc(code)}, &out); err != nil {
		return nil, err
	}
	return &out.Commitment, nil
}

func questionsPath(plan, code string) string {
	return "/api/v1/plans/" + esc(plan) + "/commitments/" + esc(code) + "/questions"
}

// Questions lists a commitment's questions, newest first.
func (c *Client) Questions(ctx context.Context, plan, code string) ([]Question, error) {
	var out struct {
		Questions []Question `json:"questions"`
	}
	err := c.do(ctx, Call{Base: c.URLs.QA, Path: questionsPath(plan, code)}, &out)
	return out.Questions, err
}

// SearchQuestions asks qa for the questions of plan whose text, answers or
// follow-ups hold q (qa folds accents and finds part of a Chinese word).
func (c *Client) SearchQuestions(ctx context.Context, q, plan string) ([]Question, error) {
	var out struct {
		Questions []Question `json:"questions"`
	}
	err := c.do(ctx, Call{Base: c.URLs.QA, Path: "/api/v1/qa/search", Query: url.Values{"q": {q}, "plan": {plan}}}, &out)
	return out.Questions, err
}

// AskQuestion posts a citizen's question.
func (c *Client) AskQuestion(ctx context.Context, plan, code, clientIP string, a Ask) (*Question, error) {
	var out struct {
		Question Question `json:"question"`
	}
	if err := c.do(ctx, Call{Method: http.MethodPost, Base: c.URLs.QA, Path: questionsPath(plan, code), Body: a, ClientIP: clientIP}, &out); err != nil {
		return nil, err
	}
	return &out.Question, nil
}

func commentsPath(plan, code string) string {
	return "/api/v1/plans/" + esc(plan) + "/commitments/" + esc(code) + "/comments"
}

// Comments lists the public comments on the published updates of a commitment.
func (c *Client) Comments(ctx context.Context, plan, code string) ([]Comment, error) {
	var out struct {
		Comments []Comment `json:"comments"`
	}
	err := c.do(ctx, Call{Base: c.URLs.QA, Path: commentsPath(plan, code)}, &out)
	return out.Comments, err
}

// PostComment posts a citizen's comment on a published update.
func (c *Client) PostComment(ctx context.Context, plan, code, update, clientIP string, f CommentForm) (*Comment, error) {
	var out struct {
		Comment Comment `json:"comment"`
	}
	path := "/api/v1/plans/" + esc(plan) + "/commitments/" + esc(code) + "/updates/" + esc(update) + "/comments"
	if err := c.do(ctx, Call{Method: http.MethodPost, Base: c.URLs.QA, Path: path, Body: f, ClientIP: clientIP}, &out); err != nil {
		return nil, err
	}
	return &out.Comment, nil
}

// CommentAction is a moderator's action on a comment ("hide", "redact").
func (c *Client) CommentAction(ctx context.Context, token, plan, code, id, action string, body any) (*Comment, error) {
	var out struct {
		Comment Comment `json:"comment"`
	}
	if err := c.do(ctx, Call{Method: http.MethodPost, Base: c.URLs.QA, Path: commentsPath(plan, code) + "/" + esc(id) + "/" + action, Body: body, Token: token}, &out); err != nil {
		return nil, err
	}
	return &out.Comment, nil
}

// QuestionAction is a staff action on a question ("answers", "pause",
// "resume", "assign", "extend", "hide", "redact") with its JSON body.
func (c *Client) QuestionAction(ctx context.Context, token, plan, code, id, action string, body any) (*Question, error) {
	if body == nil {
		body = map[string]any{}
	}
	var out struct {
		Question Question `json:"question"`
	}
	if err := c.do(ctx, Call{Method: http.MethodPost, Base: c.URLs.QA, Path: questionsPath(plan, code) + "/" + esc(id) + "/" + action, Body: body, Token: token}, &out); err != nil {
		return nil, err
	}
	return &out.Question, nil
}

// Subscribe asks the notifications service to confirm and record a
// subscription: POST /api/v1/notifications/subscriptions
// {"plan","commitment","email","language"}.
func (c *Client) Subscribe(ctx context.Context, clientIP, plan, commitment, email, language string) error {
	body := map[string]string{"plan": plan, "commitment": commitment, "email": email, "language": language}
	return c.do(ctx, Call{Method: http.MethodPost, Base: c.URLs.Notifications, Path: "/api/v1/notifications/subscriptions", Body: body, ClientIP: clientIP}, nil)
}

// ImportPlan uploads a plan file to the commitments service.
func (c *Client) ImportPlan(ctx context.Context, token, filename string, file io.Reader) (map[string]any, error) {
	var out map[string]any
	err := c.do(ctx, Call{Method: http.MethodPost, Base: c.URLs.Commitments, Path: "/api/v1/plans/import",
		Query: url.Values{"filename": {filename}}, Body: file, Token: token, ContentType: "application/octet-stream"}, &out)
	return out, err
}

// ImportCalendar uploads a holiday calendar (format ics or taiwan-csv) to qa.
func (c *Client) ImportCalendar(ctx context.Context, token, format string, file io.Reader) (map[string]any, error) {
	var out map[string]any
	err := c.do(ctx, Call{Method: http.MethodPost, Base: c.URLs.QA, Path: "/api/v1/qa/calendar/import",
		Query: url.Values{"format": {format}}, Body: file, Token: token, ContentType: "application/octet-stream"}, &out)
	return out, err
}

// EmbedOrigin is one site allowed to frame the widgets.
type EmbedOrigin struct {
	Origin  string     `json:"origin"`
	Source  string     `json:"source"` // "config" (EMBED_ALLOWED_ORIGINS) or "console"
	AddedBy string     `json:"added_by,omitempty"`
	AddedAt *time.Time `json:"added_at,omitempty"`
	Note    string     `json:"note,omitempty"`
}

const allowlistPath = "/api/v1/dashboards/embed/allowlist"

// EmbedAllowlist lists the sites allowed to frame the widgets.
func (c *Client) EmbedAllowlist(ctx context.Context, token string) ([]EmbedOrigin, error) {
	var out struct {
		Origins []EmbedOrigin `json:"origins"`
	}
	err := c.do(ctx, Call{Base: c.URLs.Dashboards, Path: allowlistPath, Token: token}, &out)
	return out.Origins, err
}

// AllowEmbedOrigin adds a site to the embed allowlist.
func (c *Client) AllowEmbedOrigin(ctx context.Context, token, origin, note string) error {
	return c.do(ctx, Call{Method: http.MethodPost, Base: c.URLs.Dashboards, Path: allowlistPath, Token: token,
		Body: map[string]string{"origin": origin, "note": note}}, nil)
}

// RemoveEmbedOrigin removes a site the console added.
func (c *Client) RemoveEmbedOrigin(ctx context.Context, token, origin string) error {
	return c.do(ctx, Call{Method: http.MethodDelete, Base: c.URLs.Dashboards, Path: allowlistPath + "/" + url.PathEscape(origin), Token: token}, nil)
}

// ReportDocument is a published report version.
type ReportDocument struct {
	ID          string            `json:"id"`
	Kind        string            `json:"kind"` // "sar" or "progress"
	Period      string            `json:"period,omitempty"`
	Language    string            `json:"language"`
	Version     int               `json:"version"`
	PublishedAt *time.Time        `json:"published_at,omitempty"`
	Files       map[string]string `json:"files_sha256,omitempty"`
	Final       bool              `json:"final"`
	Links       map[string]string `json:"links"`
}

// ReportPeriod is one reporting period of a plan.
type ReportPeriod struct {
	ID    string    `json:"id"`
	Start string    `json:"start"`
	End   string    `json:"end"`
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
}

func reportingPath(plan, rest string) string { return "/api/v1/reporting/plans/" + esc(plan) + rest }

// ReportDocuments lists a plan's published reports.
func (c *Client) ReportDocuments(ctx context.Context, plan string) ([]ReportDocument, error) {
	var out struct {
		Documents []ReportDocument `json:"documents"`
	}
	err := c.do(ctx, Call{Base: c.URLs.Reporting, Path: reportingPath(plan, "/documents")}, &out)
	return out.Documents, err
}

// ReportPeriods lists a plan's reporting periods.
func (c *Client) ReportPeriods(ctx context.Context, plan string) ([]ReportPeriod, error) {
	var out struct {
		Periods []ReportPeriod `json:"periods"`
	}
	err := c.do(ctx, Call{Base: c.URLs.Reporting, Path: reportingPath(plan, "/periods")}, &out)
	return out.Periods, err
}

// OGPValues gives each commitment's OGP values, as the PoC set them in the
// self-assessment report's sections (the plan file does not carry them).
func (c *Client) OGPValues(ctx context.Context, plan string) (map[string][]string, error) {
	var out struct {
		Sections struct {
			Commitments map[string]struct {
				OGPValues []string `json:"ogp_values"`
			} `json:"commitments"`
		} `json:"sections"`
	}
	if err := c.do(ctx, Call{Base: c.URLs.Reporting, Path: reportingPath(plan, "/sar/sections")}, &out); err != nil {
		return nil, err
	}
	vals := map[string][]string{}
	for code, cs := range out.Sections.Commitments {
		vals[code] = cs.OGPValues
	}
	return vals, nil
}
