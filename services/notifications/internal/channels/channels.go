// Package channels sends one delivery over its channel: email through the
// SMTP relay, webhooks as signed POSTs.
package channels

import (
	"context"
	"errors"
	"fmt"
	"net/mail"

	"github.com/kept-ogp/kept/services/notifications/internal/delivery"
	"github.com/kept-ogp/kept/services/notifications/internal/directory"
	"github.com/kept-ogp/kept/services/notifications/internal/mailer"
	"github.com/kept-ogp/kept/services/notifications/internal/webhook"
)

// MailSender is the SMTP client.
type MailSender interface {
	Send(ctx context.Context, from, to string, msg []byte) error
}

// Email sends mail deliveries.
type Email struct {
	Sender MailSender
	From   mail.Address
}

// Deliver builds the MIME message (its Message-ID derived from the
// delivery, so a resent copy can be recognised) and sends it.
func (e *Email) Deliver(ctx context.Context, d *delivery.Delivery) error {
	msg := mailer.Message{From: e.From, To: d.Recipient, Subject: d.Subject, Text: d.Text, HTML: d.HTML,
		MessageID: d.ID + "@" + domain(e.From.Address), ListUnsubscribe: d.ListUnsubscribe}
	b, err := msg.Bytes()
	if err != nil {
		return delivery.Permanent(fmt.Errorf("build message: %w", err))
	}
	if err := e.Sender.Send(ctx, e.From.Address, d.Recipient, b); err != nil {
		var pe *mailer.PermanentError
		if errors.As(err, &pe) {
			return delivery.Permanent(err)
		}
		return err
	}
	return nil
}

func domain(addr string) string {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == '@' {
			return addr[i+1:]
		}
	}
	return "localhost"
}

// Webhooks sends webhook deliveries to the registration's current URL,
// signed with its secret.
type Webhooks struct {
	Sender    *webhook.Sender
	Directory *directory.Store
}

// Deliver posts the stored body once.
func (w *Webhooks) Deliver(ctx context.Context, d *delivery.Delivery) error {
	h, err := w.Directory.Webhook(ctx, d.Recipient)
	if err != nil {
		return err
	}
	if h == nil {
		return delivery.Permanent(errors.New("the webhook was removed"))
	}
	err = w.Sender.Send(ctx, webhook.Request{URL: h.URL, Secret: h.Secret, Event: d.EventType, DeliveryID: d.ID, Body: d.Body})
	if errors.Is(err, webhook.ErrRefused) {
		return delivery.Permanent(err)
	}
	return err
}
