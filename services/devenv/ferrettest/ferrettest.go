// Package ferrettest gives a test package one embedded FerretDB and a fresh
// database per test, so package tests run against a real MongoDB wire server.
package ferrettest

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kept-ogp/kept/services/devenv/ferret"
)

// Server is the package's FerretDB and a client on it.
type Server struct {
	Client *mongo.Client
	seq    atomic.Int64
}

// Run starts FerretDB, stores it in *s, runs the tests and stops it; use it
// as os.Exit(ferrettest.Run(m, &srv)) in TestMain.
func Run(m *testing.M, s **Server) int {
	dir, err := os.MkdirTemp("", "kept-ferrettest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	srv, err := ferret.Start(ctx, ferret.Options{Dir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer srv.Stop()
	c, err := mongo.Connect(options.Client().ApplyURI(srv.URI()).SetServerSelectionTimeout(10 * time.Second))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = c.Disconnect(ctx) }()
	*s = &Server{Client: c}
	return m.Run()
}

var unsafeName = regexp.MustCompile(`[^a-zA-Z0-9]+`)

// NewDB returns a fresh database for t, dropped when t ends; parts are
// appended to its name when a test needs several.
func (s *Server) NewDB(t testing.TB, parts ...string) *mongo.Database {
	t.Helper()
	name := fmt.Sprintf("t%d_%s", s.seq.Add(1), unsafeName.ReplaceAllString(t.Name(), "_"))
	if len(name) > 40 {
		name = name[:40]
	}
	if len(parts) > 0 {
		name += "_" + strings.Join(parts, "_")
	}
	db := s.Client.Database(name)
	t.Cleanup(func() { _ = db.Drop(context.Background()) })
	return db
}
