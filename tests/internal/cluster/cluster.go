// Package cluster runs kept's services as separate processes, as on
// Kubernetes, against a real redis-server and a real MongoDB wire server
// (FerretDB), for the end-to-end tests and the benchmarks.
package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/kept-ogp/kept/services/devenv/redisserver"
)

// Cluster is one running kept: a store, Redis and the three services.
type Cluster struct {
	Bin      string
	MongoURI string
	RedisURL string
	URLs     map[string]string
	Procs    map[string]*exec.Cmd
	Logs     string
}

// RepoRoot finds the repository from the test's working directory.
func RepoRoot() string {
	wd, _ := os.Getwd()
	for d := wd; d != "/"; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.work")); err == nil {
			return d
		}
	}
	return wd
}

// BuildBinaries builds every service binary into dir.
func BuildBinaries(t testing.TB, dir string) {
	t.Helper()
	for _, name := range []string{"kept", "commitments", "updates", "dashboards", "qa", "notifications", "reporting"} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, name), "./services/"+pkgDir(name)+"/cmd/"+name)
		cmd.Dir = RepoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", name, err, out)
		}
	}
}

func pkgDir(name string) string {
	if name == "kept" {
		return "kept"
	}
	return name
}

// FreeAddr returns a free loopback address.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Start starts everything; the cluster stops with the test.
func Start(t testing.TB) *Cluster {
	t.Helper()
	dir := t.TempDir()
	BuildBinaries(t, dir)
	ctx := context.Background()
	rs, err := redisserver.Start(ctx, false)
	if err != nil {
		t.Fatalf("redis: %v", err)
	}
	t.Cleanup(rs.Stop)
	c := &Cluster{Bin: dir, RedisURL: rs.URL, URLs: map[string]string{}, Procs: map[string]*exec.Cmd{}, Logs: filepath.Join(dir, "logs")}
	if err := os.MkdirAll(c.Logs, 0o755); err != nil {
		t.Fatal(err)
	}
	mongoAddr := FreeAddr(t)
	c.start(t, "mongo", []string{filepath.Join(dir, "kept"), "mongo", "--addr", mongoAddr, "--data", filepath.Join(dir, "data"), "--pprof", os.Getenv("KEPT_MONGO_PPROF"), "--debug=" + fmt.Sprint(os.Getenv("KEPT_MONGO_DEBUG") != "")}, nil)
	c.MongoURI = "mongodb://" + mongoAddr + "/"
	WaitTCP(t, mongoAddr)
	for _, name := range []string{"commitments", "updates", "dashboards"} {
		c.StartService(t, name, name+"-0")
	}
	return c
}

// StartService runs one service process; pod names the consumer. extra
// adds or overrides environment variables (KEY=value).
func (c *Cluster) StartService(t testing.TB, name, pod string, extra ...string) {
	t.Helper()
	addr := FreeAddr(t)
	env := []string{"HTTP_ADDR=" + addr, "MONGODB_URI=" + c.MongoURI, "REDIS_URL=" + c.RedisURL, "POD_NAME=" + pod,
		"EMBED_ALLOWED_ORIGINS=https://www.canada.ca,https://*.gc.ca", "LOG_LEVEL=info", "SHUTDOWN_TIMEOUT=5s"}
	env = append(env, extra...)
	c.start(t, pod, []string{filepath.Join(c.Bin, name)}, env)
	c.URLs[pod] = "http://" + addr
	if _, ok := c.URLs[name]; !ok {
		c.URLs[name] = "http://" + addr
	}
	WaitReady(t, "http://"+addr+"/readyz")
}

func (c *Cluster) start(t testing.TB, name string, argv, env []string) {
	t.Helper()
	logf, err := os.Create(filepath.Join(c.Logs, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	c.Procs[name] = cmd
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Signal(os.Interrupt)
			done := make(chan struct{})
			go func() { _ = cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
			}
		}
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			var errs []byte
			for _, line := range bytes.Split(b, []byte("\n")) {
				if bytes.Contains(line, []byte(`"level":"ERROR"`)) || bytes.Contains(line, []byte(`"level":"WARN"`)) {
					errs = append(append(errs, line...), '\n')
				}
			}
			t.Logf("--- %s: warnings and errors (last 3000 bytes) ---\n%s", name, Tail(errs, 3000))
			t.Logf("--- log of %s (last 3000 bytes) ---\n%s", name, Tail(b, 3000))
		}
	})
}

// Kill9 ends a process the way a crashed pod ends: no shutdown at all.
func (c *Cluster) Kill9(t testing.TB, name string) {
	t.Helper()
	cmd := c.Procs[name]
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}

// Tail returns the last n bytes of b.
func Tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// WaitTCP waits until addr accepts connections.
func WaitTCP(t testing.TB, addr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never accepted connections", addr)
}

// WaitReady waits until url answers 200.
func WaitReady(t testing.TB, url string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s never became ready", url)
}

var tokenLine = regexp.MustCompile(`(?m)^token:\s+(kept_\S+)`)

// Token issues an API token with the all-in-one binary's command.
func (c *Cluster) Token(t testing.TB, name string, roles ...string) string {
	t.Helper()
	args := []string{"token", "create", "--name", name}
	for _, r := range roles {
		args = append(args, "--role", r)
	}
	cmd := exec.Command(filepath.Join(c.Bin, "kept"), args...)
	cmd.Env = append(os.Environ(), "MONGODB_URI="+c.MongoURI)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kept token create: %v\n%s", err, out)
	}
	m := tokenLine.FindSubmatch(out)
	if m == nil {
		t.Fatalf("no token in output:\n%s", out)
	}
	return string(m[1])
}

// Response is what Do got back.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as an object.
func (r Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("response is not JSON (%d): %s", r.Status, r.Body)
	}
	return v
}

// Do sends a request; body is raw bytes (CSV) or a JSON value.
func Do(t testing.TB, method, url, token string, body any, headers ...string) Response {
	t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, ct = bytes.NewReader(b), "text/csv"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd, ct = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// Eventually polls cond until it holds or the deadline passes.
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", within, what)
}

// RealPlan is Canada's 6th national action plan as published.
func RealPlan(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(RepoRoot(), "services/commitments/testdata/canada-nap6-2025-2029.csv"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
