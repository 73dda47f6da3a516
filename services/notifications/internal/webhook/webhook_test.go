package webhook_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kept-ogp/kept/services/notifications/internal/webhook"
)

func TestPrivateAddrTable(t *testing.T) {
	for addr, private := range map[string]bool{
		"127.0.0.1": true, "127.255.0.9": true, "::1": true, // loopback
		"10.0.0.1": true, "172.16.5.4": true, "172.31.255.255": true, "192.168.0.10": true, // RFC 1918
		"fc00::1": true, "fd12:3456::1": true, // unique local
		"169.254.169.254": true, "169.254.1.1": true, "fe80::1": true, // link-local, metadata
		"0.0.0.0": true, "::": true, // unspecified
		"100.64.0.1": true, "100.127.255.254": true, // CGNAT
		"::ffff:127.0.0.1": true, "::ffff:10.0.0.1": true, // mapped
		"fe80::1%eth0": true, "fd00::1%2": true, // with a zone
		"224.0.0.1": true, "255.255.255.255": true, "ff02::1": true, // multicast, broadcast
		"192.0.2.2": true, "198.51.100.1": true, "203.0.113.1": true, "2001:db8::1": true, // documentation ranges
		"192.88.99.1": true, "64:ff9b::7f00:1": true, "2002:7f00:1::1": true, "2001:0:4136:e378::1": true, // relays and tunnels to IPv4
		"8.8.8.8": false, "93.184.215.14": false, "172.32.0.1": false, "100.128.0.1": false,
		"2606:4700:4700::1111": false, "::ffff:8.8.8.8": false, "192.169.0.1": false,
	} {
		if got := webhook.PrivateAddr(netip.MustParseAddr(addr)); got != private {
			t.Errorf("PrivateAddr(%s) = %v, want %v", addr, got, private)
		}
	}
}

func TestCheckURL(t *testing.T) {
	g := &webhook.Guard{AllowHosts: []string{"receiver.internal"}, Resolver: &net.Resolver{PreferGo: true,
		Dial: func(context.Context, string, string) (net.Conn, error) { return nil, errors.New("no DNS in this test") }}}
	ctx := context.Background()
	for raw, want := range map[string]string{
		"https://8.8.8.8/hook":              "",
		"https://[2606:4700:4700::1111]/h":  "",
		"http://receiver.internal:9000/x":   "", // allow-listed, not resolved
		"http://127.0.0.1:8080/":            "refused",
		"http://[::1]/":                     "refused",
		"http://169.254.169.254/latest":     "refused",
		"http://10.0.0.5/":                  "refused",
		"http://[fd00::5]/":                 "refused",
		"http://100.64.1.1/":                "refused",
		"http://0.0.0.0/":                   "refused",
		"http://[fe80::1%25eth0]:80/":       "refused",
		"ftp://8.8.8.8/":                    "http or https",
		"https://user:pw@8.8.8.8/":          "user name",
		"https:///nohost":                   "no host",
		"https://unresolvable.invalid/hook": "unresolvable.invalid",
	} {
		_, err := g.CheckURL(ctx, raw)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v, want allowed", raw, err)
		case want == "refused" && !errors.Is(err, webhook.ErrRefused):
			t.Errorf("%s: %v, want refused", raw, err)
		case want != "" && want != "refused" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: %v, want an error about %q", raw, err, want)
		}
	}
	if _, err := (&webhook.Guard{AllowPrivate: true}).CheckURL(ctx, "http://127.0.0.1/"); err != nil {
		t.Errorf("AllowPrivate: %v", err)
	}
}

// receiver verifies each delivery as a customer would.
type receiver struct {
	mu     sync.Mutex
	secret string
	bodies []string
	status []int // answers in turn; 200 after the list
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if !webhook.Verify(r.secret, req.Header.Get(webhook.HeaderTimestamp), req.Header.Get(webhook.HeaderSignature), body, time.Now(), 5*time.Minute) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	r.bodies = append(r.bodies, string(body))
	code := 200
	if len(r.status) > 0 {
		code, r.status = r.status[0], r.status[1:]
	}
	w.WriteHeader(code)
}

func TestSignedDeliveryVerifiedByReceiver(t *testing.T) {
	rc := &receiver{secret: "s3cret-s3cret-s3cret"}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	ctx := context.Background()
	body := []byte(`{"type":"qa.question.answered","id":"01J","time":"2026-03-02T02:00:00Z","data":{}}`)

	// Loopback is refused by default, at check and at dial time.
	strict := &webhook.Sender{Guard: &webhook.Guard{}}
	if err := strict.Send(ctx, webhook.Request{URL: srv.URL, Secret: rc.secret, Body: body}); !errors.Is(err, webhook.ErrRefused) {
		t.Fatalf("loopback receiver: %v, want refused", err)
	}
	s := &webhook.Sender{Guard: &webhook.Guard{AllowHosts: []string{u.Hostname()}}}
	if err := s.Send(ctx, webhook.Request{URL: srv.URL, Secret: rc.secret, Event: "qa.question.answered", DeliveryID: "d1", Body: body}); err != nil {
		t.Fatal(err)
	}
	// A wrong secret fails the receiver's check.
	err := s.Send(ctx, webhook.Request{URL: srv.URL, Secret: "another-secret-entirely", Body: body})
	var se *webhook.StatusError
	if !errors.As(err, &se) || se.Code != http.StatusUnauthorized {
		t.Fatalf("wrong secret: %v, want HTTP 401", err)
	}
	if len(rc.bodies) != 1 || rc.bodies[0] != string(body) {
		t.Fatalf("receiver got %q", rc.bodies)
	}
	// Signature: sha256= hex HMAC over timestamp "." body.
	// Computed independently: python3 hmac.new(b"k", b"1700000000.{}", sha256).
	if got, want := webhook.Sign("k", 1700000000, []byte("{}")), "sha256=c6ef4734033cee2367414a0939385eca0397754aa7a59716da7463a9298b5146"; got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
	if webhook.Verify("k", "1700000000", webhook.Sign("k", 1700000000, []byte("{}")), []byte("{}"), time.Unix(1700000000+600, 0), 5*time.Minute) {
		t.Error("an old timestamp passed verification")
	}
}

// A redirect is not followed (it could point inside the cluster): 3xx fails.
func TestRedirectNotFollowed(t *testing.T) {
	var inner int
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { inner++ }))
	defer target.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	s := &webhook.Sender{Guard: &webhook.Guard{AllowPrivate: true}}
	err := s.Send(context.Background(), webhook.Request{URL: srv.URL, Secret: "x", Body: []byte("{}")})
	var se *webhook.StatusError
	if !errors.As(err, &se) || se.Code != http.StatusTemporaryRedirect {
		t.Fatalf("redirect: %v, want HTTP 307 as failure", err)
	}
	if inner != 0 {
		t.Fatal("the redirect was followed")
	}
}
