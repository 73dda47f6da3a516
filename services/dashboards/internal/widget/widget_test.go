package widget

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/kept-ogp/kept/services/dashboards/internal/rag"
)

func commitment() CommitmentView {
	return CommitmentView{
		Lang:      "en",
		PlanTitle: "Canada's 6th National Action Plan",
		Code:      "C01",
		Title:     "Open data for accountability",
		Light:     rag.Result{Light: rag.Amber, Reason: rag.ReasonDueSoonLowProgress},
		Status:    rag.Limited,
		Counts: Counts{
			ByLight:  map[rag.Light]int{rag.Green: 3, rag.Amber: 1, rag.Grey: 2},
			ByStatus: map[string]int{rag.Substantial: 3, rag.Limited: 1, "": 2},
			Total:    6,
		},
		PercentComplete: 45,
		NextDeadlines: []Deadline{
			{Code: "C01.2", Title: "Publish the data inventory", Words: "By fall 2025", Due: "2025-11-30", Approximate: true},
			{Code: "C01.3", Title: "Report twice a year", Words: "Biannually until 2029"},
		},
		UpdatedAt: time.Date(2026, time.January, 5, 15, 4, 0, 0, time.UTC),
		PageURL:   "https://kept.example.org/plans/ca-6/commitments/C01",
	}
}

