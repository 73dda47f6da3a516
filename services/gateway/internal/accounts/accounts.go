// Package accounts keeps the staff console's local accounts: bcrypt password
// hashes, roles (kit/auth roles) and an optional TOTP second factor.
package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"golang.org/x/crypto/bcrypt"

	"github.com/kept-ogp/kept/services/kit/auth"
)

// Errors.
var (
	ErrNotFound = errors.New("no such account")
	ErrExists   = errors.New("an account with this email already exists")
	// ErrBadLogin covers an unknown email, a wrong password and a wrong
	// code alike, so a caller learns nothing about which.
	ErrBadLogin = errors.New("wrong email, password or code")
)

// MinPassword is the shortest password accepted (NIST SP 800-63B).
const MinPassword = 12

// bcryptCost is bcrypt's work factor.
const bcryptCost = 12

// Account is a staff member. The _id is the lower-cased email, so lookups
// are by _id (the only filter FerretDB pushes down).
type Account struct {
	Email        string      `bson:"_id"`
	Name         string      `bson:"name"`
	PasswordHash string      `bson:"password_hash,omitempty"`
	Roles        []auth.Role `bson:"roles"`
	TOTPSecret   string      `bson:"totp_secret,omitempty"`
	TOTPPending  string      `bson:"totp_pending,omitempty"`
	TOTPLastStep int64       `bson:"totp_last_step"`
	CreatedAt    time.Time   `bson:"created_at"`
	CreatedBy    string      `bson:"created_by"`
	Disabled     bool        `bson:"disabled"`
}

// Store keeps accounts in the gateway's database.
type Store struct {
	coll *mongo.Collection
	Now  func() time.Time
	// cost is bcrypt's cost; tests lower it.
	cost int
}

// NewStore uses the "accounts" collection of db.
func NewStore(db *mongo.Database) *Store {
	return &Store{coll: db.Collection("accounts"), Now: time.Now, cost: bcryptCost}
}

// SetCost changes bcrypt's cost (tests use bcrypt.MinCost).
func (s *Store) SetCost(c int) { s.cost = c }

// NormalizeEmail trims and lower-cases an address.
func NormalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// New is a request to create an account.
type New struct {
	Email    string
	Name     string
	Password string // empty: the account signs in with OpenID Connect only
	Roles    []auth.Role
	By       string
}

// Validate names every problem of n.
func (n *New) Validate() error {
	var errs []string
	n.Email = NormalizeEmail(n.Email)
	if !strings.Contains(n.Email, "@") || strings.ContainsAny(n.Email, " <>\"") || len(n.Email) > 254 {
		errs = append(errs, "email: must be an email address")
	}
	if strings.TrimSpace(n.Name) == "" {
		errs = append(errs, "name: is required")
	}
	if n.Password != "" && utf8.RuneCountInString(n.Password) < MinPassword {
		errs = append(errs, fmt.Sprintf("password: must be at least %d characters", MinPassword))
	}
	if len(n.Password) > 72 {
		errs = append(errs, "password: must be at most 72 bytes (bcrypt's limit)")
	}
	if len(n.Roles) == 0 {
		errs = append(errs, "roles: at least one role is required")
	}
	for i, r := range n.Roles {
		if err := r.Validate(); err != nil {
			errs = append(errs, fmt.Sprintf("roles[%d]: %v", i, err))
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// Create stores a new account; an existing email is ErrExists.
func (s *Store) Create(ctx context.Context, n New) (*Account, error) {
	if err := n.Validate(); err != nil {
		return nil, err
	}
	a := &Account{Email: n.Email, Name: strings.TrimSpace(n.Name), Roles: n.Roles, CreatedAt: s.Now().UTC(), CreatedBy: n.By}
	if n.Password != "" {
		h, err := bcrypt.GenerateFromPassword([]byte(n.Password), s.cost)
		if err != nil {
			return nil, fmt.Errorf("hash password: %w", err)
		}
		a.PasswordHash = string(h)
	}
	if _, err := s.coll.InsertOne(ctx, a); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return nil, ErrExists
		}
		return nil, fmt.Errorf("store account: %w", err)
	}
	return a, nil
}

// Get returns the account of email.
func (s *Store) Get(ctx context.Context, email string) (*Account, error) {
	var a Account
	err := s.coll.FindOne(ctx, bson.M{"_id": NormalizeEmail(email)}).Decode(&a)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load account: %w", err)
	}
	return &a, nil
}

