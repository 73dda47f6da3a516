package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/kept-ogp/kept/services/gateway/internal/upstream"
	"github.com/kept-ogp/kept/services/kit/auth"
)

const (
	benchCommitment = "C03"
	benchUpdates    = 200
	benchQuestions  = 500
	benchClients    = 50
)

var seedOnce sync.Once

// apiPost posts JSON; it runs on seeding goroutines, so failures are
// reported with Errorf and the caller stops.
func apiPost(tb testing.TB, token, path string, body any) map[string]any {
	return apiDo(tb, http.MethodPost, token, path, body)
}

// apiDo sends a JSON request and returns the decoded answer (nil, with an
// error reported, on a refusal).
func apiDo(tb testing.TB, method, token, path string, body any) map[string]any {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, stack.base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Error(err)
		return nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		tb.Errorf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		return nil
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}

// seed gives the bench commitment 200 agreed updates and 500 questions.
func seed(tb testing.TB) {
	var cm struct {
		Commitment upstream.Commitment `json:"commitment"`
	}
	getJSON(tb, "/api/v1/plans/ca-nap6/commitments/"+benchCommitment, &cm)
	type target struct{ item, org string }
	var items []target
	for _, m := range cm.Commitment.Milestones {
		for _, in := range m.Indicators {
			if len(in.LeadOrgs) > 0 {
				items = append(items, target{in.Code, in.LeadOrgs[0].Code})
			}
		}
	}
	ts := stack.process.Tokens
	var roles []auth.Role
	seen := map[string]bool{}
	for _, it := range items {
		if !seen[it.org] {
			seen[it.org] = true
			roles = append(roles, auth.Role{Kind: auth.KindAgencyEditor, Org: it.org})
		}
	}
	_, editor, err := ts.Create(tb.Context(), "bench editor", "bench", roles)
	if err != nil {
		tb.Fatal(err)
	}
	_, gov, _ := ts.Create(tb.Context(), "bench gov", "bench", []auth.Role{{Kind: auth.KindWGMember, Plan: "ca-nap6", Commitment: benchCommitment, Side: auth.SideGovernment}})
	_, cso, _ := ts.Create(tb.Context(), "bench cso", "bench", []auth.Role{{Kind: auth.KindWGMember, Plan: "ca-nap6", Commitment: benchCommitment, Side: auth.SideCivilSociety}})
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if i < benchUpdates {
					it := items[i%len(items)]
					u := apiPost(tb, editor, "/api/v1/updates", map[string]any{"plan": "ca-nap6", "item": it.item, "period": "2026-06", "status": "limited",
						"progress":     map[string]string{"en": fmt.Sprintf("Bench progress %d with a paragraph of text about the work done.", i)},
						"delay_reason": map[string]string{"en": "Bench delay."}, "evidence": []map[string]any{{"url": "https://example.org/e", "title": map[string]string{"en": "Evidence"}, "kind": "publication"}}})
					if u == nil {
						continue
					}
					id := u["update"].(map[string]any)["id"].(string)
					apiPost(tb, gov, "/api/v1/updates/"+id+"/agree", nil)
					apiPost(tb, cso, "/api/v1/updates/"+id+"/agree", nil)
				}
				if i < benchQuestions {
					apiPost(tb, "", "/api/v1/plans/ca-nap6/commitments/"+benchCommitment+"/questions", map[string]any{"text": fmt.Sprintf("Bench question %d: 何時完成？", i), "language": "zh-Hant", "anonymous": true})
				}
			}
		}()
	}
	for i := 0; i < benchQuestions; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	if tb.Failed() {
		tb.FailNow()
	}
}

// BenchmarkCommitmentPage serves a commitment page with 200 agreed updates
// and 500 questions to 50 concurrent clients and reports the p99 server
// time, and the ratio against a static page of the same size served by the
// same server in the same run (goal: at most 3).
func BenchmarkCommitmentPage(b *testing.B) {
	seedOnce.Do(func() { seed(b) })
	page := "/plans/ca-nap6/commitments/" + benchCommitment + "?lang=en"
	resp, err := http.Get(stack.base + page)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	benchStatic.Store(body)
	for i := 0; i < 3; i++ {
		start := time.Now()
		r, err := http.Get(stack.base + page)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, r.Body)
		r.Body.Close()
		b.Logf("one warm page alone: %s", time.Since(start))
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchClients}}
	measure := func(path string) time.Duration {
		var mu sync.Mutex
		var ds []time.Duration
		b.SetParallelism((benchClients + 1) / 2)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			var local []time.Duration
			for pb.Next() {
				start := time.Now()
				r, err := client.Get(stack.base + path)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, r.Body)
				r.Body.Close()
				if r.StatusCode != http.StatusOK {
					b.Errorf("%s: %d", path, r.StatusCode)
				}
				local = append(local, time.Since(start))
			}
			mu.Lock()
			ds = append(ds, local...)
			mu.Unlock()
		})
		b.StopTimer()
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		if len(ds) == 0 {
			return 0
		}
		return ds[len(ds)*99/100]
	}
	p99 := measure(page)
	static := measure("/_bench/static")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(static.Microseconds())/1000, "static-p99-ms")
	if static > 0 {
		b.ReportMetric(float64(p99)/float64(static), "ratio")
	}
	b.ReportMetric(float64(len(body))/1024, "page-KiB")
}
