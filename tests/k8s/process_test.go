package k8s

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kept-ogp/kept/services/devenv/ferret"
	"github.com/kept-ogp/kept/services/devenv/redisserver"
)

// The Secrets deploy/values-small.yaml refers to, and which of the test's own
// servers stands in for each: the only values the test supplies itself.
const (
	mongoSecret = "kept-mongodb/uri"
	redisSecret = "kept-redis/url"
	// The notifier token is only presented to qa when mail is delivered,
	// never at start: any token-shaped value starts the process.
	notifierSecret = "kept-notifier/token"
)

// TestManifestToProcess starts each service binary, built as `make build`
// builds it, with exactly the environment and arguments of its container as
// rendered from deploy/values-small.yaml (Secrets replaced by the test's
// FerretDB and redis-server, the pod name by a made-up one, the pinned listen
// port by a free one), and checks that its probes answer 200 on the declared
// port and paths, that the admin-token Job's command works against the same
// databases, and that SIGTERM ends each service within its grace period.
func TestManifestToProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts FerretDB, redis-server and the services")
	}
	r := render(t, []string{"deploy/values-small.yaml"})
	if len(r.Deployments) == 0 {
		t.Fatal("no Deployments rendered")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	bins := buildBinaries(t, r)

	store, err := ferret.Start(ctx, ferret.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("FerretDB: %v", err)
	}
	t.Cleanup(store.Stop)
	rs, err := redisserver.Start(ctx, false)
	if err != nil {
		t.Fatalf("redis: %v", err)
	}
	t.Cleanup(rs.Stop)
	secrets := map[string]string{mongoSecret: store.URI(), redisSecret: rs.URL, notifierSecret: "kept_standin_notapplicable"}

	type running struct {
		name, base, metrics string
		cmd                 *exec.Cmd
		done                chan error
		grace               time.Duration
	}
	var procs []*running
	for _, d := range r.Deployments {
		spec := d.Spec.Template.Spec
		c := spec.Containers[0]
		pod := d.Name + "-6d4cf56db6-x7k2q"
		env, err := resolveEnv(r, c, secrets, pod)
		if err != nil {
			t.Fatalf("Deployment %s: %v", d.Name, err)
		}
		port, err := probePort(c, c.ReadinessProbe)
		if err != nil {
			t.Fatalf("Deployment %s: %v", d.Name, err)
		}
		free := freePort(t)
		env, err = overrideListenPort(env, "HTTP_ADDR", port, free)
		if err != nil {
			t.Fatalf("Deployment %s: %v", d.Name, err)
		}
		mport, ok := containerPort(c, intstr.FromString("metrics"))
		if !ok {
			t.Fatalf("Deployment %s: no container port named metrics", d.Name)
		}
		mfree := freePort(t)
		if env, err = overrideListenPort(env, "METRICS_ADDR", mport, mfree); err != nil {
			t.Fatalf("Deployment %s: %v", d.Name, err)
		}
		t.Logf("%s: HTTP_ADDR and METRICS_ADDR pin the declared ports %d and %d; the test listens on %d and %d instead, nothing else changed", d.Name, port, mport, free, mfree)
		if len(c.Command) > 0 {
			t.Fatalf("Deployment %s: command %v overrides the image entrypoint", d.Name, c.Command)
		}
		cmd, done := startProcess(t, bins[c.Name], c.Args, env, d.Name)
		grace := time.Duration(*spec.TerminationGracePeriodSeconds) * time.Second
		if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
			grace -= time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
		}
		procs = append(procs, &running{name: d.Name, base: "http://127.0.0.1:" + strconv.Itoa(free), metrics: "http://127.0.0.1:" + strconv.Itoa(mfree), cmd: cmd, done: done, grace: grace})

		for _, pr := range []struct {
			kind string
			p    *corev1.Probe
		}{{"readiness", c.ReadinessProbe}, {"startup", c.StartupProbe}, {"liveness", c.LivenessProbe}} {
			if p, err := probePort(c, pr.p); err != nil || p != port {
				t.Fatalf("Deployment %s: %s probe on port %d, readiness on %d: %v", d.Name, pr.kind, p, port, err)
			}
		}
	}
	// All services run at once, as in the cluster; each must become ready.
	var wg sync.WaitGroup
	for i, p := range procs {
		c := r.Deployments[i].Spec.Template.Spec.Containers[0]
		wg.Add(1)
		go func() {
			defer wg.Done()
			budget := time.Duration(c.StartupProbe.PeriodSeconds*c.StartupProbe.FailureThreshold) * time.Second
			budget = min(budget, 90*time.Second)
			for _, pr := range []*corev1.Probe{c.StartupProbe, c.ReadinessProbe, c.LivenessProbe} {
				url := p.base + pr.HTTPGet.Path
				if err := waitOK(ctx, url, budget, p.done); err != nil {
					t.Errorf("%s: %s: %v", p.name, url, err)
					return
				}
			}
			if body, err := get(p.metrics + "/metrics"); err != nil || !strings.Contains(body, "kept_http_requests_total") {
				t.Errorf("%s: /metrics on the metrics port has no kept_http_requests_total: %v", p.name, err)
			}
			// The HTTP port is what the Ingress reaches (the gateway's is
			// public): it must not serve metrics.
			if body, err := get(p.base + "/metrics"); err == nil && strings.Contains(body, "kept_http_requests_total") {
				t.Errorf("%s: the HTTP port serves /metrics", p.name)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}

	// The admin-token Job, run as its container would be, against the same MongoDB.
	for _, j := range r.Jobs {
		c := j.Spec.Template.Spec.Containers[0]
		env, err := resolveEnv(r, c, secrets, j.Name+"-abcde")
		if err != nil {
			t.Fatalf("Job %s: %v", j.Name, err)
		}
		bin := bins[imageBinary(c.Image)]
		if bin == "" {
			t.Fatalf("Job %s: no binary for image %s", j.Name, c.Image)
		}
		jctx, jcancel := context.WithTimeout(ctx, time.Duration(*j.Spec.ActiveDeadlineSeconds)*time.Second)
		cmd := exec.CommandContext(jctx, bin, c.Args...)
		cmd.Env, cmd.Dir = env, t.TempDir()
		out, err := cmd.CombinedOutput()
		jcancel()
		if err != nil {
			t.Fatalf("Job %s: %v\n%s", j.Name, err, out)
		}
		m := regexp.MustCompile(`(?m)^token:\s+(\S+)`).FindSubmatch(out)
		if m == nil {
			t.Fatalf("Job %s printed no token:\n%s", j.Name, out)
		}
		// The services read tokens from the same AUTH_DATABASE the Job wrote to.
		for _, p := range procs {
			if p.name != "kept-commitments" {
				continue
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/api/v1/admin/tokens", nil)
			req.Header.Set("Authorization", "Bearer "+string(m[1]))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("the Job's admin token gets %d from commitments' admin API, want 200", resp.StatusCode)
			}
		}
	}

	// SIGTERM, as the kubelet sends after the preStop sleep: each service
	// must exit cleanly before the rest of its grace period runs out.
	for _, p := range procs {
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Errorf("%s: %v", p.name, err)
		}
	}
	for _, p := range procs {
		start := time.Now()
		select {
		case err := <-p.done:
			if err != nil {
				t.Errorf("%s: exit after SIGTERM: %v", p.name, err)
			}
			t.Logf("%s stopped %s after SIGTERM (grace left after preStop: %s)", p.name, time.Since(start).Round(time.Millisecond), p.grace)
		case <-time.After(p.grace):
			t.Errorf("%s: still running %s after SIGTERM: the kubelet would kill it", p.name, p.grace)
		}
	}
}

