package auth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kept-ogp/kept/services/devenv/ferret"
)

// testDB starts an embedded FerretDB for one test and returns a database on it.
func testDB(t testing.TB) *mongo.Database {
	t.Helper()
	s := startFerret(t)
	return connect(t, s.URI())
}

// ferretStart serialises ferret.Start: FerretDB's ferretdb.New writes
// package state and races when parallel tests start servers together.
var ferretStart sync.Mutex

func startFerret(t testing.TB) *ferret.Server {
	t.Helper()
	ferretStart.Lock()
	s, err := ferret.Start(context.Background(), ferret.Options{Dir: t.TempDir()})
	ferretStart.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// connect returns the kept_auth database through uri; the client is closed
// before the server stops (cleanups run last-in first-out).
func connect(t testing.TB, uri string) *mongo.Database {
	t.Helper()
	c, err := mongo.Connect(options.Client().ApplyURI(uri).SetServerSelectionTimeout(5 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	return c.Database("kept_auth")
}

// outageDB returns a database reached through a TCP relay to a real FerretDB,
// and a function that cuts the relay: a MongoDB outage as a client sees it.
func outageDB(t testing.TB) (*mongo.Database, func()) {
	t.Helper()
	srv := startFerret(t)
	u, err := url.Parse(srv.URI())
	if err != nil {
		t.Fatal(err)
	}
	upstream := u.Host
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", upstream)
			if err != nil {
				_ = c.Close()
				continue
			}
			mu.Lock()
			conns = append(conns, c, up)
			mu.Unlock()
			go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
			go func() { _, _ = io.Copy(c, up); _ = c.Close() }()
		}
	}()
	var once sync.Once
	cut := func() {
		once.Do(func() {
			_ = ln.Close()
			mu.Lock()
			defer mu.Unlock()
			for _, c := range conns {
				_ = c.Close()
			}
		})
	}
	t.Cleanup(cut)
	u.Host = ln.Addr().String()
	return connect(t, u.String()), cut
}

func testStore(t testing.TB) (*Store, *mongo.Database) {
	t.Helper()
	db := testDB(t)
	return NewStore(db), db
}

func mustCreate(t testing.TB, s *Store, name string, roles ...Role) (Token, string) {
	t.Helper()
	tok, secret, err := s.Create(context.Background(), name, "test", roles)
	if err != nil {
		t.Fatalf("Create(%q): %v", name, err)
	}
	return tok, secret
}

// splitSecret returns the id and secret parts of "kept_<id>_<secret>".
func splitSecret(t testing.TB, presented string) (id, sec string) {
	t.Helper()
	rest, ok := strings.CutPrefix(presented, "kept_")
	if !ok {
		t.Fatalf("token %q lacks the kept_ prefix secret scanners look for", presented)
	}
	id, sec, ok = strings.Cut(rest, "_")
	if !ok || id == "" || sec == "" {
		t.Fatalf("token %q is not kept_<id>_<secret>", presented)
	}
	return id, sec
}

func TestCreateReturnsSecretThatVerifiesAndStoresOnlyAHash(t *testing.T) {
	ctx := context.Background()
	s, db := testStore(t)
	roles := []Role{{Kind: KindAgencyEditor, Org: "rcmp-grc"}, {Kind: KindWGMember, Plan: "ca-nap6", Commitment: "C01", Side: SideGovernment}}
	tok, presented, err := s.Create(ctx, "RCMP editor", "kept token create", roles)
	if err != nil {
		t.Fatal(err)
	}
	id, sec := splitSecret(t, presented)
	if id != tok.ID {
		t.Errorf("token string carries id %q, stored token has %q", id, tok.ID)
	}
	if len(sec) < 43 { // 32 random bytes, unpadded base64url
		t.Errorf("secret part %q is shorter than 256 bits", sec)
	}

	p, err := s.Verify(ctx, presented)
	if err != nil {
		t.Fatalf("Verify of a fresh token: %v", err)
	}
	if p.TokenID != tok.ID || p.Name != "RCMP editor" || len(p.Roles) != 2 || p.Roles[0] != roles[0] || p.Roles[1] != roles[1] {
		t.Errorf("principal = %+v, want the token's id, name and roles", p)
	}
	if !p.EditsFor("rcmp-grc") || len(p.Sides("ca-nap6", "C01")) != 1 {
		t.Errorf("principal lost its grants: %+v", p)
	}

	// The raw stored document must not contain the secret in any form.
	var raw bson.Raw
	if err := db.Collection("tokens").FindOne(ctx, bson.M{"_id": tok.ID}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{sec, presented, strings.TrimPrefix(presented, "kept_")} {
		if bytes.Contains(raw, []byte(leak)) {
			t.Fatalf("stored token document contains the secret %q", leak)
		}
		if strings.Contains(raw.String(), leak) {
			t.Fatalf("stored token document (as JSON) contains the secret %q", leak)
		}
	}
	sum := sha256.Sum256([]byte(sec))
	if got := raw.Lookup("hash").StringValue(); got != hex.EncodeToString(sum[:]) {
		t.Errorf("stored hash = %q, want the SHA-256 of the secret", got)
	}
	elems, err := raw.Elements()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range elems {
		keys = append(keys, e.Key())
	}
	if want := "_id,name,hash,roles,created_at,created_by"; strings.Join(keys, ",") != want {
		t.Errorf("stored fields = %v, want %s", keys, want)
	}
	if got := raw.Lookup("created_by").StringValue(); got != "kept token create" {
		t.Errorf("created_by = %q", got)
	}

	// Each token gets its own id and secret.
	tok2, presented2 := mustCreate(t, s, "second", Role{Kind: KindPoC})
	_, sec2 := splitSecret(t, presented2)
	if tok2.ID == tok.ID || sec2 == sec {
		t.Error("two tokens share an id or a secret")
	}
}

func TestCreateRefusesIncompleteRequestsAndStoresNothing(t *testing.T) {
	ctx := context.Background()
	s, db := testStore(t)
	cases := []struct {
		name  string
		roles []Role
		want  string
	}{
		{"", []Role{{Kind: KindAdmin}}, "token name is required"},
		{"   ", []Role{{Kind: KindAdmin}}, "token name is required"},
		{"no roles", nil, "at least one role"},
		{"bad role", []Role{{Kind: KindAdmin}, {Kind: KindAgencyEditor}}, "needs an organisation code"},
		{"unknown kind", []Role{{Kind: "root"}}, `unknown role kind "root"`},
	}
	for _, c := range cases {
		_, secret, err := s.Create(ctx, c.name, "test", c.roles)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Create(%q, %+v) error = %v, want it to mention %q", c.name, c.roles, err, c.want)
		}
		if secret != "" {
			t.Errorf("Create(%q) returned a secret with its error", c.name)
		}
	}
	n, err := db.Collection("tokens").CountDocuments(ctx, bson.M{})
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d tokens stored by refused requests", n)
	}
}

