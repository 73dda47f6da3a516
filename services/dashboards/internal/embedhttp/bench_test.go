package embedhttp

import (
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/gin-gonic/gin"
)

// discardWriter is a ResponseWriter with no recording cost, so the
// benchmarks measure the handlers rather than httptest.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

var benchSVG = []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="272" height="20" viewBox="0 0 272 20" role="img" aria-label="OGP commitment C01: On track · Substantial" xml:lang="en"><title>OGP commitment C01: On track · Substantial</title><rect width="272" height="20" rx="3" fill="#1a7f37"/><rect width="135" height="20" rx="3" fill="#3b434b"/><rect x="132" width="3" height="20" fill="#3b434b"/><g font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11" text-anchor="middle"><text x="67.5" y="14" fill="#fff" textLength="123">OGP commitment C01</text><text x="203.5" y="14" fill="#fff" textLength="125">On track · Substantial</text></g></svg>`)

func benchEngine() *gin.Engine {
	r := gin.New()
	r.GET("/bare", func(c *gin.Context) { c.Data(http.StatusOK, "image/svg+xml", benchSVG) })
	cached := NewCached("image/svg+xml", benchSVG)
	r.GET("/cached", func(c *gin.Context) { ServeCached(c, cached) })
	r.GET("/hashed", func(c *gin.Context) { Serve(c, "image/svg+xml", benchSVG) })
	embed := r.Group("/embed", FrameAncestors([]string{"https://a.gc.ca", "https://*.canada.ca"}))
	embed.GET("/cached", func(c *gin.Context) { ServeCached(c, cached) })
	return r
}

func run(b *testing.B, path string, wantCode int, header ...string) {
	r := benchEngine()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := &discardWriter{h: make(http.Header)}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		r.ServeHTTP(w, req)
	}
	if w.code != wantCode {
		b.Fatalf("status %d, want %d", w.code, wantCode)
	}
}

func BenchmarkBare(b *testing.B)         { run(b, "/bare", http.StatusOK) }
func BenchmarkServeCached(b *testing.B)  { run(b, "/cached", http.StatusOK) }
func BenchmarkServeHashing(b *testing.B) { run(b, "/hashed", http.StatusOK) }
func BenchmarkEmbedCached(b *testing.B)  { run(b, "/embed/cached", http.StatusOK) }
func BenchmarkServeCached304(b *testing.B) {
	run(b, "/cached", http.StatusNotModified, "If-None-Match", `"other", `+ETag(benchSVG))
}

// TestThroughputRatios checks the targets in the package doc. Timing is
// noisy on shared machines, so it runs only when KEPT_BENCH_RATIO is set.
func TestThroughputRatios(t *testing.T) {
	if os.Getenv("KEPT_BENCH_RATIO") == "" {
		t.Skip("set KEPT_BENCH_RATIO=1 to compare against the bare handler")
	}
	bare := testing.Benchmark(BenchmarkBare).NsPerOp()
	for _, c := range []struct {
		name string
		fn   func(*testing.B)
		min  float64
	}{
		{"ServeCached 200", BenchmarkServeCached, 0.7},
		{"embed route 200", BenchmarkEmbedCached, 0.7},
		{"ServeCached 304", BenchmarkServeCached304, 0.9},
	} {
		ns := testing.Benchmark(c.fn).NsPerOp()
		ratio := float64(bare) / float64(ns)
		t.Logf("%s: %d ns/op, bare %d ns/op, throughput ratio %.2f", c.name, ns, bare, ratio)
		if ratio < c.min {
			t.Errorf("%s: ratio %.2f below %.2f", c.name, ratio, c.min)
		}
	}
}
