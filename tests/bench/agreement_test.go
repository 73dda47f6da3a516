package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kept-ogp/kept/tests/internal/cluster"
)

var (
	agreeRate     = flag.Int("agree-rate", 50, "agreements per second")
	agreeDuration = flag.Duration("agree-duration", 30*time.Second, "how long to keep the agreement rate")
)

// BenchmarkAgreementToDashboard measures, at a steady rate of agreements, the
// time from the HTTP call that completes an agreement to the dashboard JSON
// showing it, beside a raw XADD-to-XREADGROUP round trip on the same Redis at
// the same rate in the same window. Goal: p99 at most 5 times the raw p99.
func BenchmarkAgreementToDashboard(b *testing.B) {
	c := cluster.Start(b)
	admin := c.Token(b, "admin", "admin")
	orgs := []string{"rcmp-grc", "tbs-sct", "isc-sac", "vac-acc", "pwgsc-tpsgc"}
	var roles []string
	for _, o := range orgs {
		roles = append(roles, "agency_editor:"+o)
	}
	editor := c.Token(b, "editor", roles...)
	gov := c.Token(b, "gov", "wg_member:ca-nap6/C01:government")
	cso := c.Token(b, "cso", "wg_member:ca-nap6/C01:civil_society")
	if r := cluster.Do(b, "POST", c.URLs["commitments"]+"/api/v1/plans/import?filename=p.csv", admin, cluster.RealPlan(b)); r.Status != 201 {
		b.Fatalf("import: %d", r.Status)
	}
	items := openItems(b, c.URLs["commitments"], orgs)
	n := *agreeRate * int(agreeDuration.Seconds())
	// Drafts already agreed by government: the measured call is the second side's.
	ids := make([]string, 0, n)
	for i := 0; len(ids) < n; i++ {
		body := map[string]any{"plan": "ca-nap6", "item": items[i%len(items)], "period": "2026-12", "status": "substantial",
			"progress": map[string]string{"en": fmt.Sprintf("Progress report %d", i)}}
		var r cluster.Response
		cluster.Eventually(b, 30*time.Second, "a draft", func() bool {
			r = cluster.Do(b, "POST", c.URLs["updates"]+"/api/v1/updates", editor, body)
			return r.Status == 201
		})
		id := r.JSON(b)["update"].(map[string]any)["id"].(string)
		if g := cluster.Do(b, "POST", c.URLs["updates"]+"/api/v1/updates/"+id+"/agree", gov, nil); g.Status != 200 {
			b.Fatalf("gov agree: %d %s", g.Status, g.Body)
		}
		ids = append(ids, id)
	}
	cluster.Eventually(b, 30*time.Second, "dashboards to know the plan", func() bool {
		return cluster.Do(b, "GET", c.URLs["dashboards"]+"/api/v1/dashboards/plans/ca-nap6/commitments/C01", "", nil).Status == 200
	})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts, _ := redis.ParseURL(c.RedisURL)
	rdb := redis.NewClient(opts)
	defer rdb.Close()

	var wg sync.WaitGroup
	var raw []time.Duration
	wg.Add(1)
	go func() { defer wg.Done(); raw = rawRoundTrips(ctx, b, rdb, n, *agreeRate) }()

	// One poller reads the plan's dashboard JSON back to back and settles every
	// agreement whose update (or a later one of the same item) it shows, so the
	// measurement adds a constant load instead of one poll loop per request.
	dashURL := c.URLs["dashboards"] + "/api/v1/dashboards/plans/ca-nap6"
	lat := make([]time.Duration, n)
	var mu sync.Mutex
	started := make([]time.Time, n)
	itemOf := make([]string, n)
	for i := range ids {
		itemOf[i] = items[i%len(items)]
	}
	pollDone := make(chan struct{})
	go func() {
		defer close(pollDone)
		settled := 0
		deadline := time.Now().Add(*agreeDuration + 60*time.Second)
		for settled < n && time.Now().Before(deadline) {
			latest := latestByItem(cluster.Do(b, "GET", dashURL, "", nil).Body)
			now := time.Now()
			mu.Lock()
			for i, id := range ids {
				if lat[i] == 0 && !started[i].IsZero() && latest[itemOf[i]] >= id {
					lat[i] = now.Sub(started[i])
					settled++
				}
			}
			mu.Unlock()
			time.Sleep(time.Millisecond)
		}
	}()
	tick := time.NewTicker(time.Second / time.Duration(*agreeRate))
	defer tick.Stop()
	var inflight sync.WaitGroup
	var busy atomic.Int64
	for i, id := range ids {
		<-tick.C
		inflight.Add(1)
		go func() {
			defer inflight.Done()
			mu.Lock()
			started[i] = time.Now()
			mu.Unlock()
			// A client honours 503 + Retry-After (the store is saturated); the
			// retry's wait counts in the latency.
			for attempt := 0; ; attempt++ {
				r := cluster.Do(b, "POST", c.URLs["updates"]+"/api/v1/updates/"+id+"/agree", cso, nil)
				if r.Status == http.StatusServiceUnavailable && attempt < 30 {
					busy.Add(1)
					time.Sleep(time.Second)
					continue
				}
				if r.Status != 200 {
					b.Errorf("cso agree: %d %s", r.Status, r.Body)
				}
				break
			}
		}()
	}
	inflight.Wait()
	<-pollDone
	missing := 0
	for _, l := range lat {
		if l == 0 {
			missing++
		}
	}
	if missing > 0 {
		b.Errorf("%d of %d agreements never showed on the dashboard", missing, n)
	}
	wg.Wait()
	ap50, ap99 := pct(lat, 50), pct(lat, 99)
	rp50, rp99 := pct(raw, 50), pct(raw, 99)
	record(b, "agree->dashboard p50", ms(ap50), "ms", "", nil)
	record(b, "agree->dashboard p99", ms(ap99), "ms", "", nil)
	record(b, "raw XADD->XREADGROUP p50", ms(rp50), "ms", "", nil)
	record(b, "raw XADD->XREADGROUP p99", ms(rp99), "ms", "", nil)
	ratio := float64(ap99) / float64(rp99)
	record(b, "p99 agree / p99 raw", ratio, "ratio", "<= 5", ptr(ratio <= 5))
	record(b, "agreements", float64(n), "count", "", nil)
	record(b, "503 busy answers retried", float64(busy.Load()), "count", "", nil)
}

