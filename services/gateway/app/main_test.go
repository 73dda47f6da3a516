package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	commitments "github.com/kept-ogp/kept/services/commitments/app"
	dashboards "github.com/kept-ogp/kept/services/dashboards/app"
	"github.com/kept-ogp/kept/services/devenv/ferret"
	"github.com/kept-ogp/kept/services/devenv/redisserver"
	"github.com/kept-ogp/kept/services/gateway/app"
	"github.com/kept-ogp/kept/services/gateway/internal/accounts"
	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/kit/config"
	"github.com/kept-ogp/kept/services/kit/runtime"
	qa "github.com/kept-ogp/kept/services/qa/app"
	reporting "github.com/kept-ogp/kept/services/reporting/app"
	updates "github.com/kept-ogp/kept/services/updates/app"
)

// The whole package shares one stack, as `kept run` mounts it: the real
// commitments, updates, dashboards and qa services and the gateway on one gin
// engine on one port, on a real FerretDB and a real redis-server, with
// Canada's plan imported. (Services share stream names, so one stack per
// process.) Tests use their own accounts and questions.
var benchStatic atomic.Value

var stack struct {
	base    string
	gateway *app.Service
	process *runtime.Process
	engine  *gin.Engine
}

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, err := os.MkdirTemp("", "kept-gateway-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	fs, err := ferret.Start(ctx, ferret.Options{Dir: dir})
	if err != nil {
		fmt.Fprintln(os.Stderr, "gateway tests need FerretDB:", err)
		return 1
	}
	defer fs.Stop()
	rs, err := redisserver.Start(ctx, true)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gateway tests need redis-server:", err)
		return 1
	}
	defer rs.Stop()
	// Every test request comes from 127.0.0.1: lift the per-address limits.
	_ = os.Setenv("QA_RATE_LIMIT", "10000")
	_ = os.Setenv("QA_TIMEZONE", "America/Toronto")
	stop, err := startStack(ctx, fs.URI(), rs.URL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start stack:", err)
		return 1
	}
	code := m.Run()
	cancel()
	stop()
	return code
}

