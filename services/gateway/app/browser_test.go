package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/kept-ogp/kept/services/kit/auth"
)

const chromium = "/usr/bin/chromium"

// needBrowser returns chromium's allocator and axe-core's source, or skips
// (fails when KEPT_REQUIRE_BROWSER is set: CI installs chromium).
func needBrowser(t *testing.T) (context.Context, string) {
	t.Helper()
	miss := func(what string) {
		if os.Getenv("KEPT_REQUIRE_BROWSER") != "" {
			t.Fatalf("KEPT_REQUIRE_BROWSER is set but %s (run tests/setup-deps.sh)", what)
		}
		t.Skipf("browser tests skipped: %s (apt-get install chromium and run tests/setup-deps.sh for axe-core; set KEPT_REQUIRE_BROWSER=1 to make this a failure)", what)
	}
	if _, err := os.Stat(chromium); err != nil {
		miss(chromium + " is missing")
	}
	axePath := os.Getenv("KEPT_AXE_JS")
	if axePath == "" {
		home, _ := os.UserHomeDir()
		axePath = filepath.Join(home, ".cache", "kept", "axe", "axe.min.js")
	}
	axe, err := os.ReadFile(axePath)
	if err != nil {
		miss("axe-core is missing at " + axePath)
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck}
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	return alloc, string(axe)
}

func artifacts(t *testing.T) string {
	dir := os.Getenv("KEPT_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "kept-gateway-artifacts")
	}
	dir = filepath.Join(dir, "gateway")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("browser artifacts (screenshots) in %s", dir)
	return dir
}

// user is one person with their own browser context (own cookies).
func get[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func user(t *testing.T, browser context.Context) context.Context {
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancel2 := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel2)
	return ctx
}

