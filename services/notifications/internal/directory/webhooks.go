package directory

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kept-ogp/kept/services/kit/mongox"
)

// Webhook is a registered receiver. Its secret is stored as given: it is
// needed to sign every delivery, so it cannot be hashed.
type Webhook struct {
	ID        string    `bson:"_id" json:"id"`
	URL       string    `bson:"url" json:"url"`
	Events    []string  `bson:"events" json:"events"`
	Secret    string    `bson:"secret" json:"-"`
	CreatedAt time.Time `bson:"created_at" json:"created_at"`
	CreatedBy string    `bson:"created_by" json:"created_by"`
}

// NewWebhookID returns "wh_" and 16 random hex digits.
func NewWebhookID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "wh_" + hex.EncodeToString(b)
}

// NewSecret returns a random 32-byte secret in hex.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "whsec_" + hex.EncodeToString(b)
}

// AddWebhook stores a registration.
func (s *Store) AddWebhook(ctx context.Context, w Webhook) error {
	if _, err := s.hooks.InsertOne(ctx, w); err != nil {
		return fmt.Errorf("save webhook: %w", err)
	}
	return nil
}

// Webhook reads one registration; nil when none.
func (s *Store) Webhook(ctx context.Context, id string) (*Webhook, error) {
	var w Webhook
	if err := s.hooks.FindOne(ctx, bson.M{"_id": id}).Decode(&w); err != nil {
		if mongox.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("read webhook: %w", err)
	}
	return &w, nil
}

// Webhooks lists every registration, oldest first.
func (s *Store) Webhooks(ctx context.Context) ([]Webhook, error) {
	cur, err := s.hooks.Find(ctx, bson.M{}, options.Find().SetSort(bson.D{{Key: "created_at", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	var out []Webhook
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return out, nil
}

// WebhooksFor lists the registrations that take event type typ.
func (s *Store) WebhooksFor(ctx context.Context, typ string) ([]Webhook, error) {
	all, err := s.Webhooks(ctx)
	if err != nil {
		return nil, err
	}
	var out []Webhook
	for _, w := range all {
		if slices.Contains(w.Events, typ) {
			out = append(out, w)
		}
	}
	return out, nil
}

// DeleteWebhook removes a registration; false when there was none.
func (s *Store) DeleteWebhook(ctx context.Context, id string) (bool, error) {
	r, err := s.hooks.DeleteOne(ctx, bson.M{"_id": id})
	if err != nil {
		return false, fmt.Errorf("delete webhook: %w", err)
	}
	return r.DeletedCount > 0, nil
}
