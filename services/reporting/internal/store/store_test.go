package store_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/kept-ogp/kept/services/devenv/ferrettest"
	"github.com/kept-ogp/kept/services/reporting/internal/store"
)

var fdb *ferrettest.Server

func TestMain(m *testing.M) { os.Exit(ferrettest.Run(m, &fdb)) }

var now = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)

func TestVersionsAreNumberedByContent(t *testing.T) {
	ctx := context.Background()
	db := fdb.NewDB(t)
	st := store.New(db)
	rec := func(content string) (*store.Version, bool) {
		t.Helper()
		v, created, err := st.Record(ctx, "p", store.KindSAR, "", "en", []byte(content), "h-"+content, now)
		if err != nil {
			t.Fatal(err)
		}
		return v, created
	}
	if v, created := rec("a"); !created || v.VID != "sar-en-v1" {
		t.Fatalf("first = %s %v", v.VID, created)
	}
	if v, created := rec("a"); created || v.VID != "sar-en-v1" {
		t.Fatalf("same content = %s %v", v.VID, created)
	}
	if v, created := rec("b"); !created || v.VID != "sar-en-v2" {
		t.Fatalf("new content = %s %v", v.VID, created)
	}
	// A back-and-forth is a new version too: every version is kept.
	if v, _ := rec("a"); v.VID != "sar-en-v3" {
		t.Fatalf("old content again = %s", v.VID)
	}
	// A lost head write (crash after the insert) neither overwrites nor
	// duplicates a version.
	if _, err := db.Collection("version_heads").DeleteMany(ctx, bson.M{}); err != nil {
		t.Fatal(err)
	}
	if v, created := rec("c"); !created || v.VID != "sar-en-v4" {
		t.Fatalf("after a lost head = %s %v", v.VID, created)
	}
	old, err := st.Version(ctx, "p", "sar-en-v1")
	if err != nil || string(old.Content) != "a" {
		t.Fatalf("v1 = %v %v", old, err)
	}
	if _, err := st.Publish(ctx, "p", "sar-en-v2", "poc", map[string]string{"html": "x"}, false, now); err != nil {
		t.Fatal(err)
	}
	_, err = st.Publish(ctx, "p", "sar-en-v2", "poc", nil, false, now.Add(time.Hour))
	var pe *store.PublishedError
	if !errors.As(err, &pe) || !errors.Is(err, store.ErrPublished) || !pe.At.Equal(now) {
		t.Fatalf("second publish = %v", err)
	}
	pub, err := st.Published(ctx, "p")
	if err != nil || len(pub) != 1 || pub[0].VID != "sar-en-v2" || pub[0].Files["html"] != "x" {
		t.Fatalf("published = %+v %v", pub, err)
	}
}

func TestConsultationDates(t *testing.T) {
	ctx := context.Background()
	tp, _ := time.LoadLocation("Asia/Taipei")
	_, err := store.NewConsultation(ctx, "p", "sar-en-v1", "en", "2026-07-01", "2026-07-28", "poc", tp, now)
	var de *store.DurationError
	if !errors.As(err, &de) || de.Earliest != "2026-07-29" || !strings.Contains(err.Error(), "2026-07-01") || !strings.Contains(err.Error(), "2026-07-28") {
		t.Fatalf("27 days = %v", err)
	}
	c, err := store.NewConsultation(ctx, "p", "sar-en-v1", "en", "2026-07-01", "2026-07-29", "poc", tp, now)
	if err != nil {
		t.Fatal(err)
	}
	if !c.OpensAt.Equal(time.Date(2026, 6, 30, 16, 0, 0, 0, time.UTC)) || !c.ClosesAt.Equal(time.Date(2026, 7, 29, 16, 0, 0, 0, time.UTC)) {
		t.Fatalf("window %s to %s, want local midnights", c.OpensAt, c.ClosesAt)
	}
	if !c.Open(time.Date(2026, 7, 29, 23, 59, 0, 0, tp)) || c.Open(time.Date(2026, 7, 30, 0, 0, 0, 0, tp)) || c.Open(time.Date(2026, 6, 30, 23, 59, 0, 0, tp)) {
		t.Fatal("open/closed at the wrong local times")
	}
	for _, bad := range [][2]string{{"01/07/2026", "2026-08-01"}, {"2026-07-01", "August"}} {
		if _, err := store.NewConsultation(ctx, "p", "v", "en", bad[0], bad[1], "poc", tp, now); err == nil {
			t.Fatalf("%v accepted", bad)
		}
	}
	if _, err := store.NewConsultation(ctx, "p", "v", "en", "x", "2026-08-01", "poc", tp, now); err == nil || !strings.Contains(err.Error(), "opens") {
		t.Fatalf("bad opens = %v", err)
	}
}