func TestVerifyRejectsBadTokensWithErrInvalidToken(t *testing.T) {
	ctx := context.Background()
	s, _ := testStore(t)
	_, good := mustCreate(t, s, "editor", Role{Kind: KindAgencyEditor, Org: "rcmp-grc"})
	id, sec := splitSecret(t, good)
	revokedTok, revoked := mustCreate(t, s, "revoked", Role{Kind: KindAdmin})
	if err := s.Revoke(ctx, revokedTok.ID); err != nil {
		t.Fatal(err)
	}
	_, other := mustCreate(t, s, "other", Role{Kind: KindAdmin})
	_, otherSec := splitSecret(t, other)

	flip := []byte(sec)
	if flip[0] == 'A' {
		flip[0] = 'B'
	} else {
		flip[0] = 'A'
	}
	cases := map[string]string{
		"wrong secret":            "kept_" + id + "_" + string(flip),
		"another token's secret":  "kept_" + id + "_" + otherSec,
		"secret with extra char":  good + "x",
		"truncated secret":        good[:len(good)-1],
		"unknown id":              "kept_01jzzzzzzzzzzzzzzzzzzzzzzz_" + sec,
		"revoked":                 revoked,
		"empty":                   "",
		"no prefix":               strings.TrimPrefix(good, "kept_"),
		"other prefix":            "ghp_" + strings.TrimPrefix(good, "kept_"),
		"prefix only":             "kept_",
		"no secret":               "kept_" + id,
		"empty secret":            "kept_" + id + "_",
		"empty id":                "kept__" + sec,
		"scheme left in":          "Bearer " + good,
		"upper-case prefix":       "KEPT_" + strings.TrimPrefix(good, "kept_"),
		"id case changed":         "kept_" + strings.ToUpper(id) + "_" + sec,
		"query injection attempt": `kept_{"$ne":""}_` + sec,
	}
	for name, tok := range cases {
		p, err := s.Verify(ctx, tok)
		if !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: Verify(%q) = %+v, %v; want ErrInvalidToken", name, tok, p, err)
		}
		if p != nil {
			t.Errorf("%s: Verify returned a principal with its error", name)
		}
	}
	// The good token still works after all that.
	if _, err := s.Verify(ctx, good); err != nil {
		t.Fatalf("good token: %v", err)
	}
}

