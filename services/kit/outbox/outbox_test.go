package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"google.golang.org/protobuf/proto"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/devenv/ferret"
	"github.com/kept-ogp/kept/services/devenv/redisserver"
	"github.com/kept-ogp/kept/services/kit/stream"
)

// Shared by every test of the package; each test uses its own collection and
// stream key.
var (
	mongoURI string
	redisURL string
)

func TestMain(m *testing.M) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "kept-outbox-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fs, err := ferret.Start(ctx, ferret.Options{Dir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, "outbox tests need FerretDB:", err)
		os.Exit(1)
	}
	rs, err := redisserver.Start(ctx, true)
	if err != nil {
		fs.Stop()
		fmt.Fprintln(os.Stderr, "outbox tests need Redis:", err)
		os.Exit(1)
	}
	mongoURI, redisURL = fs.URI(), rs.URL
	code := m.Run()
	rs.Stop()
	fs.Stop()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

type env struct {
	coll   *mongo.Collection
	rdb    *redis.Client
	stream string
	pub    *stream.Publisher
}

var seq atomic.Int64

func setup(t *testing.T) env {
	t.Helper()
	mc, err := mongo.Connect(options.Client().ApplyURI(mongoURI).SetServerSelectionTimeout(5 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mc.Disconnect(context.Background()) })
	n := seq.Add(1)
	coll := mc.Database("kept_outbox_test").Collection(fmt.Sprintf("docs_%s_%d", strings.ReplaceAll(t.Name(), "/", "_"), n))
	rdb := newRedis(t)
	key := fmt.Sprintf("test:outbox:%s:%d:%d", t.Name(), n, time.Now().UnixNano())
	return env{coll: coll, rdb: rdb, stream: key, pub: stream.NewPublisher(rdb, key, 1000)}
}

func newRedis(t *testing.T) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(discard{}, nil)) }

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// newEntries returns outbox entries for events on aggregate, versions 1..n.
func newEntries(t *testing.T, aggregate string, n int) ([]Entry, []*eventsv1.Envelope) {
	t.Helper()
	var es []Entry
	var envs []*eventsv1.Envelope
	for i := range n {
		e := stream.NewEnvelope(context.Background(), "commitments", fmt.Sprintf("commitments.plan.step%d", i+1), aggregate, int64(i+1))
		entry, err := NewEntry(e)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, entry)
		envs = append(envs, e)
	}
	return es, envs
}

// insert stores a document the way a service's atomic write leaves it: its
// own fields plus the pending events.
func (e env) insert(t *testing.T, id string, entries []Entry) {
	t.Helper()
	if entries == nil {
		entries = []Entry{}
	}
	doc := bson.D{{Key: "_id", Value: id}, {Key: "title", Value: "Plan " + id}, {Key: Field, Value: entries},
		{Key: "version", Value: int64(len(entries))}, {Key: "tags", Value: bson.A{"a", "b"}}}
	if _, err := e.coll.InsertOne(context.Background(), doc); err != nil {
		t.Fatal(err)
	}
}

