package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// tokenPrefix makes leaked tokens easy to spot by secret scanners.
const tokenPrefix = "kept_"

// ErrInvalidToken covers unknown, malformed and revoked tokens alike, so a
// caller learns nothing about which.
var ErrInvalidToken = errors.New("invalid or revoked token")

// Token is the stored form: only a SHA-256 of the secret is kept. The secret
// has 256 bits of entropy, so a fast hash is enough (passwords need argon2).
type Token struct {
	ID        string     `bson:"_id" json:"id"`
	Name      string     `bson:"name" json:"name"`
	Hash      string     `bson:"hash" json:"-"`
	Roles     []Role     `bson:"roles" json:"roles"`
	CreatedAt time.Time  `bson:"created_at" json:"created_at"`
	CreatedBy string     `bson:"created_by" json:"created_by"`
	RevokedAt *time.Time `bson:"revoked_at,omitempty" json:"revoked_at,omitempty"`
}

// Store keeps tokens in the deployment's identity database.
type Store struct {
	coll *mongo.Collection
	now  func() time.Time
}

// NewStore uses the "tokens" collection of db.
func NewStore(db *mongo.Database) *Store {
	return &Store{coll: db.Collection("tokens"), now: time.Now}
}

// Create issues a token and returns its secret form, shown once.
func (s *Store) Create(ctx context.Context, name, createdBy string, roles []Role) (Token, string, error) {
	if strings.TrimSpace(name) == "" {
		return Token{}, "", errors.New("token name is required")
	}
	if len(roles) == 0 {
		return Token{}, "", errors.New("a token needs at least one role")
	}
	for _, r := range roles {
		if err := r.Validate(); err != nil {
			return Token{}, "", err
		}
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return Token{}, "", fmt.Errorf("token secret: %w", err)
	}
	id := strings.ToLower(ulid.Make().String())
	sec := base64.RawURLEncoding.EncodeToString(secret)
	t := Token{ID: id, Name: name, Hash: hashSecret(sec), Roles: roles, CreatedAt: s.now().UTC(), CreatedBy: createdBy}
	if _, err := s.coll.InsertOne(ctx, t); err != nil {
		return Token{}, "", fmt.Errorf("store token: %w", err)
	}
	return t, tokenPrefix + id + "_" + sec, nil
}

// Verify returns the principal of a presented token.
func (s *Store) Verify(ctx context.Context, presented string) (*Principal, error) {
	rest, ok := strings.CutPrefix(presented, tokenPrefix)
	if !ok {
		return nil, ErrInvalidToken
	}
	id, sec, ok := strings.Cut(rest, "_")
	if !ok || id == "" || sec == "" {
		return nil, ErrInvalidToken
	}
	var t Token
	err := s.coll.FindOne(ctx, bson.M{"_id": id}).Decode(&t)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, ErrInvalidToken
	}
	if err != nil {
		return nil, fmt.Errorf("look up token: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(t.Hash), []byte(hashSecret(sec))) != 1 || t.RevokedAt != nil {
		return nil, ErrInvalidToken
	}
	return &Principal{TokenID: t.ID, Name: t.Name, Roles: t.Roles}, nil
}

// Revoke marks a token unusable; revoking twice is not an error.
func (s *Store) Revoke(ctx context.Context, id string) error {
	now := s.now().UTC()
	res, err := s.coll.UpdateOne(ctx, bson.M{"_id": id}, bson.M{"$set": bson.M{"revoked_at": now}})
	if err != nil {
		return fmt.Errorf("revoke token %s: %w", id, err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("revoke token %s: no such token", id)
	}
	return nil
}

// List returns every token, newest first, without hashes.
func (s *Store) List(ctx context.Context) ([]Token, error) {
	cur, err := s.coll.Find(ctx, bson.M{}, options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}}))
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	var out []Token
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

func hashSecret(sec string) string {
	h := sha256.Sum256([]byte(sec))
	return hex.EncodeToString(h[:])
}
