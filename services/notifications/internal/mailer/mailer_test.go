package mailer_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/kept-ogp/kept/services/notifications/internal/mailer"
	"github.com/kept-ogp/kept/services/notifications/internal/smtptest"
	"github.com/kept-ogp/kept/services/notifications/internal/templates"
)

var from = mail.Address{Name: "kept", Address: "no-reply@kept.example.org"}

func send(t *testing.T, srv *smtptest.Server, m mailer.Message) *smtptest.Parsed {
	t.Helper()
	b, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	before := len(srv.Messages())
	c := &mailer.SMTP{Addr: srv.Addr, Timeout: 10 * time.Second}
	if err := c.Send(context.Background(), from.Address, m.To, b); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Wait(t, before+1, 5*time.Second)
	if len(msgs) != before+1 {
		t.Fatalf("server holds %d messages, want %d", len(msgs), before+1)
	}
	got := msgs[len(msgs)-1]
	if len(got.To) != 1 || got.To[0] != m.To {
		t.Fatalf("envelope recipients %v, want [%s]", got.To, m.To)
	}
	p, err := smtptest.Parse(got.Data)
	if err != nil {
		t.Fatalf("%v\n%s", err, got.Data)
	}
	return p
}

// A Chinese answer mail with hostile text arrives over SMTP with an RFC 2047
// subject, the text as written in the plain part and escaped in the HTML part.
func TestEscapingInBothPartsOverSMTP(t *testing.T) {
	srv := smtptest.Start(t)
	set, err := templates.Load([]string{"en", "fr", "zh-Hant"})
	if err != nil {
		t.Fatal(err)
	}
	question := `預算<script>alert("x")</script> & 進度？`
	r, err := set.Render("zh-Hant", templates.Content{Kind: templates.Answered,
		Data:   map[string]string{"Plan": "tw-2025", "Commitment": "C01", "Agency": "ndc", "Question": question},
		Quotes: []templates.Quote{{Key: templates.QuoteQuestion, Text: question}, {Key: templates.QuoteAnswer, Text: "見 <b>附件</b>\n第二行"}},
		Link:   "https://kept.example.org/plans/tw-2025/commitments/C01/questions/q1", Footer: templates.FooterSubscriber,
		Unsubscribe: "https://kept.example.org/subscriptions/unsubscribe?token=abc"})
	if err != nil {
		t.Fatal(err)
	}
	p := send(t, srv, mailer.Message{From: from, To: "reader@example.org", Subject: r.Subject, Text: r.Text, HTML: r.HTML,
		MessageID: "d1@kept.example.org", ListUnsubscribe: "https://kept.example.org/api/v1/notifications/unsubscribe?token=abc"})

	if want := "已回覆：" + question; p.Subject != want {
		t.Errorf("subject %q, want %q", p.Subject, want)
	}
	raw := p.Header.Get("Subject")
	if !strings.HasPrefix(raw, "=?utf-8?") {
		t.Errorf("raw subject %q is not RFC 2047 encoded", raw)
	}
	for _, c := range raw {
		if c > 127 {
			t.Fatalf("raw subject %q holds non-ASCII", raw)
		}
	}
	if !strings.Contains(p.Text, question) || !strings.Contains(p.Text, "見 <b>附件</b>\r\n第二行") {
		t.Errorf("text part lost the user's text as written:\n%s", p.Text)
	}
	if strings.Contains(p.HTML, "<script>") || strings.Contains(p.HTML, "<b>附件") {
		t.Errorf("html part holds unescaped user markup:\n%s", p.HTML)
	}
	if !strings.Contains(p.HTML, "預算&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; 進度？") {
		t.Errorf("html part lacks the escaped question:\n%s", p.HTML)
	}
	if !strings.Contains(p.HTML, `<a href="https://kept.example.org/plans/tw-2025/commitments/C01/questions/q1">閱讀回覆</a>`) {
		t.Errorf("html part lacks the action link:\n%s", p.HTML)
	}
	if got := p.Header.Get("List-Unsubscribe"); got != "<https://kept.example.org/api/v1/notifications/unsubscribe?token=abc>" {
		t.Errorf("List-Unsubscribe %q", got)
	}
	if got := p.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %q", got)
	}
	if got := p.Header.Get("Message-ID"); got != "<d1@kept.example.org>" {
		t.Errorf("Message-ID %q", got)
	}
	if _, err := p.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if got := p.Header.Get("MIME-Version"); got != "1.0" {
		t.Errorf("MIME-Version %q", got)
	}
}

