package bench

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kept-ogp/kept/tests/internal/cluster"
)

// BenchmarkImport5000 imports a generated plan of 100 commitments x 10
// milestones x 5 indicators (5,000 indicators, English and French) into the
// commitments service running as its own process, and reports the time and
// the process's peak resident memory, beside the real 65-indicator plan
// imported in the same run.
func BenchmarkImport5000(b *testing.B) {
	c := cluster.Start(b)
	admin := c.Token(b, "admin", "admin")
	url := c.URLs["commitments"] + "/api/v1/plans/import?filename=gen.csv"
	pid := c.Procs["commitments-0"].Process.Pid

	start := time.Now()
	if r := cluster.Do(b, "POST", url, admin, cluster.RealPlan(b)); r.Status != 201 {
		b.Fatalf("real import: %d %s", r.Status, r.Body)
	}
	realTime := time.Since(start)
	before := peakRSS(b, pid)
	gen := generatePlan(100, 10, 5)
	start = time.Now()
	r := cluster.Do(b, "POST", url, admin, gen)
	genTime := time.Since(start)
	if r.Status != 201 || !bytes.Contains(r.Body, []byte(`"indicators":5000`)) {
		b.Fatalf("generated import: %d %s", r.Status, cluster.Tail(r.Body, 500))
	}
	after := peakRSS(b, pid)
	record(b, "real plan (65 indicators)", ms(realTime), "ms", "", nil)
	record(b, "generated plan (5000 indicators)", ms(genTime), "ms", "", nil)
	record(b, "file size", float64(len(gen))/1e6, "MB", "", nil)
	record(b, "peak RSS of commitments process", float64(after)/1024, "MiB", "", nil)
	record(b, "peak RSS growth during import", float64(after-before)/1024, "MiB", "", nil)
	perReal := float64(realTime) / 65
	perGen := float64(genTime) / 5000
	record(b, "time per indicator, 5000 / real", perGen/perReal, "ratio", "", nil)
}

// peakRSS reads VmHWM (kB) of a process.
func peakRSS(b *testing.B, pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	return 0
}

// generatePlan writes a plan in the Canadian CSV format.
func generatePlan(commitments, milestones, indicators int) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"plan_id", "plan_title_en", "plan_title_fr", "plan_start", "plan_end", "commitment_code", "commitment_title_en",
		"commitment_title_fr", "milestone_code", "milestone_title_en", "milestone_title_fr", "indicator_code", "indicator_title_en",
		"indicator_title_fr", "due", "deadline_en", "deadline_fr", "lead_org_codes", "lead_org_names_en", "lead_org_names_fr"})
	deadlines := [][2]string{{"By March 2027", "D'ici mars 2027"}, {"By end of 2028", "D'ici la fin de 2028"}, {"By fall 2027", "D'ici l'automne 2027"}, {"Ongoing", "Permanent"}}
	for ci := 1; ci <= commitments; ci++ {
		cc := fmt.Sprintf("C%03d", ci)
		for mi := 1; mi <= milestones; mi++ {
			mc := fmt.Sprintf("%s.%d", cc, mi)
			for ii := 1; ii <= indicators; ii++ {
				ic := fmt.Sprintf("%s.%d", mc, ii)
				d := deadlines[(ci+mi+ii)%len(deadlines)]
				org := fmt.Sprintf("org-%02d", ci%20)
				_ = w.Write([]string{"gen-plan", "Generated plan", "Plan généré", "2025-01", "2029-12", cc,
					"Commitment " + cc + " on open data and participation", "Engagement " + cc + " sur les données ouvertes",
					mc, "Milestone " + mc + ": publish the datasets and consult the public", "Jalon " + mc + " : publier les données et consulter le public",
					ic, "Indicator " + ic + ": number of datasets published with documentation", "Indicateur " + ic + " : nombre de jeux de données publiés",
					"", d[0], d[1], org, "Organisation " + org, "Organisation " + org})
			}
		}
	}
	w.Flush()
	return buf.Bytes()
}
