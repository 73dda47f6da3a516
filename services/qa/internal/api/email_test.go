package api_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/kept-ogp/kept/services/kit/auth"
)

// The notifications service reads an asker's address, and learns whether it
// was confirmed, only with a notifier token; the asker confirms by the token
// the confirmation event carried.
func TestEmailConfirmationAndTheNotifierRoute(t *testing.T) {
	e := setup(t)
	q := e.do(http.MethodPost, base, "", map[string]any{"text": "何時開放？", "language": "zh-Hant", "anonymous": true,
		"email": "asker@example.org"}).want(http.StatusCreated).question()
	var token string
	for _, env := range e.pub.all() {
		if c := env.GetEmailConfirmationRequested(); c != nil {
			token = c.GetToken()
		}
	}
	if token == "" {
		t.Fatal("no confirmation event")
	}
	route := "/api/v1/internal/qa/questions/" + q.ID + "/asker"
	notifier := e.token("notifications", auth.Role{Kind: auth.KindNotifier})
	for name, tok := range map[string]string{"anonymous": "", "poc": e.token("poc", poc), "admin": e.token("admin", auth.Role{Kind: auth.KindAdmin}),
		"editor": e.token("ndc", editor("ndc"))} {
		if r := e.do(http.MethodGet, route, tok, nil); r.Code != http.StatusUnauthorized && r.Code != http.StatusForbidden {
			t.Errorf("%s reads the asker's address: %d %s", name, r.Code, r.Body.String())
		}
	}
	asker := func() map[string]any {
		r := e.do(http.MethodGet, route, notifier, nil).want(http.StatusOK)
		if r.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control %q", r.Header().Get("Cache-Control"))
		}
		var out map[string]any
		if err := json.Unmarshal(r.Body.Bytes(), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if a := asker(); a["email"] != "asker@example.org" || a["confirmed"] != false || a["language"] != "zh-Hant" {
		t.Fatalf("before confirming: %v", a)
	}
	e.do(http.MethodPost, "/api/v1/qa/email/confirm", "", map[string]string{"token": token + "x"}).want(http.StatusNotFound)
	e.do(http.MethodPost, "/api/v1/qa/email/confirm", "", map[string]string{"token": ""}).want(http.StatusUnprocessableEntity)
	r := e.do(http.MethodPost, "/api/v1/qa/email/confirm", "", map[string]string{"token": token}).want(http.StatusOK)
	var body struct {
		Question struct{ ID, Plan, Commitment string }
	}
	if err := json.Unmarshal(r.Body.Bytes(), &body); err != nil || body.Question.ID != q.ID || body.Question.Commitment != "C01" {
		t.Fatalf("confirm answered %s", r.Body.String())
	}
	if a := asker(); a["confirmed"] != true {
		t.Fatalf("after confirming: %v", a)
	}
	// A second click is harmless.
	e.do(http.MethodPost, "/api/v1/qa/email/confirm", "", map[string]string{"token": token}).want(http.StatusOK)

	// A question without an address has no asker to read.
	q2 := e.ask("沒有電子郵件")
	e.do(http.MethodGet, "/api/v1/internal/qa/questions/"+q2.ID+"/asker", notifier, nil).want(http.StatusNotFound)
}

func TestEmailConfirmationExpires(t *testing.T) {
	e := setup(t)
	e.do(http.MethodPost, base, "", map[string]any{"text": "When?", "language": "en", "anonymous": true,
		"email": "late@example.org"}).want(http.StatusCreated)
	var token string
	for _, env := range e.pub.all() {
		if c := env.GetEmailConfirmationRequested(); c != nil {
			token = c.GetToken()
		}
	}
	e.clock.Set(asked.Add(8 * 24 * time.Hour))
	r := e.do(http.MethodPost, "/api/v1/qa/email/confirm", "", map[string]string{"token": token}).want(http.StatusGone)
	if !json.Valid(r.Body.Bytes()) {
		t.Fatal(r.Body.String())
	}
}