// imageBinary maps an image reference to the binary it holds:
// .../kept-<name>:tag holds <name>, .../kept:tag the all-in-one kept.
func imageBinary(image string) string {
	name := image[strings.LastIndex(image, "/")+1:]
	name, _, _ = strings.Cut(name, "@")
	name, _, _ = strings.Cut(name, ":")
	if name == "kept" {
		return "kept"
	}
	return strings.TrimPrefix(name, "kept-")
}

// buildBinaries builds every binary the rendering runs, each with the command
// `make build` uses for it, from the repository root.
func buildBinaries(t *testing.T, r *Rendered) map[string]string {
	t.Helper()
	specs := makeBuild(t)
	want := map[string]bool{}
	for _, d := range r.Deployments {
		want[d.Spec.Template.Spec.Containers[0].Name] = true
	}
	for _, j := range r.Jobs {
		want[imageBinary(j.Spec.Template.Spec.Containers[0].Image)] = true
	}
	dir := t.TempDir()
	out := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name := range want {
		spec, ok := specs[name]
		if !ok {
			t.Fatalf("make build does not build %s", name)
		}
		bin := filepath.Join(dir, name)
		out[name] = bin
		wg.Add(1)
		go func() {
			defer wg.Done()
			args := append([]string{"build"}, spec.Flags...)
			args = append(args, "-o", bin, spec.Package)
			cmd := exec.Command("go", args...)
			cmd.Dir = repoRoot(t)
			// As from a shell at the root: the repository's go.work, whatever
			// GOWORK this test runs under.
			cmd.Env = append(withoutEnv(os.Environ(), "GOWORK"), sortedEnv(spec.Env)...)
			start := time.Now()
			if b, err := cmd.CombinedOutput(); err != nil {
				mu.Lock()
				defer mu.Unlock()
				t.Errorf("%s %s: %v\n%s", strings.Join(sortedEnv(spec.Env), " "), strings.Join(cmd.Args, " "), err, b)
				return
			}
			t.Logf("built %s in %s: %s go %s", name, time.Since(start).Round(time.Millisecond), strings.Join(sortedEnv(spec.Env), " "), strings.Join(args, " "))
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return out
}

func withoutEnv(env []string, name string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, name+"=") {
			out = append(out, e)
		}
	}
	return out
}