func startStack(ctx context.Context, mongoURI, redisURL string) (func(), error) {
	env := map[string]string{"MONGODB_URI": mongoURI, "REDIS_URL": redisURL, "LOG_LEVEL": "warn", "SHUTDOWN_TIMEOUT": "5s"}
	cfg, err := config.Load("kept", func(k string) string { return env[k] })
	if err != nil {
		return nil, err
	}
	p, err := runtime.Open(ctx, cfg, runtime.Options{})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	base := "http://" + ln.Addr().String()
	cs, err := commitments.New(ctx, p.Deps(commitments.Name, "kept_commitments"))
	if err != nil {
		return nil, err
	}
	var services []runtime.Service
	services = append(services, cs)
	for _, b := range []struct {
		name  string
		build runtime.Builder
	}{{updates.Name, updates.Build}, {dashboards.Name, dashboards.Build}, {qa.Name, qa.Build}, {reporting.Name, reporting.Build}} {
		s, err := b.build(ctx, p.Deps(b.name, "kept_"+b.name))
		if err != nil {
			return nil, fmt.Errorf("build %s: %w", b.name, err)
		}
		services = append(services, s)
	}
	set, err := app.LoadSettings(func(k string) string {
		return map[string]string{"GATEWAY_COMMITMENTS_URL": base, "GATEWAY_UPDATES_URL": base, "GATEWAY_DASHBOARDS_URL": base,
			"GATEWAY_QA_URL": base, "GATEWAY_REPORTING_URL": base, "GATEWAY_PROXY": "false", "GATEWAY_FORM_LIMIT": "10000"}[k]
	})
	if err != nil {
		return nil, err
	}
	gw, err := app.NewWith(ctx, p.Deps(app.Name, "kept_gateway"), set)
	if err != nil {
		return nil, err
	}
	gw.Accounts.SetCost(bcrypt.MinCost)
	services = append(services, gw)
	engine, err := p.Engine()
	if err != nil {
		return nil, err
	}
	// The benchmark's baseline: a static page of the same size, same server.
	engine.GET("/_bench/static", func(c *gin.Context) {
		b, _ := benchStatic.Load().([]byte)
		c.Data(http.StatusOK, "text/html; charset=utf-8", b)
	})
	for _, s := range services {
		s.Routes(engine)
	}
	var wg sync.WaitGroup
	for _, s := range services {
		wg.Add(1)
		go func() { defer wg.Done(); _ = s.Run(ctx) }()
	}
	srv := &http.Server{Handler: engine, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	f, err := os.Open(filepath.Join("..", "..", "commitments", "testdata", "canada-nap6-2025-2029.csv"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, _, err := cs.ImportIfChanged(ctx, f, "canada-nap6-2025-2029.csv", "gateway test"); err != nil {
		return nil, err
	}
	stack.base, stack.gateway, stack.process, stack.engine = base, gw, p, engine
	// The dashboards and qa learn the plan from the stream: wait for both.
	deadline := time.Now().Add(60 * time.Second)
	for _, path := range []string{"/api/v1/dashboards/plans/ca-nap6", "/api/v1/plans/ca-nap6/commitments/C01/questions", "/api/v1/plans/ca-nap6/commitments/C04/questions"} {
		for {
			resp, err := http.Get(base + path)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("%s not ready", path)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	// The updates service learns the items from the stream too: wait until
	// a draft on the last commitment's first indicator is judged on its
	// fields, not refused as an unknown item.
	_, tok, err := p.Tokens.Create(ctx, "readiness", "gateway test", []auth.Role{{Kind: auth.KindAgencyEditor, Org: "readiness"}})
	if err != nil {
		return nil, err
	}
	for {
		req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/updates", strings.NewReader(`{"plan":"ca-nap6","item":"C04.1.1"}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(b), "unknown_item") {
				break
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("updates service never learnt the plan's items")
		}
		time.Sleep(100 * time.Millisecond)
	}
	return func() {
		sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		_ = srv.Shutdown(sctx)
		wg.Wait()
		p.Close(context.Background())
	}, nil
}

// --- helpers ---

// browser is an HTTP client with cookies that does not follow redirects.
type browser struct {
	t      testing.TB
	client *http.Client
}

func newBrowser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, client: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status int
	body   string
	header http.Header
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, body: string(body), header: resp.Header}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, stack.base+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, stack.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the first form token of a page.
func (p page) csrf(t testing.TB) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no csrf field in page (status %d): %.400s", p.status, p.body)
	}
	return m[1]
}

var accountSeq struct {
	sync.Mutex
	n int
}

// staff creates a local account with roles and signs a browser in as it.
func staff(t testing.TB, name string, roles ...auth.Role) *browser {
	t.Helper()
	accountSeq.Lock()
	accountSeq.n++
	email := fmt.Sprintf("staff%d@example.org", accountSeq.n)
	accountSeq.Unlock()
	const password = "correct horse battery staple"
	if _, err := stack.gateway.Accounts.Create(context.Background(), accounts.New{Email: email, Name: name, Password: password, Roles: roles, By: "test"}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	lp := b.get("/console/login?lang=en")
	r := b.post("/console/login?lang=en", url.Values{"csrf": {lp.csrf(t)}, "email": {email}, "password": {password}, "next": {"/console"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("login as %s: status %d: %.500s", name, r.status, r.body)
	}
	return b
}

func getJSON(t testing.TB, path string, out any) int {
	t.Helper()
	resp, err := http.Get(stack.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil && !errors.Is(err, io.EOF) {
			t.Fatalf("%s: %v", path, err)
		}
	}
	return resp.StatusCode
}

// eventually retries check until it passes or 30s pass.
func eventually(t testing.TB, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(150 * time.Millisecond)
	}
}
