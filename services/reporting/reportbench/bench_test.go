package reportbench

import (
	"testing"
)

func BenchmarkSARAllFormats(b *testing.B) { Benchmark(b) }