var envRef = regexp.MustCompile(`\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// resolveEnv computes a container's environment as the kubelet would: in
// order, $(VAR) expanded from earlier variables, ConfigMap keys from the
// rendering, Secrets from secrets ("name/key"), the downward API from pod.
func resolveEnv(r *Rendered, c corev1.Container, secrets map[string]string, pod string) ([]string, error) {
	if len(c.EnvFrom) > 0 {
		return nil, fmt.Errorf("envFrom is not resolved by this test")
	}
	vals := map[string]string{}
	var out []string
	for _, e := range c.Env {
		var v string
		switch {
		case e.ValueFrom == nil:
			v = envRef.ReplaceAllStringFunc(e.Value, func(m string) string {
				if m == "$$" {
					return "$"
				}
				if x, ok := vals[m[2:len(m)-1]]; ok {
					return x
				}
				return m
			})
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			cm := r.configMap(ref.Name)
			if cm == nil {
				return nil, fmt.Errorf("env %s: ConfigMap %s not rendered", e.Name, ref.Name)
			}
			x, ok := cm.Data[ref.Key]
			if !ok {
				return nil, fmt.Errorf("env %s: ConfigMap %s has no key %s", e.Name, ref.Name, ref.Key)
			}
			v = x
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			x, ok := secrets[ref.Name+"/"+ref.Key]
			if !ok {
				return nil, fmt.Errorf("env %s: the test has no stand-in for Secret %s key %s", e.Name, ref.Name, ref.Key)
			}
			v = x
		case e.ValueFrom.FieldRef != nil:
			switch e.ValueFrom.FieldRef.FieldPath {
			case "metadata.name":
				v = pod
			case "metadata.namespace":
				v = namespace
			default:
				return nil, fmt.Errorf("env %s: fieldRef %s is not resolved by this test", e.Name, e.ValueFrom.FieldRef.FieldPath)
			}
		case e.ValueFrom.ResourceFieldRef != nil:
			x, err := resourceField(c, e.ValueFrom.ResourceFieldRef)
			if err != nil {
				return nil, fmt.Errorf("env %s: %v", e.Name, err)
			}
			v = x
		default:
			return nil, fmt.Errorf("env %s: unsupported valueFrom", e.Name)
		}
		vals[e.Name] = v
		out = append(out, e.Name+"="+v)
	}
	return out, nil
}

// resourceField is the downward API's value: the quantity divided by the
// divisor (default 1), rounded up.
func resourceField(c corev1.Container, ref *corev1.ResourceFieldSelector) (string, error) {
	if ref.ContainerName != "" && ref.ContainerName != c.Name {
		return "", fmt.Errorf("resourceFieldRef names container %s", ref.ContainerName)
	}
	kind, res, ok := strings.Cut(ref.Resource, ".")
	if !ok {
		return "", fmt.Errorf("resource %s", ref.Resource)
	}
	list := c.Resources.Limits
	if kind == "requests" {
		list = c.Resources.Requests
	}
	q, ok := list[corev1.ResourceName(res)]
	if !ok {
		return "", fmt.Errorf("%s not set (the kubelet would use the node's allocatable)", ref.Resource)
	}
	div := ref.Divisor
	if div.IsZero() {
		div = resource.MustParse("1")
	}
	n := math.Ceil(float64(q.MilliValue()) / float64(div.MilliValue()))
	return strconv.FormatInt(int64(n), 10), nil
}

// probePort resolves a probe's port to the container port it names.
func probePort(c corev1.Container, p *corev1.Probe) (int32, error) {
	if p == nil || p.HTTPGet == nil {
		return 0, fmt.Errorf("no HTTP probe")
	}
	port, ok := containerPort(c, p.HTTPGet.Port)
	if !ok {
		return 0, fmt.Errorf("probe port %s is not declared", p.HTTPGet.Port.String())
	}
	if p.HTTPGet.Scheme != "" && p.HTTPGet.Scheme != corev1.URISchemeHTTP {
		return 0, fmt.Errorf("probe scheme %s", p.HTTPGet.Scheme)
	}
	return port, nil
}

// overrideListenPort changes only the port number of the address in env
// variable name, and only when it is the declared port: a service listening
// elsewhere fails.
func overrideListenPort(env []string, name string, declared int32, free int) ([]string, error) {
	out := make([]string, len(env))
	found := false
	for i, e := range env {
		out[i] = e
		v, ok := strings.CutPrefix(e, name+"=")
		if !ok {
			continue
		}
		found = true
		host, port, err := splitPort(v)
		if err != nil {
			return nil, fmt.Errorf("%s=%q: %v", name, v, err)
		}
		if port != declared {
			return nil, fmt.Errorf("%s=%q listens on %d, not the declared port %d", name, v, port, declared)
		}
		out[i] = name + "=" + host + ":" + strconv.Itoa(free)
	}
	if !found {
		return nil, fmt.Errorf("no %s: the service would listen on its default, not a port the test can move", name)
	}
	return out, nil
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startProcess runs bin with exactly env (nothing inherited) in an empty
// working directory; the process is killed when the test ends.
func startProcess(t *testing.T, bin string, args, env []string, name string) (*exec.Cmd, chan error) {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	if cmd.Env == nil {
		cmd.Env = []string{}
	}
	cmd.Dir = t.TempDir()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	done := make(chan error, 1)
	exited := make(chan struct{})
	go func() { done <- cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			if len(b) > 4000 {
				b = b[len(b)-4000:]
			}
			t.Logf("--- %s log (tail) ---\n%s", name, b)
		}
	})
	return cmd, done
}

// waitOK polls url until it answers 200, the process exits or budget passes.
func waitOK(ctx context.Context, url string, budget time.Duration, exited <-chan error) error {
	deadline := time.Now().Add(budget)
	var last string
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("the process exited: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, bytes.TrimSpace(body))
		} else {
			last = err.Error()
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("no 200 within %s; last: %s", budget, last)
}

func get(url string) (string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return string(b), fmt.Errorf("status %d", resp.StatusCode)
	}
	return string(b), err
}
