package api_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kept-ogp/kept/services/devenv/ferrettest"
	"github.com/kept-ogp/kept/services/devenv/redisserver"
)

// One embedded FerretDB and one redis-server serve the whole package; every
// test gets its own databases and Redis key prefix.
var (
	srv *ferrettest.Server
	rdb *redis.Client
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	rs, err := redisserver.Start(context.Background(), true)
	if err != nil {
		fmt.Fprintln(os.Stderr, "these tests need Redis:", err)
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
	return ferrettest.Run(m, &srv)
}

func newDB(t *testing.T, suffix string) *mongo.Database {
	t.Helper()
	return srv.NewDB(t, suffix)
}