// List returns every account, by email.
func (s *Store) List(ctx context.Context) ([]Account, error) {
	cur, err := s.coll.Find(ctx, bson.M{}, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	var out []Account
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return out, nil
}

// GrantRole adds role to the account of email (nothing when it has it).
func (s *Store) GrantRole(ctx context.Context, email string, role auth.Role) error {
	if err := role.Validate(); err != nil {
		return err
	}
	return s.updateRoles(ctx, email, bson.M{"$addToSet": bson.M{"roles": role}})
}

// RevokeRole removes role from the account of email.
func (s *Store) RevokeRole(ctx context.Context, email string, role auth.Role) error {
	return s.updateRoles(ctx, email, bson.M{"$pull": bson.M{"roles": role}})
}

func (s *Store) updateRoles(ctx context.Context, email string, update bson.M) error {
	res, err := s.coll.UpdateOne(ctx, bson.M{"_id": NormalizeEmail(email)}, update)
	if err != nil {
		return fmt.Errorf("change roles: %w", err)
	}
	if res.MatchedCount == 0 {
		return ErrNotFound
	}
	return nil
}

// dummyHash is compared against when the email is unknown, so an unknown
// email takes as long as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a real password, only for timing"), bcryptCost)

// Authenticate checks a password and, when the account has TOTP, its code.
func (s *Store) Authenticate(ctx context.Context, email, password, code string) (*Account, error) {
	a, err := s.Get(ctx, email)
	if errors.Is(err, ErrNotFound) {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, ErrBadLogin
	}
	if err != nil {
		return nil, err
	}
	if a.PasswordHash == "" || a.Disabled {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, ErrBadLogin
	}
	if bcrypt.CompareHashAndPassword([]byte(a.PasswordHash), []byte(password)) != nil {
		return nil, ErrBadLogin
	}
	if a.TOTPSecret != "" {
		step, ok := CheckTOTP(a.TOTPSecret, code, s.Now(), a.TOTPLastStep)
		if !ok {
			return nil, ErrBadLogin
		}
		if _, err := s.coll.UpdateOne(ctx, bson.M{"_id": a.Email}, bson.M{"$set": bson.M{"totp_last_step": step}}); err != nil {
			return nil, fmt.Errorf("record totp step: %w", err)
		}
		a.TOTPLastStep = step
	}
	return a, nil
}

// StartTOTP stores a pending secret for the account and returns it.
func (s *Store) StartTOTP(ctx context.Context, email string) (string, error) {
	sec := NewTOTPSecret()
	res, err := s.coll.UpdateOne(ctx, bson.M{"_id": NormalizeEmail(email)}, bson.M{"$set": bson.M{"totp_pending": sec}})
	if err != nil {
		return "", fmt.Errorf("start totp: %w", err)
	}
	if res.MatchedCount == 0 {
		return "", ErrNotFound
	}
	return sec, nil
}

// ConfirmTOTP turns the pending secret on when code matches it.
func (s *Store) ConfirmTOTP(ctx context.Context, email, code string) error {
	a, err := s.Get(ctx, email)
	if err != nil {
		return err
	}
	if a.TOTPPending == "" {
		return errors.New("start the set-up first")
	}
	step, ok := CheckTOTP(a.TOTPPending, code, s.Now(), 0)
	if !ok {
		return errors.New("code: does not match; check the clock of your device")
	}
	_, err = s.coll.UpdateOne(ctx, bson.M{"_id": a.Email}, bson.M{"$set": bson.M{"totp_secret": a.TOTPPending, "totp_pending": "", "totp_last_step": step}})
	if err != nil {
		return fmt.Errorf("confirm totp: %w", err)
	}
	return nil
}