// rawRoundTrips times XADD to the moment a blocked XREADGROUP returns it.
func rawRoundTrips(ctx context.Context, b *testing.B, rdb *redis.Client, n, perSecond int) []time.Duration {
	const stream, group = "bench:raw", "bench"
	rdb.Del(ctx, stream)
	if err := rdb.XGroupCreateMkStream(ctx, stream, group, "$").Err(); err != nil {
		b.Errorf("raw group: %v", err)
		return nil
	}
	sent := make(map[string]time.Time, n)
	var mu sync.Mutex
	out := make([]time.Duration, 0, n)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for len(out) < n && ctx.Err() == nil {
			res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: "c", Streams: []string{stream, ">"}, Count: 10, Block: time.Second}).Result()
			now := time.Now()
			if err != nil {
				continue
			}
			mu.Lock()
			for _, s := range res {
				for _, m := range s.Messages {
					if t, ok := sent[m.Values["k"].(string)]; ok {
						out = append(out, now.Sub(t))
					}
				}
			}
			mu.Unlock()
		}
	}()
	tick := time.NewTicker(time.Second / time.Duration(perSecond))
	defer tick.Stop()
	for i := 0; i < n; i++ {
		<-tick.C
		k := fmt.Sprint(i)
		mu.Lock()
		sent[k] = time.Now()
		mu.Unlock()
		if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: stream, Values: []any{"k", k}}).Err(); err != nil {
			b.Errorf("raw xadd: %v", err)
		}
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
	mu.Lock()
	defer mu.Unlock()
	return append([]time.Duration(nil), out...)
}

// openItems lists indicators of C01 led by orgs and not yet due, so posting
// on them needs no reason for delay.
func openItems(b *testing.B, commitments string, orgs []string) []string {
	r := cluster.Do(b, "GET", commitments+"/api/v1/plans/ca-nap6/commitments/C01", "", nil)
	var doc struct {
		Commitment struct {
			Milestones []struct {
				Indicators []struct {
					Code     string `json:"code"`
					Deadline struct {
						Kind string `json:"kind"`
						Due  string `json:"due"`
					} `json:"deadline"`
					LeadOrgs []struct {
						Code string `json:"code"`
					} `json:"lead_orgs"`
				} `json:"indicators"`
			} `json:"milestones"`
		} `json:"commitment"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		b.Fatalf("commitment JSON: %v", err)
	}
	today := time.Now().Format("2006-01-02")
	var out []string
	for _, m := range doc.Commitment.Milestones {
		for _, i := range m.Indicators {
			if i.Deadline.Kind == "date" && i.Deadline.Due < today {
				continue
			}
			for _, o := range i.LeadOrgs {
				if slices.Contains(orgs, o.Code) {
					out = append(out, i.Code)
					break
				}
			}
		}
	}
	if len(out) == 0 {
		b.Fatal("no open indicators in C01")
	}
	return out
}

// latestByItem maps item code to the id of its latest public update.
func latestByItem(body []byte) map[string]string {
	var doc struct {
		Plan struct {
			Commitments []struct {
				Milestones []struct {
					Indicators []struct {
						Code   string `json:"code"`
						Latest *struct {
							UpdateID string `json:"update_id"`
						} `json:"latest_update"`
					} `json:"indicators"`
				} `json:"milestones"`
			} `json:"commitments"`
		} `json:"plan"`
	}
	out := map[string]string{}
	if json.Unmarshal(body, &doc) != nil {
		return out
	}
	for _, c := range doc.Plan.Commitments {
		for _, m := range c.Milestones {
			for _, i := range m.Indicators {
				if i.Latest != nil {
					out[i.Code] = i.Latest.UpdateID
				}
			}
		}
	}
	return out
}

func pct(d []time.Duration, p int) time.Duration {
	s := make([]time.Duration, 0, len(d))
	for _, v := range d {
		if v > 0 {
			s = append(s, v)
		}
	}
	if len(s) == 0 {
		return 0
	}
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[(len(s)-1)*p/100]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
