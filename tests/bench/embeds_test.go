package bench

import (
	"context"
	"flag"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	dashboards "github.com/kept-ogp/kept/services/dashboards/app"
	"github.com/kept-ogp/kept/services/kit/config"
	"github.com/kept-ogp/kept/services/kit/httpserver"
	"github.com/kept-ogp/kept/services/kit/runtime"
	"github.com/kept-ogp/kept/tests/internal/cluster"
)

// BenchmarkEmbeds compares badge and widget throughput with a bare gin handler
// serving a fixed SVG of the same size, in the same process and run, under
// concurrent keep-alive clients (a small load tool inside the benchmark). Goals: badge/bare >= 0.7, 304/bare >= 0.9.
func BenchmarkEmbeds(b *testing.B) {
	c := cluster.Start(b)
	admin := c.Token(b, "admin", "admin")
	if r := cluster.Do(b, "POST", c.URLs["commitments"]+"/api/v1/plans/import?filename=p.csv", admin, cluster.RealPlan(b)); r.Status != 201 {
		b.Fatalf("import: %d %s", r.Status, r.Body)
	}
	cluster.Eventually(b, 30*time.Second, "dashboards to know the plan", func() bool {
		return cluster.Do(b, "GET", c.URLs["dashboards"]+"/badge/plans/ca-nap6/commitments/C01.svg", "", nil).Status == 200
	})

	// An in-process dashboards replica on the same read model, beside the bare handler.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := map[string]string{"MONGODB_URI": c.MongoURI, "REDIS_URL": c.RedisURL, "LOG_LEVEL": "error"}
	cfg, err := config.Load("bench", func(k string) string { return env[k] })
	if err != nil {
		b.Fatal(err)
	}
	p, err := runtime.Open(ctx, cfg, runtime.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close(context.Background())
	ds, err := dashboards.New(ctx, p.Deps(dashboards.Name, "kept_dashboards"))
	if err != nil {
		b.Fatal(err)
	}
	engine, err := p.Engine()
	if err != nil {
		b.Fatal(err)
	}
	ds.Routes(engine)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = httpserver.Serve(ctx, ln, engine, 5*time.Second, p.Logger) }()
	base := "http://" + ln.Addr().String()
	badgeURL := base + "/badge/plans/ca-nap6/commitments/C01.svg?lang=en"
	first := cluster.Do(b, "GET", badgeURL, "", nil)
	if first.Status != 200 {
		b.Fatalf("badge: %d", first.Status)
	}
	svg := first.Body
	engine.GET("/bench/bare.svg", func(c *gin.Context) { c.Data(http.StatusOK, "image/svg+xml", svg) })
	etag := first.Header.Get("ETag")

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxIdleConns: 256}}
	measure := func(url string, hdr map[string]string, want int) float64 {
		return load(b, client, url, hdr, want, *embedClients, *embedDuration)
	}
	// Interleave the runs so a noisy neighbour hits each variant alike.
	var bare, badge, notMod, widget []float64
	for round := 0; round < 3; round++ {
		bare = append(bare, measure(base+"/bench/bare.svg", nil, 200))
		badge = append(badge, measure(badgeURL, nil, 200))
		notMod = append(notMod, measure(badgeURL, map[string]string{"If-None-Match": etag}, 304))
		widget = append(widget, measure(base+"/embed/plans/ca-nap6/commitments/C01?lang=fr", nil, 200))
	}
	mb, mbad, m304, mw := median(bare), median(badge), median(notMod), median(widget)
	record(b, "bare gin fixed SVG", mb, "req/s", "", nil)
	record(b, "badge", mbad, "req/s", "", nil)
	record(b, "badge 304", m304, "req/s", "", nil)
	record(b, "widget", mw, "req/s", "", nil)
	record(b, "badge / bare", mbad/mb, "ratio", ">= 0.7", ptr(mbad/mb >= 0.7))
	record(b, "badge 304 / bare", m304/mb, "ratio", ">= 0.9", ptr(m304/mb >= 0.9))
	record(b, "widget / bare", mw/mb, "ratio", "", nil)
}

var (
	embedClients  = flag.Int("embed-clients", 8, "concurrent keep-alive clients in the embed benchmark")
	embedDuration = flag.Duration("embed-duration", 2*time.Second, "length of each embed measurement")
)

// load runs clients for d against url and returns completed requests per second.
func load(b *testing.B, client *http.Client, url string, hdr map[string]string, want, clients int, d time.Duration) float64 {
	var total atomic.Int64
	var wg sync.WaitGroup
	stop := time.Now().Add(d)
	start := time.Now()
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				req, _ := http.NewRequest("GET", url, nil)
				for k, v := range hdr {
					req.Header.Set(k, v)
				}
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want {
					b.Errorf("%s: %d, want %d", url, resp.StatusCode, want)
					return
				}
				total.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(total.Load()) / time.Since(start).Seconds()
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}
