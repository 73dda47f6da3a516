package ferret

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The embedded server must accept the driver's writes and reads, including the
// atomic findOneAndUpdate and the $pullAll the outbox relay depends on
// (FerretDB 1.24 ignores $pull with a condition, so the relay pulls exact values).
func TestStartServesMongoWireProtocol(t *testing.T) {
	ctx := context.Background()
	s, err := Start(ctx, Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	c, err := mongo.Connect(options.Client().ApplyURI(s.URI()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(ctx)
	coll := c.Database("t").Collection("c")
	if _, err := coll.InsertOne(ctx, bson.M{"_id": "a", "n": 1, "outbox": bson.A{}}); err != nil {
		t.Fatal(err)
	}
	var got bson.M
	err = coll.FindOneAndUpdate(ctx, bson.M{"_id": "a", "n": 1},
		bson.M{"$inc": bson.M{"n": 1}, "$push": bson.M{"outbox": bson.M{"id": "e1"}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&got)
	if err != nil {
		t.Fatal(err)
	}
	if got["n"].(int32) != 2 {
		t.Fatalf("n = %v, want 2", got["n"])
	}
	if _, err := coll.UpdateOne(ctx, bson.M{"_id": "a"}, bson.M{"$pullAll": bson.M{"outbox": bson.A{bson.M{"id": "e1"}}}}); err != nil {
		t.Fatalf("$pullAll: %v", err)
	}
	n, err := coll.CountDocuments(ctx, bson.M{"outbox.0": bson.M{"$exists": true}})
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("outbox not emptied: %d docs", n)
	}
}

// A lookup by _id, the one filter FerretDB pushes down to SQLite, is
// answered from an index on the expression the pushed-down query uses, not
// by scanning the collection's table.
func TestLookupsByIDUseAnIndex(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv, err := Start(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	c, err := mongo.Connect(options.Client().ApplyURI(srv.URI()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Disconnect(ctx) }()
	if _, err := c.Database("lookups").Collection("docs").InsertOne(ctx, bson.M{"_id": "a", "v": 1}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "lookups.sqlite")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxIdleConns(0) // a fresh connection reads the schema afresh
	var table string
	if err := db.QueryRow(`SELECT table_name FROM "_ferretdb_collections" WHERE name = 'docs'`).Scan(&table); err != nil {
		t.Fatal(err)
	}
	plan := func() string {
		rows, err := db.Query(fmt.Sprintf(`EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM %q WHERE _ferretdb_sjson->'$._id' = ?`, table), `"a"`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			out = append(out, detail)
		}
		return strings.Join(out, "; ")
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(plan(), "USING INDEX") {
		if time.Now().After(deadline) {
			t.Fatalf("lookups by _id still scan the table: %s", plan())
		}
		time.Sleep(100 * time.Millisecond)
	}
	// And the document is still found through it.
	var got bson.M
	if err := c.Database("lookups").Collection("docs").FindOne(ctx, bson.M{"_id": "a"}).Decode(&got); err != nil || got["v"] != int32(1) {
		t.Fatalf("find by _id: %v %v", got, err)
	}
}
