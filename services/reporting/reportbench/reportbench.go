// Package reportbench measures the SAR draft at scale: a plan of 100
// commitments with 10 milestones each, agreed updates in 8 periods and 5,000
// questions, built and written in every format and language. The lead's
// tests/bench can call Benchmark from a testing.B.
package reportbench

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kept-ogp/kept/services/reporting/internal/fixture"
	"github.com/kept-ogp/kept/services/reporting/internal/periods"
	"github.com/kept-ogp/kept/services/reporting/internal/readmodel"
	"github.com/kept-ogp/kept/services/reporting/internal/render"
	"github.com/kept-ogp/kept/services/reporting/internal/report"
)

// Size of the benchmark plan.
const (
	Commitments = 100
	Milestones  = 10
	Periods     = 8
	Questions   = 5000
)

// Budget is the goal for one full run.
const (
	MaxDuration = 5 * time.Second
	MaxHeapMB   = 300
)

var zone = time.FixedZone("Asia/Taipei", 8*3600)

// Plan is the benchmark plan, built in memory.
type Plan struct{ snap *readmodel.Snapshot }

// NewPlan builds the benchmark plan.
func NewPlan() *Plan {
	return &Plan{snap: fixture.Synthetic(Commitments, Milestones, Periods, Questions)}
}

// Generate builds the SAR draft in every language of the plan and writes it
// in every format, returning the size of each output ("en.html": bytes).
func (p *Plan) Generate() (map[string]int, error) {
	now := time.Date(2029, 6, 1, 0, 0, 0, 0, time.UTC)
	ps := periods.Default().List(p.snap.Plan.Start, p.snap.Plan.End, zone)
	out := map[string]int{}
	for _, lang := range p.snap.Plan.Languages {
		s := report.BuildSAR(p.snap, report.Sections{}, ps, lang, zone, now)
		r := render.Report{SAR: &s}
		for _, f := range render.Formats {
			b, err := render.Render(r, f, now, zone)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", lang, f, err)
			}
			out[lang+"."+f] = len(b)
		}
	}
	return out, nil
}

// peak samples the heap in use while it runs.
type peak struct {
	max  atomic.Uint64
	stop chan struct{}
	wg   sync.WaitGroup
}

func watch() *peak {
	p := &peak{stop: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > p.max.Load() {
				p.max.Store(ms.HeapInuse)
			}
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
		}
	}()
	return p
}

func (p *peak) done() uint64 {
	close(p.stop)
	p.wg.Wait()
	return p.max.Load()
}

// Measure runs Generate once and returns its duration and peak heap in use.
func Measure() (time.Duration, uint64, map[string]int, error) {
	plan := NewPlan()
	runtime.GC()
	w := watch()
	start := time.Now()
	sizes, err := plan.Generate()
	d := time.Since(start)
	return d, w.done(), sizes, err
}

// Benchmark reports ns/op for the SAR draft in every format and language,
// with the allocated MB per op (TotalAlloc) and the peak heap in use (MB).
func Benchmark(b *testing.B) {
	plan := NewPlan()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	w := watch()
	b.ResetTimer()
	for b.Loop() {
		if _, err := plan.Generate(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	peakHeap := w.done()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "MB-alloc/op")
	b.ReportMetric(float64(peakHeap)/(1<<20), "MB-peak-heap")
}
