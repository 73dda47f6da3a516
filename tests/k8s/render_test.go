package k8s

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/cli/values"
	"helm.sh/helm/v4/pkg/getter"
	releasev1 "helm.sh/helm/v4/pkg/release/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
)

const (
	releaseName = "kept"
	namespace   = "kept"
	// kubeVersion is the cluster version the chart is rendered for: helm's
	// SDK defaults to v1.20 inside tests, below the chart's kubeVersion.
	kubeVersion = "v1.33.0"
)

// repoRoot is the directory holding go.work, two levels above this module.
func repoRoot(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.work")); err == nil {
			if _, err := os.Stat(filepath.Join(d, "charts", "kept", "Chart.yaml")); err == nil {
				return d
			}
		}
	}
	t.Fatalf("no repository root (go.work and charts/kept) above %s", wd)
	return ""
}

func chartDir(t testing.TB) string { return filepath.Join(repoRoot(t), "charts", "kept") }

// valueSets are the values the chart is rendered and checked with: its
// defaults and the examples in deploy/.
var valueSets = []struct {
	name  string
	files []string // relative to the repository root
}{
	{"default", nil},
	{"production", []string{"deploy/values-production.yaml"}},
	{"small", []string{"deploy/values-small.yaml"}},
}

// Rendered is one rendering of the chart, every object decoded to its type.
type Rendered struct {
	Manifest string
	Objects  []Object

	Deployments     []*appsv1.Deployment
	Jobs            []*batchv1.Job
	Services        []*corev1.Service
	ConfigMaps      []*corev1.ConfigMap
	ServiceAccounts []*corev1.ServiceAccount
	PDBs            []*policyv1.PodDisruptionBudget
	HPAs            []*autoscalingv2.HorizontalPodAutoscaler
	NetworkPolicies []*networkingv1.NetworkPolicy
	Ingresses       []*networkingv1.Ingress
	ServiceMonitors []*monitoringv1.ServiceMonitor
	PromRules       []*monitoringv1.PrometheusRule
}

// Object is one decoded document and where it came from.
type Object struct {
	Source string // "# Source:" path of the template
	Kind   string
	Name   string
	Obj    runtime.Object
}

var (
	strictOnce sync.Once
	strictDec  runtime.Decoder
)

// strictDecoder decodes YAML into the registered Go types and fails on any
// field those types do not have, on duplicate fields and on unknown kinds.
func strictDecoder() runtime.Decoder {
	strictOnce.Do(func() {
		scheme := runtime.NewScheme()
		if err := clientgoscheme.AddToScheme(scheme); err != nil {
			panic(err)
		}
		if err := monitoringv1.AddToScheme(scheme); err != nil {
			panic(err)
		}
		strictDec = kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme, scheme,
			kjson.SerializerOptions{Yaml: true, Strict: true})
	})
	return strictDec
}

var docSep = regexp.MustCompile(`(?m)^---[ \t]*$`)

// render renders the chart like `helm template kept charts/kept -n kept
// --kube-version 1.33 -f FILES... --set-json JSON...` (hooks included) and
// decodes every object strictly.
func render(t testing.TB, files []string, setJSON ...string) *Rendered {
	t.Helper()
	r, err := tryRender(t, files, setJSON...)
	if err != nil {
		t.Fatalf("render with %v %v: %v", files, setJSON, err)
	}
	return r
}

