package reportbench

import (
	"testing"
)

func BenchmarkSARAllFormats(b *testing.B) { Benchmark(b) }

// TestBudget holds the goal: every format and language of the large SAR
// within 5 s and 300 MB of heap.
func TestBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("large plan")
	}
	d, heap, sizes, err := Measure()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("SAR draft, %d commitments x %d milestones, %d periods, %d questions: %s, peak heap %.1f MB, sizes %v",
		Commitments, Milestones, Periods, Questions, d, float64(heap)/(1<<20), sizes)
	if d > MaxDuration {
		t.Errorf("took %s, over %s", d, MaxDuration)
	}
	if heap > MaxHeapMB<<20 {
		t.Errorf("peak heap %.1f MB, over %d MB", float64(heap)/(1<<20), MaxHeapMB)
	}
	if len(sizes) != 8 {
		t.Errorf("outputs = %v, want 4 formats x 2 languages", sizes)
	}
}
