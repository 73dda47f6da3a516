// Package directory holds who may receive notifications: the PoC's and
// agencies' contact addresses, public subscriptions (double opt-in) with
// their hashed tokens, and webhook registrations.
package directory

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kept-ogp/kept/services/kit/keylock"
	"github.com/kept-ogp/kept/services/kit/mongox"
)

// Contact is the address list of the PoC (_id "poc") or of one agency
// (_id "agency:<org>").
type Contact struct {
	ID        string    `bson:"_id" json:"-"`
	Emails    []string  `bson:"emails" json:"emails"`
	Language  string    `bson:"language" json:"language"`
	UpdatedAt time.Time `bson:"updated_at" json:"updated_at"`
	UpdatedBy string    `bson:"updated_by" json:"updated_by"`
}

// PoCContact is the id of the PoC's contact.
const PoCContact = "poc"

// AgencyContact is the id of an agency's contact.
func AgencyContact(org string) string { return "agency:" + org }

// Store is the directory's collections.
type Store struct {
	contacts, subs, tokens, hooks *mongo.Collection
	locks                         keylock.Locks
}

// NewStore uses db's contacts, subscriptions, tokens and webhooks.
func NewStore(db *mongo.Database) *Store {
	return &Store{contacts: db.Collection("contacts"), subs: db.Collection("subscriptions"),
		tokens: db.Collection("tokens"), hooks: db.Collection("webhooks")}
}

// EnsureIndexes creates the subscriber lookup index (one per call, for FerretDB).
func (s *Store) EnsureIndexes(ctx context.Context) error {
	if _, err := s.subs.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: bson.D{{Key: "plan", Value: 1}, {Key: "commitment", Value: 1}}}); err != nil {
		return fmt.Errorf("subscriptions index: %w", err)
	}
	return nil
}

// PutContact replaces a contact.
func (s *Store) PutContact(ctx context.Context, c Contact) error {
	if _, err := s.contacts.ReplaceOne(ctx, bson.M{"_id": c.ID}, c, options.Replace().SetUpsert(true)); err != nil {
		return fmt.Errorf("save contact: %w", err)
	}
	return nil
}

// GetContact reads a contact; nil when none is configured.
func (s *Store) GetContact(ctx context.Context, id string) (*Contact, error) {
	var c Contact
	if err := s.contacts.FindOne(ctx, bson.M{"_id": id}).Decode(&c); err != nil {
		if mongox.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("read contact: %w", err)
	}
	return &c, nil
}

// Errors of token use.
var (
	ErrInvalidToken = errors.New("the link is invalid")
	ErrExpiredToken = errors.New("the link has expired")
)

// NewToken returns a random 32-byte token (base64url) and its stored hash.
func NewToken() (token, hash string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// HashToken is the SHA-256 (hex) a token is stored as.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(strings.TrimSpace(token)))
	return hex.EncodeToString(h[:])
}

// HashEmail is the SHA-256 (hex) of a trimmed, lower-cased address, used as
// a rate-limit key and never reversed.
func HashEmail(email string) string {
	h := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(h[:])
}