func tryRender(t testing.TB, files []string, setJSON ...string) (*Rendered, error) {
	t.Helper()
	root := repoRoot(t)
	opts := values.Options{JSONValues: setJSON}
	for _, f := range files {
		opts.ValueFiles = append(opts.ValueFiles, filepath.Join(root, f))
	}
	vals, err := opts.MergeValues(getter.Providers{})
	if err != nil {
		return nil, err
	}
	ch, err := loader.Load(chartDir(t))
	if err != nil {
		return nil, err
	}
	kv, err := common.ParseKubeVersion(kubeVersion)
	if err != nil {
		return nil, err
	}
	inst := action.NewInstall(action.NewConfiguration())
	inst.DryRunStrategy = action.DryRunClient
	inst.ReleaseName = releaseName
	inst.Namespace = namespace
	inst.Replace = true
	inst.KubeVersion = kv
	rel, err := inst.RunWithContext(context.Background(), ch, vals)
	if err != nil {
		return nil, err
	}
	rv1, ok := rel.(*releasev1.Release)
	if !ok {
		return nil, fmt.Errorf("release is a %T", rel)
	}
	var all strings.Builder
	all.WriteString(rv1.Manifest)
	for _, h := range rv1.Hooks {
		fmt.Fprintf(&all, "\n---\n# Source: %s\n%s\n", h.Path, h.Manifest)
	}
	r := &Rendered{Manifest: all.String()}
	if err := r.decode(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Rendered) decode() error {
	for _, doc := range docSep.Split(r.Manifest, -1) {
		source := ""
		meaningful := false
		for _, line := range strings.Split(doc, "\n") {
			trimmed := strings.TrimSpace(line)
			if s, ok := strings.CutPrefix(trimmed, "# Source: "); ok {
				source = s
			}
			if trimmed != "" && !strings.HasPrefix(trimmed, "#") {
				meaningful = true
			}
		}
		if !meaningful {
			continue
		}
		obj, gvk, err := strictDecoder().Decode([]byte(doc), nil, nil)
		if err != nil {
			return fmt.Errorf("%s: strict decoding: %w\n%s", source, err, doc)
		}
		o := Object{Source: source, Kind: gvk.Kind, Obj: obj}
		switch v := obj.(type) {
		case *appsv1.Deployment:
			o.Name = v.Name
			r.Deployments = append(r.Deployments, v)
		case *batchv1.Job:
			o.Name = v.Name
			r.Jobs = append(r.Jobs, v)
		case *corev1.Service:
			o.Name = v.Name
			r.Services = append(r.Services, v)
		case *corev1.ConfigMap:
			o.Name = v.Name
			r.ConfigMaps = append(r.ConfigMaps, v)
		case *corev1.ServiceAccount:
			o.Name = v.Name
			r.ServiceAccounts = append(r.ServiceAccounts, v)
		case *policyv1.PodDisruptionBudget:
			o.Name = v.Name
			r.PDBs = append(r.PDBs, v)
		case *autoscalingv2.HorizontalPodAutoscaler:
			o.Name = v.Name
			r.HPAs = append(r.HPAs, v)
		case *networkingv1.NetworkPolicy:
			o.Name = v.Name
			r.NetworkPolicies = append(r.NetworkPolicies, v)
		case *networkingv1.Ingress:
			o.Name = v.Name
			r.Ingresses = append(r.Ingresses, v)
		case *monitoringv1.ServiceMonitor:
			o.Name = v.Name
			r.ServiceMonitors = append(r.ServiceMonitors, v)
		case *monitoringv1.PrometheusRule:
			o.Name = v.Name
			r.PromRules = append(r.PromRules, v)
		default:
			return fmt.Errorf("%s: %s is not a kind these checks know; add it to Rendered and its checks", source, gvk)
		}
		r.Objects = append(r.Objects, o)
	}
	return nil
}

// Workload is a pod template and who owns it.
type Workload struct {
	Kind, Name string
	Template   *corev1.PodTemplateSpec
}

// Workloads lists every pod template: Deployments and Jobs.
func (r *Rendered) Workloads() []Workload {
	var out []Workload
	for _, d := range r.Deployments {
		out = append(out, Workload{"Deployment", d.Name, &d.Spec.Template})
	}
	for _, j := range r.Jobs {
		out = append(out, Workload{"Job", j.Name, &j.Spec.Template})
	}
	return out
}

func (r *Rendered) configMap(name string) *corev1.ConfigMap {
	for _, c := range r.ConfigMaps {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func (r *Rendered) service(name string) *corev1.Service {
	for _, s := range r.Services {
		if s.Name == name {
			return s
		}
	}
	return nil
}

func (r *Rendered) kinds() string {
	count := map[string]int{}
	for _, o := range r.Objects {
		count[o.Kind]++
	}
	var parts []string
	for k, n := range count {
		parts = append(parts, fmt.Sprintf("%s=%d", k, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// TestRenderDecodesStrictly renders every value set; render fails the test on
// any object that does not decode strictly into its registered type. With
// KEPT_RENDER_DIR set, the manifests are written there as <set>.yaml.
func TestRenderDecodesStrictly(t *testing.T) {
	for _, vs := range valueSets {
		t.Run(vs.name, func(t *testing.T) {
			r := render(t, vs.files)
			if dir := os.Getenv("KEPT_RENDER_DIR"); dir != "" {
				if err := os.WriteFile(filepath.Join(dir, vs.name+".yaml"), []byte(r.Manifest), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if len(r.Deployments) == 0 {
				t.Fatal("no Deployment rendered")
			}
			t.Logf("%s: %s", vs.name, r.kinds())
			if bytes.Contains([]byte(r.Manifest), []byte("<no value>")) {
				t.Errorf("a template printed <no value> (a missing value):\n%s", r.Manifest)
			}
		})
	}
}