// When MongoDB is down, Verify must fail with an error that is NOT
// ErrInvalidToken, so callers answer "try later" instead of telling a valid
// user their token is bad.
func TestVerifyDistinguishesAnOutageFromABadToken(t *testing.T) {
	t.Parallel() // waits out a 1s lookup deadline
	db, cut := outageDB(t)
	s := NewStore(db)
	_, good := mustCreate(t, s, "editor", Role{Kind: KindPoC})
	if _, err := s.Verify(context.Background(), good); err != nil {
		t.Fatalf("before the outage: %v", err)
	}
	cut()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := s.Verify(ctx, good)
	if err == nil || errors.Is(err, ErrInvalidToken) {
		t.Fatalf("Verify with MongoDB down = %v, want a lookup error other than ErrInvalidToken", err)
	}
}

func TestRevoke(t *testing.T) {
	ctx := context.Background()
	s, db := testStore(t)
	tok, presented := mustCreate(t, s, "temp", Role{Kind: KindPoC})
	when := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	s.now = func() time.Time { return when }
	if err := s.Revoke(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Verify(ctx, presented); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("revoked token verified: %v", err)
	}
	if err := s.Revoke(ctx, tok.ID); err != nil {
		t.Errorf("revoking twice: %v, want nil", err)
	}
	var got Token
	if err := db.Collection("tokens").FindOne(ctx, bson.M{"_id": tok.ID}).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if got.RevokedAt == nil || !got.RevokedAt.Equal(when) {
		t.Errorf("revoked_at = %v, want %v", got.RevokedAt, when)
	}
	err := s.Revoke(ctx, "01jnosuchtoken")
	if err == nil || !strings.Contains(err.Error(), "no such token") || !strings.Contains(err.Error(), "01jnosuchtoken") {
		t.Errorf("Revoke(unknown) = %v, want an error naming the id and saying there is no such token", err)
	}
}

func TestListNewestFirst(t *testing.T) {
	ctx := context.Background()
	s, _ := testStore(t)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var ids []string
	for i, name := range []string{"first", "second", "third"} {
		s.now = func() time.Time { return base.Add(time.Duration(i) * time.Hour) }
		tok, _ := mustCreate(t, s, name, Role{Kind: KindPoC})
		ids = append(ids, tok.ID)
	}
	s.now = func() time.Time { return base.Add(10 * time.Hour) }
	if err := s.Revoke(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	ts, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 3 {
		t.Fatalf("List returned %d tokens, want 3", len(ts))
	}
	for i, want := range []string{"third", "second", "first"} {
		if ts[i].Name != want {
			t.Errorf("List[%d] = %q, want %q (newest first)", i, ts[i].Name, want)
		}
	}
	if ts[1].RevokedAt == nil || ts[0].RevokedAt != nil || ts[2].RevokedAt != nil {
		t.Error("List must show which tokens are revoked")
	}
	if !ts[2].CreatedAt.Equal(base) {
		t.Errorf("created_at = %v, want %v", ts[2].CreatedAt, base)
	}
}
