package readmodel

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kept-ogp/kept/services/devenv/ferret"
)

// One embedded FerretDB serves the whole package; every test gets its own
// database on it.
var (
	client *mongo.Client
	dbSeq  atomic.Int64
)

func TestMain(m *testing.M) { os.Exit(runWithFerret(m)) }

func runWithFerret(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kept-dashboards-readmodel-")
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
	client = c
	return m.Run()
}

var unsafeName = regexp.MustCompile(`[^a-zA-Z0-9]+`)

// newDB returns a fresh database for t on the package's FerretDB.
func newDB(t *testing.T) *mongo.Database {
	t.Helper()
	name := fmt.Sprintf("t%d_%s", dbSeq.Add(1), unsafeName.ReplaceAllString(t.Name(), "_"))
	if len(name) > 48 {
		name = name[:48]
	}
	db := client.Database(name)
	t.Cleanup(func() { _ = db.Drop(context.Background()) })
	return db
}
