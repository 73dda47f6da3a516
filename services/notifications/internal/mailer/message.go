// Package mailer builds MIME messages (text and HTML alternatives, RFC 2047
// subjects) and sends them over SMTP.
package mailer

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Message is one email to one recipient.
type Message struct {
	From      mail.Address
	To        string
	Subject   string
	Text      string
	HTML      string
	MessageID string // without angle brackets, e.g. "id@example.org"
	Date      time.Time
	// ListUnsubscribe is the one-click (RFC 8058) unsubscribe URL, set on
	// subscription mail.
	ListUnsubscribe string
}

// HeaderText makes user text safe for a header value: CR, LF and every
// other control character become a space, runs of spaces collapse, and the
// result is trimmed. Nothing a user types can start a new header line.
func HeaderText(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// EncodeHeader returns s as a header value: cleaned by HeaderText and, when
// not plain ASCII, encoded as RFC 2047 words (B for mostly non-ASCII text
// such as Chinese, Q otherwise).
func EncodeHeader(s string) string {
	s = HeaderText(s)
	non := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			non++
		}
	}
	if non == 0 {
		return s
	}
	if non*3 > len(s) {
		return mime.BEncoding.Encode("utf-8", s)
	}
	return mime.QEncoding.Encode("utf-8", s)
}

// Bytes renders the message with CRLF line ends: headers, then a
// multipart/alternative body with a quoted-printable text/plain part and a
// quoted-printable text/html part.
func (m Message) Bytes() ([]byte, error) {
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return nil, fmt.Errorf("recipient address: %w", err)
	}
	if m.From.Address == "" {
		return nil, fmt.Errorf("sender address is empty")
	}
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	from := m.From
	from.Name = HeaderText(from.Name)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	hdr := func(k, v string) { fmt.Fprintf(&buf, "%s: %s\r\n", k, v) }
	hdr("From", from.String())
	hdr("To", (&mail.Address{Address: to.Address}).String())
	hdr("Subject", EncodeHeader(m.Subject))
	hdr("Date", date.UTC().Format(time.RFC1123Z))
	id := HeaderText(m.MessageID)
	if id == "" {
		id = randomID() + "@" + domainOf(from.Address)
	}
	hdr("Message-ID", "<"+strings.Trim(id, "<> ")+">")
	hdr("MIME-Version", "1.0")
	hdr("Auto-Submitted", "auto-generated")
	if u := HeaderText(m.ListUnsubscribe); u != "" {
		hdr("List-Unsubscribe", "<"+u+">")
		hdr("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	hdr("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()}))
	buf.WriteString("\r\n")
	for _, p := range []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		h := textproto.MIMEHeader{}
		h.Set("Content-Type", p.typ+"; charset=utf-8")
		h.Set("Content-Transfer-Encoding", "quoted-printable")
		pw, err := mw.CreatePart(h)
		if err != nil {
			return nil, fmt.Errorf("mime part: %w", err)
		}
		qp := quotedprintable.NewWriter(pw)
		if _, err := qp.Write([]byte(crlf(p.body))); err != nil {
			return nil, fmt.Errorf("mime part: %w", err)
		}
		if err := qp.Close(); err != nil {
			return nil, fmt.Errorf("mime part: %w", err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("mime: %w", err)
	}
	buf.WriteString("\r\n")
	return buf.Bytes(), nil
}

// crlf gives every line a CRLF end.
func crlf(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.ReplaceAll(s, "\n", "\r\n")
}

func domainOf(addr string) string {
	if _, d, ok := strings.Cut(addr, "@"); ok && d != "" {
		return d
	}
	return "localhost"
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
