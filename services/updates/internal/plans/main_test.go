package plans

import (
	"os"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kept-ogp/kept/services/devenv/ferrettest"
)

// One embedded FerretDB serves the whole package; every test gets its own
// database on it.
var fdb *ferrettest.Server

func TestMain(m *testing.M) { os.Exit(ferrettest.Run(m, &fdb)) }

// newDB returns a fresh database for t on the package's FerretDB.
func newDB(t *testing.T) *mongo.Database { return fdb.NewDB(t) }
