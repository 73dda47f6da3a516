package e2e

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kept-ogp/kept/tests/internal/cluster"
	"github.com/kept-ogp/kept/tests/internal/smtpsink"
)

// parts returns the decoded text/plain and text/html parts of a message.
func parts(t *testing.T, raw []byte) (subject, text, html string) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("mail does not parse: %v\n%s", err, raw)
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		t.Fatalf("Content-Type %q: want multipart (%v)", m.Header.Get("Content-Type"), err)
	}
	var walk func(r io.Reader, boundary string)
	walk = func(r io.Reader, boundary string) {
		mr := multipart.NewReader(r, boundary)
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			pt, pp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
			var body io.Reader = p
			if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
				body = quotedprintable.NewReader(p)
			}
			b, _ := io.ReadAll(body)
			switch {
			case strings.HasPrefix(pt, "multipart/"):
				walk(bytes.NewReader(b), pp["boundary"])
			case pt == "text/plain":
				text = string(b)
			case pt == "text/html":
				html = string(b)
			}
		}
	}
	walk(m.Body, params["boundary"])
	return subject, text, html
}

func mailTo(sink *smtpsink.Sink, addr string) []smtpsink.Message {
	var out []smtpsink.Message
	for _, m := range sink.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				out = append(out, m)
			}
		}
	}
	return out
}

var confirmLink = regexp.MustCompile(`/questions/confirm-email\?token=([A-Za-z0-9_-]+)`)

// A citizen asks on a commitment with an email, confirms the address from
// the mail, the lead agency answers, and the answer arrives by mail once:
// qa and notifications as separate processes, a real SMTP server.
func TestAskConfirmAnswerByMail(t *testing.T) {
	c := cluster.Start(t)
	sink := smtpsink.Start(t)
	admin := c.Token(t, "admin", "admin")
	notifier := c.Token(t, "notifications", "notifier")
	rcmp := c.Token(t, "RCMP editor", "agency_editor:rcmp-grc")
	c.StartService(t, "qa", "qa-0", "QA_CHECK_INTERVAL=1s")
	c.StartService(t, "notifications", "notifications-0", "NOTIFY_SMTP_ADDR="+sink.Addr,
		"NOTIFY_SMTP_FROM=kept <no-reply@example.org>", "NOTIFY_QA_URL="+c.URLs["qa"], "NOTIFY_QA_TOKEN="+notifier,
		"NOTIFY_STREAM_START=all", "NOTIFY_WORKER_INTERVAL=200ms", "NOTIFY_PUBLIC_BASE_URL=https://kept.example.org")

	if imp := cluster.Do(t, "POST", c.URLs["commitments"]+"/api/v1/plans/import?filename=canada.csv", admin, cluster.RealPlan(t)); imp.Status != http.StatusCreated {
		t.Fatalf("import: %d %s", imp.Status, imp.Body)
	}
	const asker = "asker@example.org"
	qs := c.URLs["qa"] + "/api/v1/plans/ca-nap6/commitments/C01/questions"
	ask := map[string]any{"text": "請問<script>alert(1)</script>論壇何時成立？", "language": "zh-Hant", "display_name": "林小姐", "email": asker}
	var r cluster.Response
	cluster.Eventually(t, 20*time.Second, "qa to learn C01's lead agency", func() bool {
		r = cluster.Do(t, "POST", qs, "", ask)
		return r.Status != http.StatusNotFound
	})
	if r.Status != http.StatusCreated {
		t.Fatalf("ask: %d %s", r.Status, r.Body)
	}
	q := r.JSON(t)["question"].(map[string]any)
	if q["agency"] != "rcmp-grc" || strings.Contains(string(r.Body), asker) {
		t.Fatalf("question %s", r.Body)
	}
	id := q["id"].(string)

	cluster.Eventually(t, 20*time.Second, "the confirmation mail", func() bool { return len(mailTo(sink, asker)) == 1 })
	_, text, _ := parts(t, mailTo(sink, asker)[0].Data)
	m := confirmLink.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no confirmation link in:\n%s", text)
	}
	if got := cluster.Do(t, "POST", c.URLs["qa"]+"/api/v1/qa/email/confirm", "", map[string]string{"token": m[1]}); got.Status != http.StatusOK {
		t.Fatalf("confirm: %d %s", got.Status, got.Body)
	}

	ans := cluster.Do(t, "POST", qs+"/"+id+"/answers", rcmp, map[string]any{"text": map[string]string{
		"en": "The forum first meets in January <b>2027</b>.", "zh-Hant": "論壇將於2027年1月首次召開。"}})
	if ans.Status != http.StatusOK {
		t.Fatalf("answer: %d %s", ans.Status, ans.Body)
	}
	cluster.Eventually(t, 20*time.Second, "the answer mail", func() bool { return len(mailTo(sink, asker)) == 2 })
	subject, text, html := parts(t, mailTo(sink, asker)[1].Data)
	if !strings.Contains(text, "論壇將於2027年1月首次召開") || subject == "" {
		t.Fatalf("answer mail (subject %q):\n%s", subject, text)
	}
	if strings.Contains(html, "<script>") || strings.Contains(html, "<b>2027</b>") {
		t.Fatalf("user text reached the HTML part unescaped:\n%s", html)
	}
	// Nothing is sent twice, and the public question shows the answer.
	time.Sleep(time.Second)
	if n := len(mailTo(sink, asker)); n != 2 {
		t.Fatalf("%d messages to the asker, want 2", n)
	}
	got := cluster.Do(t, "GET", qs+"/"+id, "", nil)
	if got.Status != 200 || !strings.Contains(string(got.Body), `"status":"answered"`) || strings.Contains(string(got.Body), asker) {
		t.Fatalf("public question: %d %s", got.Status, cluster.Tail(got.Body, 400))
	}
}
