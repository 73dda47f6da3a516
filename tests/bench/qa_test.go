package bench

import (
	"context"
	"flag"
	"io"
	"log/slog"

	"sort"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/kept-ogp/kept/services/devenv/ferret"
	"github.com/kept-ogp/kept/services/devenv/redisserver"
	"github.com/kept-ogp/kept/services/qa/qabench"
)

var (
	qaOpenLarge = flag.Int("qa-open", 200000, "open questions in the large checker run")
	qaRecompute = flag.Int("qa-recompute", 100000, "open questions recomputed after a calendar change")
)

// qaStores starts an embedded FerretDB and a redis-server for one benchmark.
func qaStores(b *testing.B) (*mongo.Client, *redis.Client) {
	b.Helper()
	ctx := context.Background()
	srv, err := ferret.Start(ctx, ferret.Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Stop)
	c, err := mongo.Connect(options.Client().ApplyURI(srv.URI()).SetServerSelectionTimeout(10 * time.Second))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Disconnect(ctx) })
	rs, err := redisserver.Start(ctx, false)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(rs.Stop)
	o, err := redis.ParseURL(rs.URL)
	if err != nil {
		b.Fatal(err)
	}
	rdb := redis.NewClient(o)
	b.Cleanup(func() { rdb.Close() })
	return c, rdb
}

// BenchmarkQADeadlines: due dates computed per second on one core (this
// benchmark runs in one goroutine) with a ten-year calendar.
func BenchmarkQADeadlines(b *testing.B) {
	cal, err := qabench.TenYearCalendar()
	if err != nil {
		b.Fatal(err)
	}
	const n = 2_000_000
	d, err := qabench.Deadlines(cal, n)
	if err != nil {
		b.Fatal(err)
	}
	perSec := n / d.Seconds()
	record(b, "due dates per second, one goroutine", perSec, "/s", ">= 1,000,000", ptr(perSec >= 1e6))
}

// BenchmarkQAChecker: one checker run with 100 questions due among 2,000
// open, then among 200,000 open, on FerretDB and Redis; three runs each,
// median. Goal: the large run at most twice the small one.
func BenchmarkQAChecker(b *testing.B) {
	client, rdb := qaStores(b)
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	asked := time.Date(2026, 3, 2, 10, 0, 0, 0, qabench.Taipei)
	checkAt := asked.Add(24 * time.Hour) // nothing of the seeded questions is due yet
	run := func(name string, open int) time.Duration {
		f, err := qabench.NewFixture(ctx, client.Database("bench_"+name), rdb, "bench:"+name+":", logger)
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if err := f.Seed(ctx, name+"-open", open, asked); err != nil {
			b.Fatal(err)
		}
		b.Logf("seeded %d open questions in %s", open, time.Since(t0).Round(time.Millisecond))
		var runs []time.Duration
		for i := 0; i < 3; i++ {
			d, sent, err := f.CheckRun(ctx, name+"-due-"+string(rune('a'+i)), 100, checkAt)
			if err != nil {
				b.Fatal(err)
			}
			if sent < 100 {
				b.Fatalf("%s: the run sent %d alerts for 100 questions due", name, sent)
			}
			runs = append(runs, d)
		}
		sort.Slice(runs, func(i, j int) bool { return runs[i] < runs[j] })
		return runs[1]
	}
	small := run("small", 2000)
	large := run("large", *qaOpenLarge)
	ratio := float64(large) / float64(small)
	record(b, "checker run, 100 due of 2,000 open", ms(small), "ms", "", nil)
	record(b, "checker run, 100 due of large open", ms(large), "ms", "", nil)
	record(b, "large / small", ratio, "ratio", "<= 2", ptr(ratio <= 2))
}

// BenchmarkQARecompute: a typhoon day declared for tomorrow moves the due
// date of every open question; time to recompute them all.
func BenchmarkQARecompute(b *testing.B) {
	client, rdb := qaStores(b)
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	f, err := qabench.NewFixture(ctx, client.Database("bench_recompute"), rdb, "bench:recompute:", logger)
	if err != nil {
		b.Fatal(err)
	}
	asked := time.Date(2026, 3, 2, 10, 0, 0, 0, qabench.Taipei)
	if err := f.Seed(ctx, "open", *qaRecompute, asked); err != nil {
		b.Fatal(err)
	}
	f.SetNow(asked.Add(time.Hour))
	d, moved, err := f.CalendarChange(ctx, 2026, time.March, 3)
	if err != nil {
		b.Fatal(err)
	}
	if moved != *qaRecompute {
		b.Fatalf("%d of %d questions moved", moved, *qaRecompute)
	}
	record(b, "recompute after a calendar change", d.Seconds(), "s", "", nil)
	record(b, "per question", float64(d.Microseconds())/float64(moved), "µs", "", nil)
}
