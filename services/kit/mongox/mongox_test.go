package mongox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/kept-ogp/kept/services/devenv/ferret"
)

func TestConnectPingAndErrorHelpers(t *testing.T) {
	ctx := context.Background()
	s, err := ferret.Start(ctx, ferret.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	c, err := Connect(ctx, s.URI())
	if err == nil {
		// The services pick their write strategy from this answer.
		if ferret, ferr := IsFerretDB(ctx, c); ferr != nil || !ferret {
			t.Fatalf("IsFerretDB on FerretDB = %v, %v", ferret, ferr)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(ctx)
	if err := Ping(c)(ctx); err != nil {
		t.Errorf("readiness check on a live server: %v", err)
	}

	coll := c.Database("kept_test").Collection("plans")
	if _, err := coll.InsertOne(ctx, bson.M{"_id": "ca-nap6"}); err != nil {
		t.Fatal(err)
	}
	_, err = coll.InsertOne(ctx, bson.M{"_id": "ca-nap6"})
	if !IsDuplicateKey(err) {
		t.Errorf("IsDuplicateKey(%v) = false for a second insert of one _id", err)
	}
	if IsNotFound(err) {
		t.Error("a duplicate key is not 'not found'")
	}
	err = coll.FindOne(ctx, bson.M{"_id": "us-nap5"}).Err()
	if !IsNotFound(err) {
		t.Errorf("IsNotFound(%v) = false for a missing document", err)
	}
	if IsDuplicateKey(err) || IsDuplicateKey(nil) || IsNotFound(nil) {
		t.Error("helpers must be false for unrelated errors and nil")
	}
	if !IsNotFound(mongo.ErrNoDocuments) {
		t.Error("IsNotFound(ErrNoDocuments) = false")
	}
}

func TestConnectReportsBadURIAndUnreachableServer(t *testing.T) {
	ctx := context.Background()
	if _, err := Connect(ctx, "postgres://localhost/kept"); err == nil || !strings.Contains(err.Error(), "mongodb connect") {
		t.Errorf("Connect with a non-MongoDB URI = %v, want a mongodb connect error", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, err := Connect(cctx, "mongodb://"+addr+"/"); err == nil || !strings.Contains(err.Error(), "mongodb ping") {
		t.Errorf("Connect to a closed port = %v, want a mongodb ping error", err)
	}
}

// A lock wait that ran out is "busy" (503, try again), not a server fault.
func TestIsBusy(t *testing.T) {
	busy := errors.New("(InternalError) [db.go:134 fsql.(*DB).InTransaction] database is locked (5) (SQLITE_BUSY)")
	if !IsBusy(busy) || !IsBusy(fmt.Errorf("save update: %w", context.DeadlineExceeded)) {
		t.Fatal("busy errors not recognised")
	}
	if IsBusy(nil) || IsBusy(errors.New("duplicate key")) {
		t.Fatal("other errors taken for busy")
	}
}