// published returns the envelopes on the stream, oldest first.
func (e env) published(t *testing.T) []*eventsv1.Envelope {
	t.Helper()
	msgs, err := e.rdb.XRange(context.Background(), e.stream, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	var out []*eventsv1.Envelope
	for _, m := range msgs {
		raw, _ := m.Values[stream.FieldEnvelope].(string)
		env := &eventsv1.Envelope{}
		if err := proto.Unmarshal([]byte(raw), env); err != nil {
			t.Fatalf("stream entry %s is not an envelope: %v", m.ID, err)
		}
		if m.Values[stream.FieldType] != env.GetType() {
			t.Errorf("stream entry %s type field %v, envelope type %s", m.ID, m.Values[stream.FieldType], env.GetType())
		}
		out = append(out, env)
	}
	return out
}

// pending returns the ids of the entries still in a document's outbox.
func (e env) pending(t *testing.T, id string) []string {
	t.Helper()
	var doc struct {
		Outbox []Entry `bson:"outbox"`
	}
	if err := e.coll.FindOne(context.Background(), bson.M{"_id": id}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, en := range doc.Outbox {
		ids = append(ids, en.ID)
	}
	return ids
}

func ids(envs []*eventsv1.Envelope) []string {
	out := []string{}
	for _, e := range envs {
		out = append(out, e.GetId())
	}
	return out
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestNewEntryRoundTrips(t *testing.T) {
	e := stream.NewEnvelope(context.Background(), "updates", "updates.update.changed", "u1", 7)
	entry, err := NewEntry(e)
	if err != nil {
		t.Fatal(err)
	}
	if entry.ID != e.GetId() || entry.Type != "updates.update.changed" {
		t.Errorf("entry = %s %s, want the envelope's id and type", entry.ID, entry.Type)
	}
	got := &eventsv1.Envelope{}
	if err := proto.Unmarshal(entry.Env, got); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got, e) {
		t.Errorf("decoded envelope %v, want %v", got, e)
	}
}

func TestDrainPublishesInOrderAndEmptiesOutbox(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	entries, envs := newEntries(t, "ca-nap6", 2)
	e.insert(t, "ca-nap6", entries)
	e.insert(t, "quiet", nil) // nothing pending: untouched, nothing published
	var before bson.D
	if err := e.coll.FindOne(ctx, bson.M{"_id": "ca-nap6"}).Decode(&before); err != nil {
		t.Fatal(err)
	}

	r := NewRelay(e.coll, e.pub, time.Hour, quietLogger())
	if err := r.Drain(ctx); err != nil {
		t.Fatal(err)
	}

	got := e.published(t)
	if want := ids(envs); fmt.Sprint(ids(got)) != fmt.Sprint(want) {
		t.Fatalf("stream holds %v, want %v in write order", ids(got), want)
	}
	for i := range envs {
		if !proto.Equal(got[i], envs[i]) {
			t.Errorf("event %d changed on the way: got %v, want %v", i, got[i], envs[i])
		}
	}
	if p := e.pending(t, "ca-nap6"); len(p) != 0 {
		t.Errorf("outbox still holds %v", p)
	}
	var after bson.D
	if err := e.coll.FindOne(ctx, bson.M{"_id": "ca-nap6"}).Decode(&after); err != nil {
		t.Fatal(err)
	}
	without := func(d bson.D) (rest bson.D, outbox any) {
		for _, el := range d {
			if el.Key == Field {
				outbox = el.Value
				continue
			}
			rest = append(rest, el)
		}
		return rest, outbox
	}
	before, _ = without(before)
	after, ob := without(after)
	if a, ok := ob.(bson.A); !ok || len(a) != 0 {
		t.Errorf("outbox field = %#v, want an empty array", ob)
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("other fields changed:\nbefore %v\nafter  %v", before, after)
	}

	// A second pass has nothing to send: no duplicates.
	if err := r.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(e.published(t)); n != 2 {
		t.Errorf("stream has %d entries after a second pass, want 2", n)
	}
}

func TestDrainCoversManyDocuments(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	var want []string
	for i := range 5 {
		entries, envs := newEntries(t, fmt.Sprintf("plan-%d", i), 3)
		e.insert(t, fmt.Sprintf("plan-%d", i), entries)
		want = append(want, ids(envs)...)
	}
	r := NewRelay(e.coll, e.pub, time.Hour, quietLogger())
	if err := r.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	got := e.published(t)
	if len(got) != len(want) {
		t.Fatalf("published %d events, want %d", len(got), len(want))
	}
	// Per aggregate, versions arrive in order.
	last := map[string]int64{}
	for _, g := range got {
		if g.GetAggregateVersion() != last[g.GetAggregateId()]+1 {
			t.Errorf("%s: version %d after %d", g.GetAggregateId(), g.GetAggregateVersion(), last[g.GetAggregateId()])
		}
		last[g.GetAggregateId()] = g.GetAggregateVersion()
	}
	n, err := e.coll.CountDocuments(ctx, bson.M{Field + ".0": bson.M{"$exists": true}})
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d documents still have pending events", n)
	}
}

func TestFlushSendsOneDocument(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	a, aEnvs := newEntries(t, "a", 2)
	b, _ := newEntries(t, "b", 1)
	e.insert(t, "a", a)
	e.insert(t, "b", b)
	r := NewRelay(e.coll, e.pub, time.Hour, quietLogger())
	if err := r.Flush(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if got := ids(e.published(t)); fmt.Sprint(got) != fmt.Sprint(ids(aEnvs)) {
		t.Errorf("Flush(a) published %v, want only a's events %v", got, ids(aEnvs))
	}
	if p := e.pending(t, "a"); len(p) != 0 {
		t.Errorf("a still has %v pending", p)
	}
	if p := e.pending(t, "b"); len(p) != 1 {
		t.Errorf("Flush(a) touched b: pending %v", p)
	}
	if err := r.Flush(ctx, "no-such-doc"); err != nil {
		t.Errorf("Flush of a missing document = %v, want nil (it may have been deleted)", err)
	}
	if err := r.Flush(ctx, "a"); err != nil {
		t.Errorf("Flush with nothing pending = %v", err)
	}
	if n := len(e.published(t)); n != 2 {
		t.Errorf("stream has %d entries, want 2", n)
	}
}

// flakyPublisher forwards to a real stream publisher but fails the calls
// listed in failOn (1-based), as a Redis hiccup would.
type flakyPublisher struct {
	next   Publisher
	mu     sync.Mutex
	calls  int
	failOn map[int]bool
}

func (f *flakyPublisher) Publish(ctx context.Context, env *eventsv1.Envelope) (string, error) {
	f.mu.Lock()
	f.calls++
	fail := f.failOn[f.calls]
	f.mu.Unlock()
	if fail {
		return "", errors.New("redis: connection reset by peer")
	}
	return f.next.Publish(ctx, env)
}

func TestPublishFailureLeavesUnsentEntriesForTheNextPass(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	entries, envs := newEntries(t, "ca-nap6", 3)
	e.insert(t, "ca-nap6", entries)
	pub := &flakyPublisher{next: e.pub, failOn: map[int]bool{2: true}}
	r := NewRelay(e.coll, pub, time.Hour, quietLogger())

	err := r.Drain(ctx)
	if err == nil {
		t.Fatal("Drain hid a publish failure")
	}
	if !strings.Contains(err.Error(), envs[1].GetId()) {
		t.Errorf("error %q does not name the event that failed (%s)", err, envs[1].GetId())
	}
	if got := ids(e.published(t)); fmt.Sprint(got) != fmt.Sprint(ids(envs[:1])) {
		t.Fatalf("after the failure the stream holds %v, want only the first event", got)
	}
	// The failed entry and everything after it stay, in order: nothing is
	// lost and later versions do not overtake an unsent earlier one.
	if got, want := e.pending(t, "ca-nap6"), ids(envs[1:]); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("outbox holds %v, want %v", got, want)
	}

	if err := r.Drain(ctx); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if got := ids(e.published(t)); fmt.Sprint(got) != fmt.Sprint(ids(envs)) {
		t.Fatalf("after the retry the stream holds %v, want %v exactly once each, in order", got, ids(envs))
	}
	if p := e.pending(t, "ca-nap6"); len(p) != 0 {
		t.Errorf("outbox still holds %v", p)
	}
}

func TestRedisDownLeavesOutboxIntact(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	entries, envs := newEntries(t, "ca-nap6", 2)
	e.insert(t, "ca-nap6", entries)

	dead := newRedis(t)
	_ = dead.Close()
	r := NewRelay(e.coll, stream.NewPublisher(dead, e.stream, 1000), time.Hour, quietLogger())
	if err := r.Drain(ctx); err == nil {
		t.Fatal("Drain with a closed Redis client reported success")
	}
	if err := r.Flush(ctx, "ca-nap6"); err == nil {
		t.Fatal("Flush with a closed Redis client reported success")
	}
	if got := e.pending(t, "ca-nap6"); fmt.Sprint(got) != fmt.Sprint(ids(envs)) {
		t.Fatalf("outbox holds %v after failed passes, want %v", got, ids(envs))
	}

	// Once Redis is reachable again the events go out.
	r2 := NewRelay(e.coll, e.pub, time.Hour, quietLogger())
	if err := r2.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ids(e.published(t)); fmt.Sprint(got) != fmt.Sprint(ids(envs)) {
		t.Fatalf("stream holds %v, want %v", got, ids(envs))
	}
	if p := e.pending(t, "ca-nap6"); len(p) != 0 {
		t.Errorf("outbox still holds %v", p)
	}
}

// One document with an undecodable entry must not stop the others.
func TestBrokenEntryDoesNotBlockOtherDocuments(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	good, goodEnvs := newEntries(t, "good", 2)
	e.insert(t, "good", good)
	e.insert(t, "broken", []Entry{{ID: "01BROKEN", Type: "x", Env: []byte{0xff, 0xff, 0xff}}})
	r := NewRelay(e.coll, e.pub, time.Hour, quietLogger())
	err := r.Drain(ctx)
	if err == nil || !strings.Contains(err.Error(), "01BROKEN") {
		t.Errorf("Drain error = %v, want one naming the broken entry", err)
	}
	if got := ids(e.published(t)); fmt.Sprint(got) != fmt.Sprint(ids(goodEnvs)) {
		t.Errorf("stream holds %v, want the good document's events %v", got, ids(goodEnvs))
	}
	if p := e.pending(t, "good"); len(p) != 0 {
		t.Errorf("good document still holds %v", p)
	}
	if p := e.pending(t, "broken"); len(p) != 1 {
		t.Errorf("broken entry dropped silently: pending %v", p)
	}
}

type runHandle struct {
	cancel context.CancelFunc
	done   chan error
}

func startRun(t *testing.T, r *Relay) *runHandle {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h := &runHandle{cancel: cancel, done: make(chan error, 1)}
	go func() { h.done <- r.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-h.done:
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	return h
}

func (h *runHandle) stop(t *testing.T) error {
	t.Helper()
	h.cancel()
	select {
	case err := <-h.done:
		h.done <- err // for the cleanup
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s of cancel")
		return nil
	}
}

func TestRunPublishesOnWakeAndStopsOnCancel(t *testing.T) {
	e := setup(t)
	first, firstEnvs := newEntries(t, "first", 1)
	e.insert(t, "first", first)
	// The tick is an hour away: anything published after the first pass was
	// published because of Wake.
	r := NewRelay(e.coll, e.pub, time.Hour, quietLogger())
	h := startRun(t, r)

	// Run makes a pass as soon as it starts, picking up what a crash left.
	waitFor(t, 5*time.Second, "the first pass", func() bool { return len(e.published(t)) == 1 })
	if got := ids(e.published(t)); got[0] != firstEnvs[0].GetId() {
		t.Fatalf("first pass published %v", got)
	}
	waitFor(t, 5*time.Second, "the first outbox to empty", func() bool { return len(e.pending(t, "first")) == 0 })

	second, secondEnvs := newEntries(t, "second", 2)
	e.insert(t, "second", second)
	r.Wake()
	r.Wake() // waking twice before the relay looks is harmless
	waitFor(t, 5*time.Second, "the woken pass", func() bool { return len(e.published(t)) == 3 })
	if got := ids(e.published(t)); fmt.Sprint(got[1:]) != fmt.Sprint(ids(secondEnvs)) {
		t.Errorf("woken pass published %v, want %v", got[1:], ids(secondEnvs))
	}
	waitFor(t, 5*time.Second, "the second outbox to empty", func() bool { return len(e.pending(t, "second")) == 0 })

	if err := h.stop(t); err != nil {
		t.Errorf("Run returned %v on cancel, want nil", err)
	}
}

type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A failed pass is logged and retried on the next tick; Run keeps going.
func TestRunRetriesAfterAFailedPass(t *testing.T) {
	e := setup(t)
	entries, envs := newEntries(t, "ca-nap6", 2)
	e.insert(t, "ca-nap6", entries)
	var logs logBuffer
	pub := &flakyPublisher{next: e.pub, failOn: map[int]bool{1: true}}
	r := NewRelay(e.coll, pub, 20*time.Millisecond, slog.New(slog.NewJSONHandler(&logs, nil)))
	h := startRun(t, r)
	waitFor(t, 5*time.Second, "the retry to publish both events", func() bool { return len(e.published(t)) == 2 })
	if got := ids(e.published(t)); fmt.Sprint(got) != fmt.Sprint(ids(envs)) {
		t.Errorf("stream holds %v, want %v", got, ids(envs))
	}
	waitFor(t, 5*time.Second, "the outbox to empty", func() bool { return len(e.pending(t, "ca-nap6")) == 0 })
	if err := h.stop(t); err != nil {
		t.Errorf("Run returned %v", err)
	}
	out := logs.String()
	if !strings.Contains(out, "outbox relay pass failed") || !strings.Contains(out, e.coll.Name()) {
		t.Errorf("failed pass not logged with its collection; logs:\n%s", out)
	}
}

// hookPublisher runs before once, on the first Publish call.
type hookPublisher struct {
	next   Publisher
	once   sync.Once
	before func()
}

func (h *hookPublisher) Publish(ctx context.Context, env *eventsv1.Envelope) (string, error) {
	h.once.Do(h.before)
	return h.next.Publish(ctx, env)
}

// A write that lands while the relay is publishing must keep its event: the
// relay removes only what it sent.
func TestEventWrittenDuringAPassIsNotLost(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	entries, envs := newEntries(t, "ca-nap6", 1)
	e.insert(t, "ca-nap6", entries)
	late, lateEnvs := newEntries(t, "ca-nap6", 1)
	pub := &hookPublisher{next: e.pub, before: func() {
		_, err := e.coll.UpdateOne(ctx, bson.M{"_id": "ca-nap6"},
			bson.M{"$push": bson.M{Field: late[0]}, "$set": bson.M{"title": "renamed"}})
		if err != nil {
			t.Error(err)
		}
	}}
	r := NewRelay(e.coll, pub, time.Hour, quietLogger())
	if err := r.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.pending(t, "ca-nap6"); fmt.Sprint(got) != fmt.Sprint(ids(lateEnvs)) {
		t.Fatalf("outbox holds %v after the pass, want the late event %v", got, ids(lateEnvs))
	}
	if err := r.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	want := append(ids(envs), ids(lateEnvs)...)
	if got := ids(e.published(t)); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("stream holds %v, want %v", got, want)
	}
	var doc struct {
		Title string `bson:"title"`
	}
	if err := e.coll.FindOne(ctx, bson.M{"_id": "ca-nap6"}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.Title != "renamed" {
		t.Errorf("the relay overwrote a concurrent write: title %q", doc.Title)
	}
}
