package webhook

import (
	"errors"
	"testing"
)

// The dial-time check refuses a private address even when the name looked
// public at registration (DNS rebinding), unless configured.
func TestDialControlRefusesPrivateAddresses(t *testing.T) {
	g := &Guard{}
	for _, addr := range []string{"127.0.0.1:443", "10.1.2.3:80", "[::1]:80", "169.254.169.254:80", "[::ffff:192.168.1.1]:80", "100.64.0.1:80"} {
		if err := g.control(false)("tcp", addr, nil); !errors.Is(err, ErrRefused) {
			t.Errorf("dial %s: %v, want refused", addr, err)
		}
	}
	if err := g.control(false)("tcp", "93.184.215.14:443", nil); err != nil {
		t.Errorf("public address refused: %v", err)
	}
	if err := g.control(true)("tcp", "10.1.2.3:80", nil); err != nil {
		t.Errorf("allow-listed host refused: %v", err)
	}
	if err := (&Guard{AllowPrivate: true}).control(false)("tcp", "127.0.0.1:80", nil); err != nil {
		t.Errorf("AllowPrivate refused: %v", err)
	}
}
