// Package bench holds kept's benchmarks. Each runs in the Go benchmark harness
// and reports ratios against a baseline measured in the same run, because the
// machines are shared and noisy. `make bench` runs them, prints a table and
// writes the figures as JSON.
package bench

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"sync"
	"testing"
)

var resultsPath = flag.String("results", "", "write the results table as JSON to this file")

// results collects rows from every benchmark for the final table.
type results struct {
	mu   sync.Mutex
	rows []row
}

type row struct {
	Benchmark string  `json:"benchmark"`
	Metric    string  `json:"metric"`
	Value     float64 `json:"value"`
	Unit      string  `json:"unit"`
	Goal      string  `json:"goal,omitempty"`
	Met       *bool   `json:"met,omitempty"`
}

var table results

func record(b *testing.B, metric string, value float64, unit, goal string, met *bool) {
	b.ReportMetric(value, unit)
	table.mu.Lock()
	defer table.mu.Unlock()
	table.rows = append(table.rows, row{Benchmark: b.Name(), Metric: metric, Value: value, Unit: unit, Goal: goal, Met: met})
}

func ptr(v bool) *bool { return &v }

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if len(table.rows) > 0 {
		sort.SliceStable(table.rows, func(i, j int) bool { return table.rows[i].Benchmark < table.rows[j].Benchmark })
		fmt.Printf("\n%-36s %-34s %14s  %-10s %s\n", "benchmark", "metric", "value", "unit", "goal")
		for _, r := range table.rows {
			goal := r.Goal
			if r.Met != nil {
				goal += map[bool]string{true: "  met", false: "  NOT MET"}[*r.Met]
			}
			fmt.Printf("%-36s %-34s %14.3f  %-10s %s\n", r.Benchmark, r.Metric, r.Value, r.Unit, goal)
		}
		if *resultsPath != "" {
			b, _ := json.MarshalIndent(table.rows, "", "  ")
			if err := os.WriteFile(*resultsPath, b, 0o644); err != nil {
				fmt.Fprintln(os.Stderr, "write results:", err)
				code = 1
			}
		}
	}
	os.Exit(code)
}
