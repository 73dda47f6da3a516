package api_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kept-ogp/kept/services/devenv/ferret"
	"github.com/kept-ogp/kept/services/devenv/redisserver"
)

// One embedded FerretDB and one redis-server serve the whole package; every
// test gets its own databases and Redis key prefix.
var (
	client *mongo.Client
	rdb    *redis.Client
	dbSeq  atomic.Int64
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kept-reporting-api-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	srv, err := ferret.Start(ctx, ferret.Options{Dir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, "reporting api tests need FerretDB:", err)
		return 1
	}
	defer srv.Stop()
	rs, err := redisserver.Start(ctx, true)
	if err != nil {
		fmt.Fprintln(os.Stderr, "reporting api tests need Redis:", err)
		return 1
	}
	defer rs.Stop()
	o, err := redis.ParseURL(rs.URL)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	rdb = redis.NewClient(o)
	defer rdb.Close()
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

func newDB(t *testing.T, suffix string) *mongo.Database {
	t.Helper()
	name := fmt.Sprintf("t%d_%s", dbSeq.Add(1), unsafeName.ReplaceAllString(t.Name(), "_"))
	if len(name) > 40 {
		name = name[:40]
	}
	db := client.Database(name + "_" + suffix)
	t.Cleanup(func() { _ = db.Drop(context.Background()) })
	return db
}
