package directory

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kept-ogp/kept/services/kit/mongox"
)

// Subscription is one address following a commitment, or a whole plan
// when Commitment is empty. It receives nothing until Confirmed.
type Subscription struct {
	ID          string    `bson:"_id"`
	Plan        string    `bson:"plan"`
	Commitment  string    `bson:"commitment"`
	Email       string    `bson:"email"`
	Language    string    `bson:"language"`
	Confirmed   bool      `bson:"confirmed"`
	CreatedAt   time.Time `bson:"created_at"`
	ConfirmedAt time.Time `bson:"confirmed_at,omitempty"`
}

// Token kinds.
const (
	TokenConfirm     = "confirm"
	TokenUnsubscribe = "unsubscribe"
)

type token struct {
	ID           string    `bson:"_id"` // SHA-256 of the token
	Kind         string    `bson:"kind"`
	Subscription string    `bson:"subscription"`
	ExpiresAt    time.Time `bson:"expires_at"`
}

// SubscriptionID derives a subscription's _id from what it follows and the
// address, so subscribing twice finds the same document.
func SubscriptionID(plan, commitment, email string) string {
	return HashEmail(plan + "\x00" + commitment + "\x00" + email)[:40]
}

// Subscribe records an unconfirmed subscription (or refreshes its language)
// and returns a new confirmation token valid for ttl. When the address is
// already confirmed it returns an empty token: nothing is to be mailed.
func (s *Store) Subscribe(ctx context.Context, plan, commitment, email, lang string, now time.Time, ttl time.Duration) (*Subscription, string, error) {
	id := SubscriptionID(plan, commitment, email)
	defer s.locks.Lock("sub:" + id)()
	var sub Subscription
	err := s.subs.FindOne(ctx, bson.M{"_id": id}).Decode(&sub)
	switch {
	case mongox.IsNotFound(err):
		sub = Subscription{ID: id, Plan: plan, Commitment: commitment, Email: email, Language: lang, CreatedAt: now}
		if _, err := s.subs.InsertOne(ctx, sub); err != nil && !mongox.IsDuplicateKey(err) {
			return nil, "", fmt.Errorf("save subscription: %w", err)
		}
	case err != nil:
		return nil, "", fmt.Errorf("read subscription: %w", err)
	case sub.Confirmed:
		return &sub, "", nil
	case sub.Language != lang:
		sub.Language = lang
		if _, err := s.subs.ReplaceOne(ctx, bson.M{"_id": id}, sub); err != nil {
			return nil, "", fmt.Errorf("save subscription: %w", err)
		}
	}
	tok, hash := NewToken()
	if _, err := s.tokens.InsertOne(ctx, token{ID: hash, Kind: TokenConfirm, Subscription: id, ExpiresAt: now.Add(ttl)}); err != nil {
		return nil, "", fmt.Errorf("save token: %w", err)
	}
	return &sub, tok, nil
}

func (s *Store) useToken(ctx context.Context, raw, kind string, now time.Time) (*token, error) {
	if raw == "" {
		return nil, ErrInvalidToken
	}
	var t token
	if err := s.tokens.FindOne(ctx, bson.M{"_id": HashToken(raw)}).Decode(&t); err != nil {
		if mongox.IsNotFound(err) {
			return nil, ErrInvalidToken
		}
		return nil, fmt.Errorf("read token: %w", err)
	}
	if t.Kind != kind {
		return nil, ErrInvalidToken
	}
	if now.After(t.ExpiresAt) {
		return nil, ErrExpiredToken
	}
	return &t, nil
}

// Confirm confirms the subscription a confirmation token belongs to. The
// token stays usable until it expires, so a second click also succeeds.
func (s *Store) Confirm(ctx context.Context, raw string, now time.Time) (*Subscription, error) {
	t, err := s.useToken(ctx, raw, TokenConfirm, now)
	if err != nil {
		return nil, err
	}
	defer s.locks.Lock("sub:" + t.Subscription)()
	var sub Subscription
	if err := s.subs.FindOne(ctx, bson.M{"_id": t.Subscription}).Decode(&sub); err != nil {
		if mongox.IsNotFound(err) {
			return nil, ErrInvalidToken // unsubscribed since
		}
		return nil, fmt.Errorf("read subscription: %w", err)
	}
	if !sub.Confirmed {
		sub.Confirmed, sub.ConfirmedAt = true, now
		if _, err := s.subs.ReplaceOne(ctx, bson.M{"_id": sub.ID}, sub); err != nil {
			return nil, fmt.Errorf("save subscription: %w", err)
		}
	}
	return &sub, nil
}

// UnsubscribeToken issues a one-click unsubscribe token for a subscription,
// valid for ttl; only its hash is kept.
func (s *Store) UnsubscribeToken(ctx context.Context, subID string, now time.Time, ttl time.Duration) (string, error) {
	tok, hash := NewToken()
	if _, err := s.tokens.InsertOne(ctx, token{ID: hash, Kind: TokenUnsubscribe, Subscription: subID, ExpiresAt: now.Add(ttl)}); err != nil {
		return "", fmt.Errorf("save token: %w", err)
	}
	return tok, nil
}

// Unsubscribe removes the subscription the token belongs to. Using the
// token again (or after the subscription is gone) succeeds too.
func (s *Store) Unsubscribe(ctx context.Context, raw string, now time.Time) error {
	t, err := s.useToken(ctx, raw, TokenUnsubscribe, now)
	if err != nil {
		return err
	}
	defer s.locks.Lock("sub:" + t.Subscription)()
	if _, err := s.subs.DeleteOne(ctx, bson.M{"_id": t.Subscription}); err != nil {
		return fmt.Errorf("delete subscription: %w", err)
	}
	return nil
}

// Subscribers returns the confirmed subscriptions to a commitment and to
// its whole plan.
func (s *Store) Subscribers(ctx context.Context, plan, commitment string) ([]Subscription, error) {
	cur, err := s.subs.Find(ctx, bson.M{"plan": plan, "commitment": bson.M{"$in": bson.A{commitment, ""}}, "confirmed": true})
	if err != nil {
		return nil, fmt.Errorf("read subscribers: %w", err)
	}
	var out []Subscription
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("read subscribers: %w", err)
	}
	return out, nil
}

// PlanSubscribers returns the confirmed subscribers of a plan, whatever
// commitment they follow (a consultation on the plan's SAR concerns them all).
func (s *Store) PlanSubscribers(ctx context.Context, plan string) ([]Subscription, error) {
	cur, err := s.subs.Find(ctx, bson.M{"plan": plan, "confirmed": true})
	if err != nil {
		return nil, fmt.Errorf("read subscribers: %w", err)
	}
	var out []Subscription
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("read subscribers: %w", err)
	}
	return out, nil
}

// Subscription reads one subscription; nil when there is none.
func (s *Store) Subscription(ctx context.Context, id string) (*Subscription, error) {
	var sub Subscription
	if err := s.subs.FindOne(ctx, bson.M{"_id": id}).Decode(&sub); err != nil {
		if mongox.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("read subscription: %w", err)
	}
	return &sub, nil
}