func do(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

type violation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// audit runs axe-core on the current page and fails on serious or critical
// violations; it saves phone and desktop screenshots as name-*.png.
func audit(t *testing.T, ctx context.Context, axe, dir, name string) {
	t.Helper()
	var out string
	script := `axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations
	  .filter(v => v.impact === "serious" || v.impact === "critical")
	  .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(" "))}))))`
	yes := true
	await := func(p *cdpruntime.EvaluateParams) { p.AwaitPromise = &yes }
	get(t, ctx, "inject axe on "+name, chromedp.Evaluate[json.RawMessage](axe+";true"))
	out = get(t, ctx, "axe on "+name, chromedp.Evaluate[string](script, await))
	var vs []violation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("axe result on %s: %v", name, err)
	}
	for _, v := range vs {
		t.Errorf("%s: axe %s (%s): %s at %v", name, v.ID, v.Impact, v.Help, v.Nodes)
	}
	for _, w := range []struct {
		label  string
		width  int64
		height int64
	}{{"phone", 390, 844}, {"desktop", 1280, 900}} {
		do(t, ctx, "viewport "+name, chromedp.EmulateViewport(w.width, w.height))
		png := get(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%s.png", name, w.label)), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func signIn(t *testing.T, ctx context.Context, email, password string) {
	do(t, ctx, "sign in "+email,
		chromedp.Navigate(stack.base+"/console/login?lang=en"),
		chromedp.SendKeys(chromedp.CSS("#l-email"), email),
		chromedp.SendKeys(chromedp.CSS("#l-password"), password),
		chromedp.Submit(chromedp.CSS("#l-password")),
		chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "Staff console")]`)))
}

func account(t *testing.T, name string, roles ...auth.Role) (string, string) {
	b := staff(t, name, roles...) // creates the account (and signs an HTTP client in)
	_ = b
	accountSeq.Lock()
	defer accountSeq.Unlock()
	return fmt.Sprintf("staff%d@example.org", accountSeq.n), "correct horse battery staple"
}

func TestBrowserCitizenAsksInChineseAndTheAgencyAnswers(t *testing.T) {
	alloc, axe := needBrowser(t)
	dir := artifacts(t)
	browser, cancel := chromedp.NewContext(alloc)
	defer cancel()
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	citizen := user(t, browser)
	page := stack.base + "/plans/ca-nap6/commitments/C04?lang=zh-Hant"
	question := "請問開放資料平台何時上線？"
	do(t, citizen, "ask",
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS("#q-text")),
		chromedp.SendKeys(chromedp.CSS("#q-text"), question),
		chromedp.SendKeys(chromedp.CSS("#q-name"), "林小姐"),
		chromedp.Click(chromedp.Search(`//button[contains(., "送出問題")]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "謝謝，您的問題已送出。")]`)))
	body := get(t, citizen, "read", chromedp.Text(chromedp.CSS("#questions ~ article")))
	if !strings.Contains(body, question) {
		t.Fatalf("the question is not on the page: %q", body)
	}
	audit(t, citizen, axe, dir, "commitment")
	for name, path := range map[string]string{"home": "/", "plan": "/plans/ca-nap6?lang=en", "search": "/search?q=" + "開放資料", "notfound": "/plans/nope",
		"plan-fr": "/plans/ca-nap6?lang=fr", "login": "/console/login?lang=zh-Hant", "documents": "/plans/ca-nap6/documents?lang=en"} {
		do(t, citizen, name, chromedp.Navigate(stack.base+path), chromedp.WaitReady(chromedp.CSS("main")))
		audit(t, citizen, axe, dir, name)
	}
	// The reports the PoC publishes are pages too: the SAR draft and a
	// period's joint progress update, as the reporting service renders them.
	for name, path := range map[string]string{"sar-en": "/api/v1/reporting/plans/ca-nap6/sar?format=html&lang=en",
		"progress-fr": "/api/v1/reporting/plans/ca-nap6/periods/2026-12/progress?format=html&lang=fr"} {
		do(t, citizen, name, chromedp.Navigate(stack.base+path), chromedp.WaitReady(chromedp.CSS("h1")))
		audit(t, citizen, axe, dir, name)
	}
	do(t, citizen, "commitment en", chromedp.Navigate(stack.base+"/plans/ca-nap6/commitments/C04?lang=en"))
	agencyLink := get(t, citizen, "agency link", chromedp.AttributeValue(chromedp.CSS(`a[href^="/agencies/"]`), "href")).Value
	do(t, citizen, "agency", chromedp.Navigate(stack.base+agencyLink), chromedp.WaitReady(chromedp.CSS("main")))
	audit(t, citizen, axe, dir, "agency")

	var qs struct {
		Questions []struct{ ID, Text, Agency string } `json:"questions"`
	}
	getJSON(t, "/api/v1/plans/ca-nap6/commitments/C04/questions", &qs)
	var id, agencyOrg string
	for _, q := range qs.Questions {
		if q.Text == question {
			id, agencyOrg = q.ID, q.Agency
		}
	}
	if id == "" {
		t.Fatal("question not stored")
	}
	email, password := account(t, "Agency answerer", auth.Role{Kind: auth.KindAgencyEditor, Org: agencyOrg})
	agency := user(t, browser)
	signIn(t, agency, email, password)
	audit(t, agency, axe, dir, "console")
	answer := "平台預計於明年第一季上線。"
	do(t, agency, "answer",
		chromedp.Navigate(stack.base+"/console/questions?lang=zh-Hant"),
		chromedp.WaitVisible(chromedp.CSS("#a-"+id)),
		chromedp.SendKeys(chromedp.CSS("#a-"+id), answer),
		chromedp.Submit(chromedp.CSS("#a-"+id)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "已完成。")]`)))
	audit(t, agency, axe, dir, "queue")
	do(t, citizen, "reload", chromedp.Navigate(page))
	body = get(t, citizen, "read answer", chromedp.Text(chromedp.CSS("#q-"+id)))
	if !strings.Contains(body, answer) || !strings.Contains(body, "已回覆") {
		t.Errorf("the answer is not on the citizen's page: %q", body)
	}
}

func TestBrowserUpdateAgreedChangesThePageAndTheWidget(t *testing.T) {
	alloc, axe := needBrowser(t)
	dir := artifacts(t)
	browser, cancel := chromedp.NewContext(alloc)
	defer cancel()
	if err := chromedp.Do(browser); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	item, org := lateItem(t, "C02")
	email, password := account(t, "Browser editor", auth.Role{Kind: auth.KindAgencyEditor, Org: org})
	editor := user(t, browser)
	signIn(t, editor, email, password)
	public := user(t, browser)
	do(t, public, "widget before", chromedp.Navigate(stack.base+"/embed/plans/ca-nap6/commitments/C02?lang=en"))
	widgetBefore := get(t, public, "widget html", chromedp.OuterHTML(chromedp.CSS("body")))
	progress := "Browser test: the working group met and agreed the plan."
	do(t, editor, "post update",
		chromedp.Navigate(stack.base+"/console/updates/new?lang=en"),
		chromedp.WaitVisible(chromedp.CSS("#u-item")),
		chromedp.SetValue(chromedp.CSS("#u-item"), "ca-nap6|"+item),
		chromedp.SetValue(chromedp.CSS("#u-period"), "2026-12"),
		chromedp.SetValue(chromedp.CSS("#u-status"), "complete"),
		chromedp.SetValue(chromedp.CSS("#u-language"), "en"),
		chromedp.SendKeys(chromedp.CSS("#u-progress"), progress),
		chromedp.SendKeys(chromedp.CSS("#e-url-1"), "https://open.canada.ca/"),
		chromedp.SendKeys(chromedp.CSS("#e-title-1"), "Minutes"),
		chromedp.SetValue(chromedp.CSS("#e-kind-1"), "minutes"),
		chromedp.Click(chromedp.Search(`//button[contains(., "Post draft")]`)),
		chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "Updates to agree")]`)))
	audit(t, editor, axe, dir, "drafts")
	do(t, editor, "form page", chromedp.Navigate(stack.base+"/console/updates/new?lang=fr"), chromedp.WaitReady(chromedp.CSS("main")))
	audit(t, editor, axe, dir, "update-form")
	for _, side := range []string{auth.SideGovernment, auth.SideCivilSociety} {
		e, p := account(t, "WG "+side, auth.Role{Kind: auth.KindWGMember, Plan: "ca-nap6", Commitment: "C02", Side: side})
		m := user(t, browser)
		signIn(t, m, e, p)
		do(t, m, "agree as "+side,
			chromedp.Navigate(stack.base+"/console/drafts?lang=en"),
			chromedp.Click(chromedp.Search(fmt.Sprintf(`//article[contains(., %q)]//button[contains(., "Agree")]`, progress))),
			chromedp.WaitVisible(chromedp.Search(`//p[contains(., "Done.")]`)))
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		do(t, public, "commitment page", chromedp.Navigate(stack.base+"/plans/ca-nap6/commitments/C02?lang=en"))
		body := get(t, public, "updates", chromedp.Text(chromedp.CSS("#updates ~ article")))
		if strings.Contains(body, progress) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the agreed update never showed: %q", body)
		}
		time.Sleep(300 * time.Millisecond)
	}
	for {
		do(t, public, "widget after", chromedp.Navigate(stack.base+"/embed/plans/ca-nap6/commitments/C02?lang=en"))
		widgetAfter := get(t, public, "widget html", chromedp.OuterHTML(chromedp.CSS("body")))
		if widgetAfter != widgetBefore {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the embedded widget did not change")
		}
		time.Sleep(300 * time.Millisecond)
	}
	// A citizen comments on the agreed update from its page.
	comment := "Browser test: will the minutes be translated?"
	do(t, public, "comment",
		chromedp.Navigate(stack.base+"/plans/ca-nap6/commitments/C02?lang=en"),
		chromedp.Click(chromedp.Search(fmt.Sprintf(`//article[contains(., %q)]/following-sibling::section[1]//a[contains(., "Comment on this update")]`, progress))),
		chromedp.WaitVisible(chromedp.CSS("#c-text")),
		chromedp.SendKeys(chromedp.CSS("#c-text"), comment),
		chromedp.Click(chromedp.Search(`//button[contains(., "Post comment")]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(., "Thank you, your comment is published.")]`)))
	if body := get(t, public, "comments", chromedp.Text(chromedp.CSS("main"))); !strings.Contains(body, comment) {
		t.Errorf("the comment is not on the update's page: %q", body)
	}
	audit(t, public, axe, dir, "update-comments")
	e, p := account(t, "Browser PoC", auth.Role{Kind: auth.KindPoC}, auth.Role{Kind: auth.KindAdmin})
	poc := user(t, browser)
	signIn(t, poc, e, p)
	for name, path := range map[string]string{"console-comments": "/console/comments?lang=en", "console-embeds": "/console/embeds?lang=fr",
		"console-working-groups": "/console/working-groups?lang=zh-Hant", "console-tokens": "/console/tokens?lang=en",
		"console-imports": "/console/imports?lang=fr", "console-accounts": "/console/accounts?lang=en", "console-audit": "/console/audit?lang=zh-Hant",
		"console-account": "/console/account?lang=en"} {
		do(t, poc, name, chromedp.Navigate(stack.base+path), chromedp.WaitReady(chromedp.CSS("main")))
		audit(t, poc, axe, dir, name)
	}
}
