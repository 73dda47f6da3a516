package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Sender posts signed deliveries.
type Sender struct {
	Guard   *Guard
	Timeout time.Duration // per request; default 10s
	Now     func() time.Time
	// Transport is for tests only (to trust a TLS test server); its dialer
	// is replaced by the guarded one.
	Transport *http.Transport
}

// Request is one delivery attempt.
type Request struct {
	URL, Secret, Event, DeliveryID string
	Body                           []byte
}

// StatusError is a non-2xx answer.
type StatusError struct{ Code int }

func (e *StatusError) Error() string { return "webhook answered HTTP " + strconv.Itoa(e.Code) }

// Send posts r once. It checks the URL again, dials only allowed addresses
// (checked after resolution) and follows no redirect: a 3xx is a failure.
func (s *Sender) Send(ctx context.Context, r Request) error {
	u, err := s.Guard.CheckURL(ctx, r.URL)
	if err != nil {
		return err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	d := &net.Dialer{Timeout: timeout, Control: s.Guard.control(s.Guard.hostAllowed(u.Hostname()))}
	tr := &http.Transport{}
	if s.Transport != nil {
		tr = s.Transport.Clone()
	}
	tr.Proxy = nil // a proxy would dial for us, past the guard
	tr.DialContext = d.DialContext
	tr.DisableKeepAlives = true
	tr.ResponseHeaderTimeout = timeout
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	ts := now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(r.Body))
	if err != nil {
		return fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "kept-notifications/1")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(r.Secret, ts, r.Body))
	req.Header.Set(HeaderEvent, r.Event)
	req.Header.Set(HeaderDelivery, r.DeliveryID)
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, ErrRefused) {
			return fmt.Errorf("webhook: %w", ErrRefused)
		}
		return fmt.Errorf("webhook post: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &StatusError{Code: resp.StatusCode}
	}
	return nil
}