// User text with CR and LF in the subject cannot add a header.
func TestSubjectCannotInjectHeaders(t *testing.T) {
	srv := smtptest.Start(t)
	p := send(t, srv, mailer.Message{From: from, To: "poc@example.org",
		Subject: "Hello\r\nBcc: victim@example.net\nX-Evil: 1\r\n\r\nbody", Text: "t", HTML: "<p>h</p>"})
	if v := p.Header.Get("Bcc"); v != "" {
		t.Errorf("Bcc header injected: %q", v)
	}
	if v := p.Header.Get("X-Evil"); v != "" {
		t.Errorf("X-Evil header injected: %q", v)
	}
	if p.Subject != "Hello Bcc: victim@example.net X-Evil: 1 body" {
		t.Errorf("subject %q", p.Subject)
	}
	if p.Text != "t" || p.HTML != "<p>h</p>" {
		t.Errorf("body changed: %q %q", p.Text, p.HTML)
	}
	if p.Header.Get("List-Unsubscribe") != "" {
		t.Error("List-Unsubscribe on a mail that is no subscription")
	}
}

// A French subject with accents is Q-encoded and decodes back.
func TestFrenchSubject(t *testing.T) {
	srv := smtptest.Start(t)
	p := send(t, srv, mailer.Message{From: from, To: "a@example.org", Subject: "Réponse : l’engagement C01 est à jour", Text: "é", HTML: "<p>é</p>"})
	if p.Subject != "Réponse : l’engagement C01 est à jour" {
		t.Errorf("subject %q", p.Subject)
	}
	if !strings.HasPrefix(p.Header.Get("Subject"), "=?utf-8?q?") {
		t.Errorf("raw subject %q, want Q encoding", p.Header.Get("Subject"))
	}
	if p.Text != "é" {
		t.Errorf("text %q", p.Text)
	}
}

// A 5xx answer is permanent; a 4xx one is worth retrying. Neither error
// repeats the recipient address unless the server did.
func TestSMTPErrorsClassified(t *testing.T) {
	srv := smtptest.Start(t)
	m := mailer.Message{From: from, To: "gone@example.org", Subject: "s", Text: "t", HTML: "h"}
	b, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	c := &mailer.SMTP{Addr: srv.Addr}
	srv.Reject(550, "mailbox unavailable")
	err = c.Send(context.Background(), from.Address, m.To, b)
	var pe *mailer.PermanentError
	if !errors.As(err, &pe) {
		t.Fatalf("550: got %v, want a permanent error", err)
	}
	srv.Reject(451, "try later")
	err = c.Send(context.Background(), from.Address, m.To, b)
	if err == nil || errors.As(err, &pe) {
		t.Fatalf("451: got %v, want a temporary error", err)
	}
	srv.Reject(0, "")
	if err := c.Send(context.Background(), from.Address, m.To, b); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("%d messages accepted, want 1", n)
	}
}

func TestHeaderText(t *testing.T) {
	for in, want := range map[string]string{
		"plain":             "plain",
		"a\r\nb":            "a b",
		"  x\t\ty \u0085z ": "x y z",
		"\x00nul\x1bescape": "nul escape",
		"漢字\u2028line sep":  "漢字 line sep",
	} {
		if got := mailer.HeaderText(in); got != want {
			t.Errorf("HeaderText(%q) = %q, want %q", in, got, want)
		}
	}
}

// The client switches to TLS when the server offers STARTTLS, verifies the
// certificate, and authenticates with PLAIN over it.
func TestSTARTTLSAndAuth(t *testing.T) {
	srvTLS, pool := smtptest.Certificate(t)
	srv := smtptest.StartWith(t, smtptest.Options{TLS: srvTLS, Users: map[string]string{"kept": "pw"}})
	m := mailer.Message{From: from, To: "a@example.org", Subject: "s", Text: "t", HTML: "h"}
	b, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// An unknown certificate is refused before anything is sent.
	if err := (&mailer.SMTP{Addr: srv.Addr, Username: "kept", Password: "pw"}).Send(ctx, from.Address, m.To, b); err == nil {
		t.Fatal("an unverified certificate was accepted")
	}
	c := &mailer.SMTP{Addr: srv.Addr, Username: "kept", Password: "pw", TLS: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	if err := c.Send(ctx, from.Address, m.To, b); err != nil {
		t.Fatal(err)
	}
	c.Password = "wrong"
	var pe *mailer.PermanentError
	if err := c.Send(ctx, from.Address, m.To, b); !errors.As(err, &pe) {
		t.Fatalf("wrong password: %v, want a permanent error", err)
	}
	got := srv.Messages()
	if len(got) != 1 || !got[0].TLS || got[0].User != "kept" {
		t.Fatalf("received %+v, want one message over TLS from user kept", got)
	}
}
