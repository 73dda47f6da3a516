// Package sessions keeps staff console sessions server-side. The browser
// holds only a random id; the store keeps its SHA-256, the session's CSRF
// token and the kit/auth API token the gateway acts with, encrypted under a
// key derived from the id, so a copy of the database alone cannot use them.
package sessions

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kept-ogp/kept/services/kit/auth"
)

// ErrNoSession covers unknown, expired and malformed session ids.
var ErrNoSession = errors.New("no such session")

// Session is a signed-in staff member.
type Session struct {
	ID         string      `bson:"_id"` // SHA-256 of the cookie value
	Email      string      `bson:"email"`
	Name       string      `bson:"name"`
	Roles      []auth.Role `bson:"roles"`
	CSRF       string      `bson:"csrf"`
	TokenID    string      `bson:"token_id"`
	TokenBox   []byte      `bson:"token_box"`
	CreatedAt  time.Time   `bson:"created_at"`
	LastSeenAt time.Time   `bson:"last_seen_at"`
	ExpiresAt  time.Time   `bson:"expires_at"`
	Via        string      `bson:"via"` // "password" or "oidc"

	// Token is the decrypted API token; never stored, never sent to the browser.
	Token string `bson:"-"`
}

// Has reports whether the session holds a role of kind.
func (s *Session) Has(kinds ...string) bool {
	p := auth.Principal{Roles: s.Roles}
	for _, k := range kinds {
		if p.Has(k) {
			return true
		}
	}
	return false
}

// Principal is the session's roles as a kit/auth principal.
func (s *Session) Principal() *auth.Principal {
	return &auth.Principal{TokenID: s.TokenID, Name: s.Name, Roles: s.Roles}
}

// Store keeps sessions in the gateway database's "sessions" collection.
type Store struct {
	coll *mongo.Collection
	Now  func() time.Time
	// Idle and Absolute bound a session's life.
	Idle, Absolute time.Duration
}

// NewStore returns a store with an idle limit of 2h and an absolute one of 12h.
func NewStore(db *mongo.Database) *Store {
	return &Store{coll: db.Collection("sessions"), Now: time.Now, Idle: 2 * time.Hour, Absolute: 12 * time.Hour}
}

func random() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashID(cookie string) string {
	h := sha256.Sum256([]byte(cookie))
	return hex.EncodeToString(h[:])
}

func boxKey(cookie string) []byte {
	m := hmac.New(sha256.New, []byte(cookie))
	m.Write([]byte("kept gateway session token key"))
	return m.Sum(nil)
}

func seal(cookie, plain string) ([]byte, error) {
	blk, err := aes.NewCipher(boxKey(cookie))
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(blk)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, g.NonceSize())
	_, _ = rand.Read(nonce)
	return g.Seal(nonce, nonce, []byte(plain), nil), nil
}

func open(cookie string, box []byte) (string, error) {
	blk, err := aes.NewCipher(boxKey(cookie))
	if err != nil {
		return "", err
	}
	g, err := cipher.NewGCM(blk)
	if err != nil {
		return "", err
	}
	if len(box) < g.NonceSize() {
		return "", errors.New("short token box")
	}
	p, err := g.Open(nil, box[:g.NonceSize()], box[g.NonceSize():], nil)
	return string(p), err
}

// New describes a session to create.
type New struct {
	Email, Name, Via string
	Roles            []auth.Role
	TokenID, Token   string
}

// Create stores a session and returns the cookie value.
func (s *Store) Create(ctx context.Context, n New) (string, *Session, error) {
	cookie := random()
	box, err := seal(cookie, n.Token)
	if err != nil {
		return "", nil, fmt.Errorf("seal session token: %w", err)
	}
	now := s.Now().UTC()
	ss := &Session{ID: hashID(cookie), Email: n.Email, Name: n.Name, Roles: n.Roles, CSRF: random(), TokenID: n.TokenID,
		TokenBox: box, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.Absolute), Via: n.Via, Token: n.Token}
	if _, err := s.coll.InsertOne(ctx, ss); err != nil {
		return "", nil, fmt.Errorf("store session: %w", err)
	}
	return cookie, ss, nil
}

// Get returns the live session of a cookie value, sliding its idle limit.
func (s *Store) Get(ctx context.Context, cookie string) (*Session, error) {
	if cookie == "" || len(cookie) > 100 {
		return nil, ErrNoSession
	}
	var ss Session
	err := s.coll.FindOne(ctx, bson.M{"_id": hashID(cookie)}).Decode(&ss)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("load session: %w", err)
	}
	now := s.Now().UTC()
	if !now.Before(ss.ExpiresAt) || now.Sub(ss.LastSeenAt) > s.Idle {
		return nil, ErrNoSession
	}
	tok, err := open(cookie, ss.TokenBox)
	if err != nil {
		return nil, ErrNoSession
	}
	ss.Token = tok
	if now.Sub(ss.LastSeenAt) > time.Minute {
		if _, err := s.coll.UpdateOne(ctx, bson.M{"_id": ss.ID}, bson.M{"$set": bson.M{"last_seen_at": now}}); err != nil {
			return nil, fmt.Errorf("touch session: %w", err)
		}
	}
	return &ss, nil
}

// Delete ends one session and returns it (nil when there was none).
func (s *Store) Delete(ctx context.Context, cookie string) (*Session, error) {
	var ss Session
	err := s.coll.FindOneAndDelete(ctx, bson.M{"_id": hashID(cookie)}).Decode(&ss)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("delete session: %w", err)
	}
	return &ss, nil
}

// DeleteAll ends every session of email and returns their API token ids.
func (s *Store) DeleteAll(ctx context.Context, email string) ([]string, error) {
	cur, err := s.coll.Find(ctx, bson.M{"email": email})
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	var all []Session
	if err := cur.All(ctx, &all); err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	var ids []string
	for _, ss := range all {
		if _, err := s.coll.DeleteOne(ctx, bson.M{"_id": ss.ID}); err != nil {
			return ids, fmt.Errorf("delete session: %w", err)
		}
		ids = append(ids, ss.TokenID)
	}
	return ids, nil
}
