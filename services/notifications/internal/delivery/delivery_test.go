package delivery_test

import (
	"errors"
	"testing"
	"time"

	"github.com/kept-ogp/kept/services/notifications/internal/delivery"
)

func TestBackoffDoublesUpToMax(t *testing.T) {
	b := delivery.Backoff{Base: 30 * time.Second, Max: 10 * time.Minute}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 10 * time.Minute, 10 * time.Minute}
	for i, w := range want {
		if got := b.Delay(i + 1); got != w {
			t.Errorf("Delay(%d) = %v, want %v", i+1, got, w)
		}
	}
	if got := b.Delay(1000); got != 10*time.Minute {
		t.Errorf("Delay(1000) = %v", got)
	}
}

// One id per event, channel and recipient; an address's case does not
// make a second delivery.
func TestIDIsPerEventChannelAndRecipient(t *testing.T) {
	a := delivery.ID("01J", delivery.Email, "Poc@Gov.example ")
	if a != delivery.ID("01J", delivery.Email, "poc@gov.example") {
		t.Error("case or spaces changed the id")
	}
	for _, other := range []string{delivery.ID("01K", delivery.Email, "poc@gov.example"), delivery.ID("01J", delivery.Webhook, "poc@gov.example"),
		delivery.ID("01J", delivery.Email, "ndc@gov.example")} {
		if other == a {
			t.Error("distinct deliveries share an id")
		}
	}
	if len(a) != 64 {
		t.Errorf("id %q is not a hex SHA-256", a)
	}
}

func TestPermanent(t *testing.T) {
	base := errors.New("550 no such user")
	err := delivery.Permanent(base)
	if !delivery.IsPermanent(err) || !errors.Is(err, base) || err.Error() != base.Error() {
		t.Errorf("Permanent(%v) = %v", base, err)
	}
	if delivery.IsPermanent(base) {
		t.Error("a plain error is permanent")
	}
}
