package k8s

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// qaMetrics come with the Q&A service (a later issue); the alerts and the
// dashboard are written against these names now.
var qaMetrics = map[string]bool{
	"kept_qa_questions_overdue":  true,
	"kept_qa_sla_breaches_total": true,
	"kept_qa_questions_due_soon": true,
}

var (
	metricDecl = regexp.MustCompile(`Name:\s*"(kept_[a-z0-9_]+)"`)
	metricUse  = regexp.MustCompile(`\bkept_[a-z0-9_]+`)
)

// serviceMetrics are the kept_* metric names the services' Go code registers.
func serviceMetrics(t *testing.T) map[string]bool {
	t.Helper()
	known := map[string]bool{}
	root := filepath.Join(repoRoot(t), "services")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range metricDecl.FindAllStringSubmatch(string(b), -1) {
			known[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !known["kept_http_requests_total"] || !known["kept_stream_consumer_lag"] {
		t.Fatalf("found only %v in services/: the declaration pattern changed", keys(known))
	}
	return known
}

// checkMetricNames fails on a kept_* name in expr that no service exports.
func checkMetricNames(t *testing.T, where, expr string, known map[string]bool) {
	t.Helper()
	for _, name := range metricUse.FindAllString(expr, -1) {
		base := name
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if b, ok := strings.CutSuffix(name, suffix); ok && known[b] {
				base = b
			}
		}
		if !known[base] && !qaMetrics[base] {
			t.Errorf("%s: %s is not a metric any service registers (%v)", where, name, keys(known))
		}
	}
}

// alertRules returns the rendered production PrometheusRule's groups as the
// plain rule-file YAML promtool reads, and every alert expression.
func alertRules(t *testing.T) (ruleFile []byte, exprs map[string]string) {
	t.Helper()
	r := render(t, []string{"deploy/values-production.yaml"})
	if len(r.PromRules) != 1 {
		t.Fatalf("%d PrometheusRules, want 1", len(r.PromRules))
	}
	exprs = map[string]string{}
	for _, g := range r.PromRules[0].Spec.Groups {
		for _, rule := range g.Rules {
			exprs[rule.Alert] = rule.Expr.String()
			if rule.Labels["severity"] == "" {
				t.Errorf("alert %s has no severity label", rule.Alert)
			}
			if rule.Annotations["summary"] == "" {
				t.Errorf("alert %s has no summary", rule.Alert)
			}
			if rule.For != nil {
				if _, err := time.ParseDuration(string(*rule.For)); err != nil {
					t.Errorf("alert %s: for %q: %v", rule.Alert, *rule.For, err)
				}
			}
		}
	}
	b, err := yaml.Marshal(map[string]any{"groups": r.PromRules[0].Spec.Groups})
	if err != nil {
		t.Fatal(err)
	}
	return b, exprs
}

// TestAlertRules: the alerts the issue asks for exist and use metrics the
// services export (or the qa service will).
func TestAlertRules(t *testing.T) {
	known := serviceMetrics(t)
	ruleFile, exprs := alertRules(t)
	for alert, expr := range exprs {
		checkMetricNames(t, "alert "+alert, expr, known)
	}
	for _, want := range []struct{ alert, metric string }{
		{"KeptQuestionsOverdue", "kept_qa_questions_overdue"},
		{"KeptQuestionSLABreached", "kept_qa_sla_breaches_total"},
		{"KeptQuestionsAboutToBreach", "kept_qa_questions_due_soon"},
		{"KeptConsumerLagGrowing", "kept_stream_consumer_lag"},
		{"KeptDeadLetters", "kept_stream_dead_letter_length"},
		{"KeptDeadLettersIncreasing", "kept_stream_dead_letters_total"},
		{"KeptServiceNotReady", "kube_deployment_status_replicas_ready"},
	} {
		if !strings.Contains(exprs[want.alert], want.metric) {
			t.Errorf("alert %s: want an expression on %s, got %q", want.alert, want.metric, exprs[want.alert])
		}
	}
	promtoolCheck(t, "rules", ruleFile)
}

// promtoolCheck runs `promtool check rules` when promtool is installed
// (Debian's prometheus package): it parses every PromQL expression.
func promtoolCheck(t *testing.T, name string, ruleFile []byte) {
	t.Helper()
	bin, err := exec.LookPath("promtool")
	if err != nil {
		t.Logf("promtool not on PATH (Debian package prometheus): PromQL syntax of %s not checked", name)
		return
	}
	p := filepath.Join(t.TempDir(), name+".yaml")
	if err := os.WriteFile(p, ruleFile, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "check", "rules", p).CombinedOutput(); err != nil {
		t.Errorf("promtool check rules (%s): %v\n%s\n%s", name, err, out, ruleFile)
	}
}

type grafanaPanel struct {
	Type       string         `json:"type"`
	Title      string         `json:"title"`
	Datasource map[string]any `json:"datasource"`
	Targets    []struct {
		Expr  string `json:"expr"`
		RefID string `json:"refId"`
	} `json:"targets"`
	Panels  []grafanaPanel           `json:"panels"`
	GridPos struct{ H, W, X, Y int } `json:"gridPos"`
}

// TestGrafanaDashboard: deploy/grafana-dashboard.json covers SLA, request
// rate and latency, consumer lag and dead letters, on metrics that exist, with
// queries that parse.
func TestGrafanaDashboard(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy", "grafana-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		UID        string         `json:"uid"`
		Title      string         `json:"title"`
		Schema     int            `json:"schemaVersion"`
		Panels     []grafanaPanel `json:"panels"`
		Templating struct {
			List []struct {
				Name string `json:"name"`
				Type string `json:"type"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("grafana-dashboard.json: %v", err)
	}
	if dash.UID == "" || dash.Title == "" || dash.Schema == 0 {
		t.Errorf("dashboard uid %q title %q schemaVersion %d", dash.UID, dash.Title, dash.Schema)
	}
	vars := map[string]bool{}
	for _, v := range dash.Templating.List {
		vars[v.Name] = true
	}
	for _, v := range []string{"datasource", "namespace", "service"} {
		if !vars[v] {
			t.Errorf("no template variable %s", v)
		}
	}
	known := serviceMetrics(t)
	var titles []string
	var exprs []string
	var walk func([]grafanaPanel)
	walk = func(ps []grafanaPanel) {
		for _, p := range ps {
			titles = append(titles, strings.ToLower(p.Title))
			if p.Type != "row" {
				if uid, _ := p.Datasource["uid"].(string); uid != "${datasource}" {
					t.Errorf("panel %q: datasource %v, want the ${datasource} variable", p.Title, p.Datasource)
				}
				if len(p.Targets) == 0 {
					t.Errorf("panel %q has no query", p.Title)
				}
				if p.GridPos.W == 0 || p.GridPos.H == 0 {
					t.Errorf("panel %q has no size", p.Title)
				}
			}
			for _, tg := range p.Targets {
				if strings.TrimSpace(tg.Expr) == "" {
					t.Errorf("panel %q: empty query %s", p.Title, tg.RefID)
				}
				checkMetricNames(t, "panel "+p.Title, tg.Expr, known)
				if !strings.Contains(tg.Expr, `namespace="$namespace"`) {
					t.Errorf("panel %q: query not limited to $namespace: %s", p.Title, tg.Expr)
				}
				exprs = append(exprs, tg.Expr)
			}
			walk(p.Panels)
		}
	}
	walk(dash.Panels)
	all := strings.Join(titles, "\n")
	for _, topic := range []string{"sla", "request rate", "latency", "consumer lag", "dead-letter"} {
		if !strings.Contains(all, topic) {
			t.Errorf("no panel about %q (titles: %s)", topic, strings.Join(titles, "; "))
		}
	}
	// promtool parses queries only inside rules: wrap each one, with
	// Grafana's variables given plausible values.
	sort.Strings(exprs)
	var rules []map[string]any
	for i, e := range exprs {
		e = strings.NewReplacer("$__rate_interval", "5m", "$namespace", "kept", "$service", ".*").Replace(e)
		rules = append(rules, map[string]any{"record": fmt.Sprintf("kept:dashboard_query_%d", i), "expr": e})
	}
	b, err := yaml.Marshal(map[string]any{"groups": []any{map[string]any{"name": "dashboard", "rules": rules}}})
	if err != nil {
		t.Fatal(err)
	}
	promtoolCheck(t, "dashboard", b)
}
