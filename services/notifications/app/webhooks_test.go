package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/runtime"
	"github.com/kept-ogp/kept/services/notifications/app"
	"github.com/kept-ogp/kept/services/notifications/internal/webhook"
)

// hookReceiver is a customer's endpoint: it verifies the signature with
// the secret it was given and answers the codes in turn (then 200).
type hookReceiver struct {
	mu       sync.Mutex
	secret   string
	codes    []int
	attempts int
	bad      int
	bodies   []map[string]any
	events   []string
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.attempts++
	if !webhook.Verify(h.secret, r.Header.Get("X-Kept-Timestamp"), r.Header.Get("X-Kept-Signature"), body, time.Now(), 5*time.Minute) {
		h.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	code := http.StatusOK
	if len(h.codes) > 0 {
		code, h.codes = h.codes[0], h.codes[1:]
	}
	if code == http.StatusOK {
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		h.bodies = append(h.bodies, m)
		h.events = append(h.events, r.Header.Get("X-Kept-Event"))
	}
	w.WriteHeader(code)
}

func (h *hookReceiver) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.attempts
}

func register(t *testing.T, e *env, url, events, secret string) (id, gotSecret string) {
	t.Helper()
	body := `{"url":"` + url + `","events":` + events
	if secret != "" {
		body += `,"secret":"` + secret + `"`
	}
	w := e.mustDo(http.MethodPost, "/api/v1/notifications/webhooks", e.poc, body+"}", http.StatusCreated)
	var out struct {
		Webhook struct {
			ID string `json:"id"`
		} `json:"webhook"`
		Secret string `json:"secret"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return out.Webhook.ID, out.Secret
}

// Signed webhooks: retry then success, dead after the last attempt, the
// address guard at registration, and the counts in /metrics.
func TestWebhooksRetryDeadAndGuard(t *testing.T) {
	e := start(t, map[string]string{"NOTIFY_WEBHOOK_ALLOW_HOSTS": "127.0.0.1", "NOTIFY_WEBHOOK_MAX_ATTEMPTS": "3"})

	// The guard: inside-the-cluster targets are refused with the reason.
	for _, u := range []string{"http://10.0.0.7/hook", "http://169.254.169.254/latest/meta-data", "http://[::1]:9000/", "http://localhost:1/", "ftp://example.org/"} {
		w := e.do(http.MethodPost, "/api/v1/notifications/webhooks", e.poc, `{"url":"`+u+`","events":["qa.question.answered"]}`)
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "url:") {
			t.Errorf("register %s: %d %s, want 422 naming url", u, w.Code, w.Body.String())
		}
	}
	w := e.do(http.MethodPost, "/api/v1/notifications/webhooks", e.poc, `{"url":"https://8.8.8.8/x","events":["qa.email.confirmation_requested","nope"]}`)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "events[0]") || !strings.Contains(w.Body.String(), "events[1]") {
		t.Errorf("bad events: %d %s", w.Code, w.Body.String())
	}
	e.mustDo(http.MethodPost, "/api/v1/notifications/webhooks", "", `{"url":"https://8.8.8.8/x","events":["qa.question.answered"]}`, http.StatusUnauthorized)

	flaky := &hookReceiver{codes: []int{500, 503}}
	flakySrv := httptest.NewServer(flaky)
	defer flakySrv.Close()
	down := &hookReceiver{codes: []int{500, 500, 500, 500, 500}}
	downSrv := httptest.NewServer(down)
	defer downSrv.Close()
	_, flaky.secret = register(t, e, flakySrv.URL+"/hook", `["qa.question.answered","updates.update.changed"]`, "")
	if !strings.HasPrefix(flaky.secret, "whsec_") {
		t.Fatalf("generated secret %q", flaky.secret)
	}
	down.secret = "a-secret-of-my-own-choosing"
	downID, s := register(t, e, downSrv.URL, `["qa.question.answered"]`, down.secret)
	if s != down.secret {
		t.Fatalf("given secret not kept: %q", s)
	}
	if w := e.mustDo(http.MethodGet, "/api/v1/notifications/webhooks", e.poc, "", http.StatusOK); strings.Contains(w.Body.String(), "whsec_") || strings.Contains(w.Body.String(), down.secret) {
		t.Fatalf("the listing shows a secret: %s", w.Body.String())
	}

	ev := envelope("qa.question.answered", "q1")
	ev.Body = &eventsv1.Envelope_QuestionChanged{QuestionChanged: &eventsv1.QuestionChanged{QuestionId: "q1", PlanId: "tw-2025",
		CommitmentCode: "C01", Status: "answered", Change: "answered", Text: "何時？",
		Answer: &eventsv1.LocalizedText{Values: map[string]string{"zh-Hant": "三月。"}}}}
	e.publish(app.QAStream, ev)
	e.publish(app.QAStream, ev) // duplicate: still one delivery per webhook
	hidden := envelope("qa.question.answered", "q2")
	hidden.Body = &eventsv1.Envelope_QuestionChanged{QuestionChanged: &eventsv1.QuestionChanged{QuestionId: "q2", PlanId: "tw-2025",
		CommitmentCode: "C01", Change: "answered", Hidden: true}}
	e.publish(app.QAStream, hidden)

	var dead []deliveryJSON
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if dead = e.deliveries("?status=dead"); len(dead) > 0 && flaky.count() >= 3 {
			break
		}
	}
	e.settle()
	if flaky.count() != 3 || flaky.bad != 0 || len(flaky.bodies) != 1 {
		t.Fatalf("flaky receiver: %d attempts, %d bad signatures, %d accepted", flaky.count(), flaky.bad, len(flaky.bodies))
	}
	b := flaky.bodies[0]
	data, _ := b["data"].(map[string]any)
	if b["type"] != "qa.question.answered" || b["id"] != ev.Id || b["time"] == "" || data["question_id"] != "q1" || flaky.events[0] != "qa.question.answered" {
		t.Errorf("payload %v", b)
	}
	if down.count() != 3 || down.bad != 0 {
		t.Fatalf("down receiver: %d attempts (want 3 = NOTIFY_WEBHOOK_MAX_ATTEMPTS), %d bad signatures", down.count(), down.bad)
	}
	if len(dead) != 1 || dead[0].Recipient != downID || dead[0].Attempts != 3 || !strings.Contains(dead[0].LastError, "HTTP 500") {
		t.Fatalf("dead record: %+v", dead)
	}
	sent := e.deliveries("?status=sent&channel=webhook")
	if len(sent) != 1 || sent[0].Attempts != 3 {
		t.Fatalf("sent: %+v", sent)
	}
	if all := e.deliveries("?channel=webhook"); len(all) != 2 {
		t.Fatalf("%d webhook deliveries, want 2 (duplicate and hidden question make none)", len(all))
	}
	metrics := e.mustDo(http.MethodGet, "/metrics", "", "", http.StatusOK).Body.String()
	for _, want := range []string{`kept_notifications_sent_total{channel="webhook"} 1`, `kept_notifications_dead_total{channel="webhook"} 1`,
		`kept_notifications_failed_total{channel="webhook"} 5`, "kept_notifications_pending 0"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}

	// A removed webhook gets nothing more.
	e.mustDo(http.MethodDelete, "/api/v1/notifications/webhooks/"+downID, e.poc, "", http.StatusNoContent)
	e.mustDo(http.MethodDelete, "/api/v1/notifications/webhooks/"+downID, e.poc, "", http.StatusNotFound)
}

// Bad input names the field; the public route is rate limited per address.
func TestBadInputAndRateLimit(t *testing.T) {
	e := start(t, map[string]string{"NOTIFY_RATE_LIMIT": "3", "NOTIFY_CONFIRM_LIMIT": "1"})
	for body, want := range map[string][]string{
		`{"plan":"","email":"x"}`: {"plan:", "email:"},
		`{"plan":"p","commitment":"C 1","email":"Name <a@b.example>","language":"de"}`: {"commitment:", "email:", "language:"},
		`{"plan":5}`: {"plan must be a string"},
	} {
		w := e.do(http.MethodPost, "/api/v1/notifications/subscriptions", "", body)
		if w.Code/100 != 4 {
			t.Errorf("%s: %d", body, w.Code)
		}
		for _, s := range want {
			if !strings.Contains(w.Body.String(), s) {
				t.Errorf("%s: %s lacks %q", body, w.Body.String(), s)
			}
		}
	}
	w := e.do(http.MethodPut, "/api/v1/notifications/contacts/poc", e.poc, `{"emails":["ok@gov.example","not an address"],"language":"fr"}`)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "emails[1]") {
		t.Errorf("contact: %d %s", w.Code, w.Body.String())
	}
	if w := e.mustDo(http.MethodGet, "/api/v1/notifications/contacts/poc", e.poc, "", http.StatusNotFound); !strings.Contains(w.Body.String(), "no contact") {
		t.Errorf("a rejected contact was stored: %s", w.Body.String())
	}
	e.mustDo(http.MethodPut, "/api/v1/notifications/contacts/agencies/bad%20org", e.poc, `{"emails":[]}`, http.StatusUnprocessableEntity)

	// Three subscriptions from one address pass, the fourth is refused;
	// the same email asking again within the window gets no second mail.
	e.plan("tw-2025", 1, "C01")
	body := `{"plan":"tw-2025","commitment":"C01","email":"sub@example.org"}`
	for i := 0; i < 3; i++ {
		e.mustDo(http.MethodPost, "/api/v1/notifications/subscriptions", "", body, http.StatusAccepted)
	}
	w = e.do(http.MethodPost, "/api/v1/notifications/subscriptions", "", body)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Fatalf("fourth subscription: %d %s", w.Code, w.Header())
	}
	e.mail(1)
	e.settle()
	if n := len(e.smtp.Messages()); n != 1 {
		t.Fatalf("%d confirmation mails to one address, want 1", n)
	}
}

func TestLoadSettingsReportsEveryBadVariable(t *testing.T) {
	bad := map[string]string{"NOTIFY_PUBLIC_BASE_URL": "kept.example.org", "NOTIFY_SMTP_ADDR": "mail.example.org",
		"NOTIFY_SMTP_FROM": "", "NOTIFY_QA_URL": "http://qa:8080", "NOTIFY_WEBHOOK_MAX_ATTEMPTS": "0",
		"NOTIFY_RETRY_BASE": "soon", "NOTIFY_LANGUAGES": "en,de", "NOTIFY_WEBHOOK_ALLOW_PRIVATE": "maybe", "NOTIFY_STREAM_START": "middle"}
	_, err := app.LoadSettings(func(k string) string { return bad[k] })
	if err == nil {
		t.Fatal("bad settings accepted")
	}
	for _, k := range []string{"NOTIFY_PUBLIC_BASE_URL", "NOTIFY_SMTP_ADDR", "NOTIFY_SMTP_FROM", "NOTIFY_QA_TOKEN",
		"NOTIFY_WEBHOOK_MAX_ATTEMPTS", "NOTIFY_RETRY_BASE", "NOTIFY_LANGUAGES", "NOTIFY_WEBHOOK_ALLOW_PRIVATE", "NOTIFY_STREAM_START"} {
		if !strings.Contains(err.Error(), k) {
			t.Errorf("error does not name %s: %v", k, err)
		}
	}
	s, err := app.LoadSettings(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if s.SMTPAddr != "" || s.WebhookMaxAttempts != 6 || len(s.Languages) != 3 || s.AllowPrivate || s.StartAll {
		t.Errorf("defaults: %+v", s)
	}
}

// Build, as the binary calls it, reads the environment and refuses bad
// settings before touching anything.
func TestBuildReadsTheEnvironment(t *testing.T) {
	t.Setenv("NOTIFY_LANGUAGES", "en,xx")
	t.Setenv("NOTIFY_SMTP_ADDR", "smtp.example.org:587")
	_, err := app.Build(t.Context(), runtime.Deps{})
	if err == nil || !strings.Contains(err.Error(), "NOTIFY_LANGUAGES") || !strings.Contains(err.Error(), "NOTIFY_SMTP_FROM") {
		t.Fatalf("Build: %v, want errors naming NOTIFY_LANGUAGES and NOTIFY_SMTP_FROM", err)
	}
}
