package ferret

import (
	"context"
	"testing"

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
