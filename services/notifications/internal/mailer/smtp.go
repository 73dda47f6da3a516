package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"time"
)

// SMTP sends messages through one relay.
type SMTP struct {
	Addr     string // host:port
	Username string // optional; PLAIN auth, only over TLS or to localhost
	Password string
	// HeloName is the name given in EHLO; default "localhost".
	HeloName string
	// TLS configures STARTTLS (used whenever the server offers it); nil
	// means verify the server against the system roots.
	TLS *tls.Config
	// Timeout bounds one whole conversation; default 60s.
	Timeout time.Duration
}

// PermanentError is a 5xx answer: trying again will not help.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Send delivers msg from the envelope sender to one recipient.
func (s *SMTP) Send(ctx context.Context, from, to string, msg []byte) error {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return fmt.Errorf("smtp address %q: %w", s.Addr, err)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("smtp dial: %w", err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return classify("smtp greeting", err)
	}
	defer c.Close()
	helo := s.HeloName
	if helo == "" {
		helo = "localhost"
	}
	if err := c.Hello(helo); err != nil {
		return classify("smtp EHLO", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		if s.TLS != nil {
			cfg = s.TLS.Clone()
			if cfg.ServerName == "" {
				cfg.ServerName = host
			}
		}
		if err := c.StartTLS(cfg); err != nil {
			return classify("smtp STARTTLS", err)
		}
	}
	if s.Username != "" {
		// PlainAuth itself refuses to send the password unless the
		// connection is TLS or the server is localhost.
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			return classify("smtp AUTH", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return classify("smtp MAIL FROM", err)
	}
	if err := c.Rcpt(to); err != nil {
		return classify("smtp RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return classify("smtp DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return classify("smtp DATA", err)
	}
	if err := w.Close(); err != nil {
		return classify("smtp end of DATA", err)
	}
	if err := c.Quit(); err != nil {
		// The message was accepted at the end of DATA; a failed QUIT does not undo it.
		return nil
	}
	return nil
}

// classify wraps err, marking 5xx answers permanent. The server's text is
// kept, but the recipient address is never part of it here.
func classify(step string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return &PermanentError{Err: fmt.Errorf("%s: %d %s", step, te.Code, te.Msg)}
	}
	return fmt.Errorf("%s: %w", step, err)
}