func mustRender(t *testing.T, v CommitmentView) string {
	t.Helper()
	b, err := RenderCommitment(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func contains(t *testing.T, html string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(html, p) {
			t.Errorf("missing %q in:\n%s", p, html)
		}
	}
}

func TestCommitmentMarkup(t *testing.T) {
	html := mustRender(t, commitment())
	contains(t, html,
		`<!DOCTYPE html>`,
		`<html lang="en">`,
		`<title>C01 – Open data for accountability</title>`,
		`<link rel="stylesheet" href="/embed/widget.css">`,
		`<h1><span class="kw-code">C01</span> Open data for accountability</h1>`,
		// the light's colour and its words together
		`<p class="kw-light kw-amber"><span class="kw-dot" aria-hidden="true"></span><strong>At risk</strong> <span class="kw-reason">Due soon with little progress</span></p>`,
		`Completion level: <strong>Limited</strong>`,
		`<label for="kw-percent">45% complete</label>`,
		`<progress id="kw-percent" max="100" value="45">45% complete</progress>`,
		`<th scope="col">Rating</th>`,
		`<strong>On track</strong></span></th><td class="kw-n">3</td>`,
		`<th scope="row">No agreed update yet</th><td class="kw-n">2</td>`,
		`<th scope="row">Total</th><td class="kw-n">6</td>`,
		`<h2>Next deadlines</h2>`,
		`About <time datetime="2025-11-30">30 November 2025</time>`,
		`Plan says: <q>By fall 2025</q>`,
		`Plan says: <q>Biannually until 2029</q>`,
		`Updated <time datetime="2026-01-05T15:04:00Z">5 January 2026</time>`,
		`<a href="https://kept.example.org/plans/ca-6/commitments/C01" target="_blank" rel="noopener">See full details</a> (opens in a new tab)`,
	)
	for _, bad := range []string{"<script", "style=", "kw-disputed", "kw-note"} {
		if strings.Contains(html, bad) {
			t.Errorf("unexpected %q", bad)
		}
	}
}

func TestEscapesHostileText(t *testing.T) {
	v := commitment()
	hostile := `<script>alert("x")</script>' onload='x`
	v.Title = hostile
	v.Code = `"><img src=x onerror=alert(1)>`
	v.PlanTitle = hostile
	v.NextDeadlines = []Deadline{{Code: hostile, Title: hostile, Words: hostile, Due: `2025-11-30"><script>`}}
	v.PageURL = "javascript:alert(1)"
	v.TitleFallbackLang = `en" onclick="x`
	html := mustRender(t, v)
	for _, bad := range []string{"<script", "<img", `onclick="`, "javascript:", "' onload='"} {
		if strings.Contains(html, bad) {
			t.Errorf("hostile text got through as %q:\n%s", bad, html)
		}
	}
	contains(t, html, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&#39; onload=&#39;x")
	if strings.Contains(html, "<a ") {
		t.Errorf("a javascript: link must be dropped")
	}
	if strings.Contains(html, "<time datetime=\"2025") {
		t.Errorf("a malformed due date must not become a datetime")
	}
}

func TestFallbackNote(t *testing.T) {
	v := commitment()
	v.Lang = "fr"
	v.TitleFallbackLang = "en"
	html := mustRender(t, v)
	contains(t, html,
		`<html lang="fr">`,
		`<h1 lang="en">`,
		`<p class="kw-note">Affiché en anglais`+"\u00a0"+`: non disponible en français</p>`)

	v.Lang = "en"
	if strings.Contains(mustRender(t, v), "kw-note") {
		t.Errorf("no note when the title is in the asked language")
	}

	v.Lang = "en"
	v.TitleFallbackLang = "fr"
	contains(t, mustRender(t, v), `<p class="kw-note">Shown in French: not available in English</p>`)
}

func TestFrenchAndChinese(t *testing.T) {
	v := commitment()
	v.Lang = "fr-CA"
	v.Disputed = true
	v.Light = rag.Result{Light: rag.Red, Reason: rag.ReasonOverdue}
	html := mustRender(t, v)
	contains(t, html,
		`<html lang="fr">`,
		`<strong>En retard</strong> <span class="kw-reason">Échéance dépassée sans être terminé</span>`,
		`<span class="kw-disputed">Contesté</span>`,
		"Niveau d’achèvement\u00a0: <strong>Limité</strong>",
		"45\u202f% achevé",
		`<h2>Prochaines échéances</h2>`,
		`Vers le <time datetime="2025-11-30">30 novembre 2025</time>`,
		`Mis à jour le <time datetime="2026-01-05T15:04:00Z">5 janvier 2026</time>`,
	)

	v.Lang = "zh-TW"
	html = mustRender(t, v)
	contains(t, html,
		`<html lang="zh-Hant">`,
		`<strong>進度落後</strong>`,
		`<span class="kw-disputed">有爭議</span>`,
		`完成程度：<strong>有限</strong>`, `計畫原文：<q>By fall 2025</q>`,
		`已完成 45%`,
		`<h2>近期期限</h2>`,
		`約 <time datetime="2025-11-30">2025年11月30日</time>`,
		`更新日期 <time datetime="2026-01-05T15:04:00Z">2026年1月5日</time>`,
	)
}

func TestCommitmentEdges(t *testing.T) {
	v := CommitmentView{Title: "Bare", PercentComplete: 140, Light: rag.Result{Light: "purple"}}
	html := mustRender(t, v)
	contains(t, html, `<html lang="en">`, `value="100"`, `kw-light kw-grey`, `<strong>Not yet reported</strong>`,
		`No upcoming deadlines`)
	for _, bad := range []string{"<table", "kw-updated", "<a "} {
		if strings.Contains(html, bad) {
			t.Errorf("unexpected %q for an empty view", bad)
		}
	}
	v.PercentComplete = -5
	contains(t, mustRender(t, v), `value="0"`)
}

func TestPlan(t *testing.T) {
	v := PlanView{
		Lang:  "en",
		Title: "Canada's 6th National Action Plan <2025-2029>",
		Light: rag.Result{Light: rag.Green, Reason: rag.ReasonRollupGreen},
		Counts: Counts{
			ByLight: map[rag.Light]int{rag.Green: 4},
			Total:   4,
		},
		PercentComplete: 30,
		Commitments: []CommitmentRow{
			{Code: "C01", Title: "Open data <b>now</b>", Light: rag.Result{Light: rag.Green}, PercentComplete: 50},
			{Code: "C02", Title: "Fiscal transparency", Light: rag.Result{Light: rag.Red}, PercentComplete: 10},
		},
		UpdatedAt: time.Date(2026, time.June, 30, 0, 0, 0, 0, time.UTC),
		PageURL:   "/plans/ca-6",
	}
	b, err := RenderPlan(v)
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	contains(t, html,
		`<title>Canada&#39;s 6th National Action Plan &lt;2025-2029&gt;</title>`,
		`<p class="kw-kicker">Action plan</p>`,
		`<h2>Commitments</h2>`,
		`<li><span class="kw-code">C01</span> Open data &lt;b&gt;now&lt;/b&gt;<br><span class="kw-light kw-green"><span class="kw-dot" aria-hidden="true"></span><strong>On track</strong></span> · 50% complete</li>`,
		`<strong>Off track</strong>`,
		`<a href="/plans/ca-6" target="_blank" rel="noopener">`,
		`Its reported parts are on track`,
	)
	v.Lang = "fr"
	b, _ = RenderPlan(v)
	contains(t, string(b), `<p class="kw-kicker">Plan d’action</p>`, "50\u202f% achevé", `<h2>Engagements</h2>`)
}

func TestDeterministic(t *testing.T) {
	a := mustRender(t, commitment())
	for range 10 {
		if b := mustRender(t, commitment()); a != b {
			t.Fatal("output differs between renders")
		}
	}
}

func TestCSS(t *testing.T) {
	css := CSS()
	if !bytes.Contains(css, []byte(".kw-amber .kw-dot")) {
		t.Error("stylesheet lacks the light colours")
	}
	css[0] = 'X'
	if CSS()[0] == 'X' {
		t.Error("CSS must return a copy")
	}
}

func TestSafeURL(t *testing.T) {
	cases := map[string]string{
		"https://a.gc.ca/x?y=1":  "https://a.gc.ca/x?y=1",
		"http://localhost:8080/": "http://localhost:8080/",
		"/plans/ca-6":            "/plans/ca-6",
		"//evil.example/x":       "",
		"javascript:alert(1)":    "",
		"data:text/html,x":       "",
		"https:///nohost":        "",
		"plans/relative":         "",
		"":                       "",
	}
	for in, want := range cases {
		if got := safeURL(in); got != want {
			t.Errorf("safeURL(%q) = %q, want %q", in, got, want)
		}
	}
}
