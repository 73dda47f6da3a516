package bench

import (
	"testing"

	"github.com/kept-ogp/kept/services/reporting/reportbench"
)

// BenchmarkSARDraft: the SAR draft of a plan with 100 commitments of 10
// milestones, agreed updates in 8 periods and 5,000 questions, in every
// format (HTML, Markdown, JSON, DOCX) and both of the plan's languages.
// Goal: within 5 s and 300 MB.
func BenchmarkSARDraft(b *testing.B) {
	d, heap, sizes, err := reportbench.Measure()
	if err != nil {
		b.Fatal(err)
	}
	if len(sizes) != 8 {
		b.Fatalf("outputs %v, want 4 formats x 2 languages", sizes)
	}
	mb := float64(heap) / (1 << 20)
	record(b, "all formats and languages", d.Seconds(), "s", "<= 5", ptr(d.Seconds() <= 5))
	record(b, "peak heap", mb, "MB", "<= 300", ptr(mb <= 300))
}
