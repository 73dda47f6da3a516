// Package qaclient reads a question asker's private address from the qa
// service's internal route, with the notifier token.
package qaclient

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Asker is what qa answers about a question's asker.
type Asker struct {
	Email     string `json:"email"`
	Confirmed bool   `json:"confirmed"`
	Language  string `json:"language"`
}

// Client calls GET {BaseURL}/api/v1/internal/qa/questions/:id/asker.
type Client struct {
	BaseURL string
	Token   string
	HTTP    *http.Client // default: 10s timeout
}

// Asker returns the asker of question id, or nil when the question has no
// address (404).
func (c *Client) Asker(ctx context.Context, id string) (*Asker, error) {
	if c == nil || c.BaseURL == "" {
		return nil, fmt.Errorf("qa asker lookup: NOTIFY_QA_URL is not set")
	}
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	u := strings.TrimRight(c.BaseURL, "/") + "/api/v1/internal/qa/questions/" + url.PathEscape(id) + "/asker"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("qa asker lookup: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("qa asker lookup: %w", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, nil
	default:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, fmt.Errorf("qa asker lookup: question %s: HTTP %d", id, resp.StatusCode)
	}
	var a Asker
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&a); err != nil {
		return nil, fmt.Errorf("qa asker lookup: question %s: bad answer: %w", id, err)
	}
	if a.Email == "" {
		return nil, nil
	}
	return &a, nil
}
