package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kept-ogp/kept/services/gateway/internal/upstream"
	"github.com/kept-ogp/kept/services/kit/auth"
)

func TestPublicPagesRenderThePlanInTheReadersLanguage(t *testing.T) {
	b := newBrowser(t)
	home := b.get("/")
	if home.status != http.StatusOK {
		t.Fatalf("home: %d", home.status)
	}
	if !strings.Contains(home.body, `<html lang="zh-Hant">`) || !strings.Contains(home.body, "行動方案") {
		t.Error("home is not in Traditional Chinese by default")
	}
	if csp := home.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q", csp)
	}
	if strings.Contains(home.body, "<script") || strings.Contains(home.body, "style=") {
		t.Error("a page has inline script or style")
	}
	// The plan has English and French only: the Chinese page says so.
	if !strings.Contains(home.body, "Canada&#39;s 2025-2029 National Action Plan") || !strings.Contains(home.body, "此段文字沒有繁體中文版本") {
		t.Errorf("home does not show the plan title with a fallback note: %.2000s", home.body)
	}
	fr := b.get("/plans/ca-nap6?lang=fr")
	if !strings.Contains(fr.body, `<html lang="fr">`) || !strings.Contains(fr.body, "Plan d&#39;action national du Canada") {
		t.Error("French plan page lacks the French title")
	}
	if !strings.Contains(fr.body, "Participation inclusive et significative") || strings.Contains(fr.body, `class="fallback"`) {
		t.Error("the French page lacks French titles or shows a fallback note though the plan has French")
	}
	en := b.get("/plans/ca-nap6?lang=en")
	for _, want := range []string{"C01", "C04", "Inclusive and meaningful public participation", "Grey: no progress reported", "/agencies/"} {
		if !strings.Contains(en.body, want) {
			t.Errorf("plan page lacks %q", want)
		}
	}
	acc := b.get("/plans/ca-nap6?lang=en&status=green")
	if !strings.Contains(acc.body, "No commitment matches these filters.") {
		t.Error("status filter green did not empty the list of a plan with no progress")
	}
	// Accept-Language picks English when no ?lang.
	req, _ := http.NewRequest(http.MethodGet, stack.base+"/plans/ca-nap6", nil)
	req.Header.Set("Accept-Language", "en-CA,en;q=0.9,fr;q=0.5")
	if p := b.do(req); !strings.Contains(p.body, `<html lang="en">`) {
		t.Error("Accept-Language en did not give English")
	}
	cm := b.get("/plans/ca-nap6/commitments/C01?lang=en")
	for _, want := range []string{"C01.1.1", "Deadline (as written)", "Derived date", "Questions and answers", `name="website"`, `class="visually-hidden"`, "Ask a question"} {
		if !strings.Contains(cm.body, want) {
			t.Errorf("commitment page lacks %q", want)
		}
	}
	if b.get("/plans/ca-nap6/commitments/C99").status != http.StatusNotFound {
		t.Error("unknown commitment is not 404")
	}
	if b.get("/plans/nope").status != http.StatusNotFound {
		t.Error("unknown plan is not 404")
	}
}

func TestAgencyAndSearchPages(t *testing.T) {
	b := newBrowser(t)
	en := b.get("/plans/ca-nap6?lang=en")
	i := strings.Index(en.body, `href="/agencies/`)
	if i < 0 {
		t.Fatal("no agency link")
	}
	link := en.body[i+6:]
	link = link[:strings.Index(link, `"`)]
	ag := b.get(strings.ReplaceAll(link, "&amp;", "&"))
	if ag.status != http.StatusOK || !strings.Contains(ag.body, "Response record") || !strings.Contains(ag.body, "Commitments and items it leads") {
		t.Fatalf("agency page %s: %d %.300s", link, ag.status, ag.body)
	}
	s := b.get("/search?lang=en&q=" + url.QueryEscape("meaningful public"))
	if !strings.Contains(s.body, "Inclusive and meaningful public participation") {
		t.Error("search did not find a commitment by part of its title")
	}
	if b.get("/agencies/no-such-org").status != http.StatusNotFound {
		t.Error("unknown agency is not 404")
	}
}

func TestAQuestionIsEscapedAndFoundByPartOfAChineseWord(t *testing.T) {
	b := newBrowser(t)
	cm := b.get("/plans/ca-nap6/commitments/C02?lang=zh-Hant")
	tok := cm.csrf(t)
	form := url.Values{"csrf": {tok}, "text": {"<script>alert(1)</script> 請問資訊公開進度如何？"}, "language": {"zh-Hant"}, "display_name": {"小明"}}
	r := b.post("/plans/ca-nap6/commitments/C02/questions?lang=zh-Hant", form)
	if r.status != http.StatusSeeOther {
		t.Fatalf("ask: %d %.500s", r.status, r.body)
	}
	after := b.get("/plans/ca-nap6/commitments/C02?lang=zh-Hant&asked=1")
	if strings.Contains(after.body, "<script>alert(1)</script>") {
		t.Fatal("the question's markup reached the page unescaped")
	}
	if !strings.Contains(after.body, "&lt;script&gt;alert(1)&lt;/script&gt;") || !strings.Contains(after.body, "謝謝，您的問題已送出。") {
		t.Errorf("the question is not shown as text: %.3000s", after.body)
	}
	if !strings.Contains(after.body, "等待回覆") || !strings.Contains(after.body, "剩餘") {
		t.Error("the question has no SLA state and days left")
	}
	s := b.get("/search?q=" + url.QueryEscape("資訊公"))
	if !strings.Contains(s.body, "請問資訊公開進度如何") {
		t.Error("search did not find the question by part of a Chinese word")
	}
	// Accents and case are folded: "etablir un forum" finds the French
	// milestone "Établir un forum ...".
	if fr := b.get("/search?lang=fr&q=" + url.QueryEscape("ETABLIR un forum")); !strings.Contains(fr.body, "tablir un Forum multi-intervenants") {
		t.Errorf("search did not fold accents and case: %.1500s", fr.body)
	}
	// Without the form token: refused, nothing stored.
	bad := newBrowser(t).post("/plans/ca-nap6/commitments/C02/questions", url.Values{"text": {"csrf-less question"}, "language": {"en"}})
	if bad.status != http.StatusForbidden {
		t.Errorf("question without form token: %d", bad.status)
	}
	// The honeypot looks like success but stores nothing.
	hp := b.post("/plans/ca-nap6/commitments/C02/questions", url.Values{"csrf": {tok}, "text": {"bot question honeypot"}, "language": {"en"}, "website": {"http://spam"}})
	if hp.status != http.StatusSeeOther {
		t.Errorf("honeypot: %d", hp.status)
	}
	final := b.get("/plans/ca-nap6/commitments/C02?lang=en")
	if strings.Contains(final.body, "csrf-less question") || strings.Contains(final.body, "bot question honeypot") {
		t.Error("a refused or honeypot question was published")
	}
	// Validation errors name the field and keep the text.
	long := b.post("/plans/ca-nap6/commitments/C02/questions?lang=en", url.Values{"csrf": {tok}, "text": {"   "}, "language": {"en"}})
	if long.status != http.StatusUnprocessableEntity || !strings.Contains(long.body, "Text: is required") {
		t.Errorf("empty question: %d %.300s", long.status, long.body)
	}
	// In Chinese, the field and the problem are in Chinese.
	zh := b.post("/plans/ca-nap6/commitments/C02/questions?lang=zh-Hant", url.Values{"csrf": {tok}, "text": {strings.Repeat("長", 6000)}, "language": {"zh-Hant"}, "anonymous": {"on"}})
	if zh.status != http.StatusUnprocessableEntity || !strings.Contains(zh.body, "問題或留言內容：共 6000 字，最多") {
		t.Errorf("too long a question in zh-Hant: %d %s", zh.status, errorList(zh.body))
	}
	// The subscribe form says what is wrong with the address.
	sub := b.post("/plans/ca-nap6/commitments/C02/subscribe?lang=en", url.Values{"csrf": {tok}, "email": {"not-an-address"}})
	if sub.status != http.StatusUnprocessableEntity || !strings.Contains(sub.body, "Email: is not an email address") {
		t.Errorf("subscribe with a bad address: %d %s", sub.status, errorList(sub.body))
	}
	subFr := b.post("/plans/ca-nap6/commitments/C02/subscribe?lang=fr", url.Values{"csrf": {tok}, "email": {"pas-une-adresse"}})
	if !strings.Contains(subFr.body, "Courriel : n’est pas une adresse de courriel") {
		t.Errorf("subscribe with a bad address in French: %s", errorList(subFr.body))
	}
}

func TestAgencyPostsTheWorkingGroupAgreesAndThePageChanges(t *testing.T) {
	item, org := lateItem(t, "C01")
	editor := staff(t, "Agency editor", auth.Role{Kind: auth.KindAgencyEditor, Org: org})
	form := editor.get("/console/updates/new?lang=en")
	if form.status != http.StatusOK || !strings.Contains(form.body, "ca-nap6|"+item) {
		t.Fatalf("update form: %d %.500s", form.status, form.body)
	}
	// Only the plan's languages are offered (the updates service refuses others).
	if zh := editor.get("/console/updates/new?lang=zh-Hant"); !strings.Contains(zh.body, `<option value="en" selected>`) || !strings.Contains(zh.body, `<option value="fr"`) || strings.Contains(zh.body, `<option value="zh-Hant"`) {
		t.Error("the update form does not offer exactly the plan's languages, the first preselected for a Chinese reader")
	}
	tok := form.csrf(t)
	base := url.Values{"csrf": {tok}, "item": {"ca-nap6|" + item}, "period": {"2026-12"}, "status": {"substantial"}, "language": {"en"},
		"progress": {"Forum terms of reference drafted with partners."}, "evidence_url": {"https://www.rcmp-grc.gc.ca/", ""},
		"evidence_title": {"Draft terms", ""}, "evidence_kind": {"publication", "other"}}
	// The item is past due and not complete: the delay reason is required.
	r := editor.post("/console/updates?lang=en", base)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "delay_reason") {
		t.Fatalf("late update without a reason: %d %.800s", r.status, r.body)
	}
	base.Set("delay_reason", "Consultations took longer.")
	if r := editor.post("/console/updates?lang=en", base); r.status != http.StatusSeeOther {
		t.Fatalf("post update: %d %.800s", r.status, r.body)
	}
	widget := func() string { return newBrowser(t).get("/embed/plans/ca-nap6/commitments/C01?lang=en").body }
	before := widget()
	gov := staff(t, "RCMP lead", auth.Role{Kind: auth.KindWGMember, Plan: "ca-nap6", Commitment: "C01", Side: auth.SideGovernment})
	cso := staff(t, "CSO member", auth.Role{Kind: auth.KindWGMember, Plan: "ca-nap6", Commitment: "C01", Side: auth.SideCivilSociety})
	for _, m := range []*browser{gov, cso} {
		d := m.get("/console/drafts?lang=en")
		i := strings.Index(d.body, "Forum terms of reference drafted")
		if i < 0 {
			t.Fatalf("draft not listed: %.800s", d.body)
		}
		j := strings.Index(d.body[i:], `action="/console/updates/`)
		path := d.body[i+j+len(`action="`):]
		path = path[:strings.Index(path, `"`)]
		if !strings.Contains(path, "/agree") {
			t.Fatalf("first form is %s", path)
		}
		if r := m.post(strings.ReplaceAll(path, "&amp;", "&"), url.Values{"csrf": {d.csrf(t)}}); r.status != http.StatusSeeOther {
			t.Fatalf("agree: %d %.500s", r.status, r.body)
		}
		if m == gov {
			// The side that agreed is not offered the button again.
			again := gov.get("/console/drafts?lang=en").body
			if i := strings.Index(again, "Forum terms of reference drafted"); i >= 0 {
				article := again[i:]
				article = article[:strings.Index(article, "</article>")]
				if strings.Contains(article, "/agree") {
					t.Error("the government member is offered to agree again")
				}
			}
		}
	}
	pub := newBrowser(t)
	eventually(t, "the agreed update on the commitment page", func() bool {
		p := pub.get("/plans/ca-nap6/commitments/C01?lang=en")
		return strings.Contains(p.body, "Forum terms of reference drafted") && strings.Contains(p.body, "Consultations took longer.") && strings.Contains(p.body, "Draft terms")
	})
	eventually(t, "the embedded widget to change", func() bool { return widget() != before })
	docs := pub.get("/plans/ca-nap6/documents?lang=en")
	if !strings.Contains(docs.body, "Draft terms") || !strings.Contains(docs.body, "https://www.rcmp-grc.gc.ca/") {
		t.Error("the document repository lacks the update's evidence")
	}
	feed := pub.get("/plans/ca-nap6/commitments/C01/feed.atom?lang=en")
	if !strings.Contains(feed.body, "<feed xmlns=\"http://www.w3.org/2005/Atom\"") || !strings.Contains(feed.body, "Forum terms of reference drafted") {
		t.Errorf("commitment feed lacks the update: %.500s", feed.body)
	}
	csv := pub.get("/plans/ca-nap6/updates.csv")
	if !strings.Contains(csv.body, item) || !strings.Contains(csv.header.Get("Content-Type"), "text/csv") {
		t.Error("updates CSV lacks the update")
	}
	audit := staff(t, "PoC", auth.Role{Kind: auth.KindPoC}).get("/console/audit?lang=en")
	if !strings.Contains(audit.body, "update.post") || !strings.Contains(audit.body, "update.agree") {
		t.Error("the audit log lacks the staff actions")
	}
}

func TestAgencyAnswersAQuestionFromTheQueue(t *testing.T) {
	citizen := newBrowser(t)
	cm := citizen.get("/plans/ca-nap6/commitments/C03?lang=zh-Hant")
	if r := citizen.post("/plans/ca-nap6/commitments/C03/questions", url.Values{"csrf": {cm.csrf(t)}, "text": {"何時公布資料集清單？"}, "language": {"zh-Hant"}, "anonymous": {"on"}, "email": {"asker@example.org"}}); r.status != http.StatusSeeOther {
		t.Fatalf("ask: %d %.300s", r.status, r.body)
	}
	if p := citizen.get("/plans/ca-nap6/commitments/C03"); strings.Contains(p.body, "asker@example.org") {
		t.Fatal("the asker's email is on the public page")
	}
	var qs struct {
		Questions []struct {
			ID, Agency string
		} `json:"questions"`
	}
	getJSON(t, "/api/v1/plans/ca-nap6/commitments/C03/questions", &qs)
	if len(qs.Questions) == 0 || qs.Questions[0].Agency == "" {
		t.Fatalf("question not routed: %+v", qs)
	}
	q := qs.Questions[0]
	poc := staff(t, "PoC", auth.Role{Kind: auth.KindPoC})
	queue := poc.get("/console/questions?lang=en")
	if !strings.Contains(queue.body, "何時公布資料集清單？") || !strings.Contains(queue.body, "days left") {
		t.Fatalf("PoC queue lacks the question: %.800s", queue.body)
	}
	agency := staff(t, "Agency editor", auth.Role{Kind: auth.KindAgencyEditor, Org: q.Agency})
	aq := agency.get("/console/questions?lang=en")
	if !strings.Contains(aq.body, "何時公布資料集清單？") {
		t.Fatal("the agency's queue lacks its question")
	}
	path := "/console/questions/ca-nap6/C03/" + q.ID + "/answers?lang=en"
	if r := agency.post(path, url.Values{"csrf": {aq.csrf(t)}, "text": {"清單將於明年三月公布。"}, "language": {"zh-Hant"}}); r.status != http.StatusSeeOther {
		t.Fatalf("answer: %d %.500s", r.status, r.body)
	}
	p := citizen.get("/plans/ca-nap6/commitments/C03?lang=zh-Hant")
	if !strings.Contains(p.body, "清單將於明年三月公布。") || !strings.Contains(p.body, "已回覆") {
		t.Error("the answer is not on the commitment page")
	}
	qcsv := citizen.get("/plans/ca-nap6/questions.csv")
	if !strings.Contains(qcsv.body, "何時公布資料集清單？") || strings.Contains(qcsv.body, "asker@example.org") {
		t.Error("questions CSV lacks the question or holds the email")
	}
}

// lateItem finds an indicator of commitment code that is past due, and its lead.
func lateItem(t *testing.T, code string) (string, string) {
	t.Helper()
	var out struct {
		Commitment upstream.Commitment `json:"commitment"`
	}
	getJSON(t, "/api/v1/plans/ca-nap6/commitments/"+code, &out)
	today := time.Now().Format("2006-01-02")
	for _, m := range out.Commitment.Milestones {
		for _, in := range m.Indicators {
			if in.Deadline.Due != "" && in.Deadline.Due < today && len(in.LeadOrgs) > 0 {
				return in.Code, in.LeadOrgs[0].Code
			}
		}
	}
	t.Fatalf("no late indicator in %s", code)
	return "", ""
}

// The commitment page is served from the page cache, but each visitor's
// forms carry that visitor's own token (the one in their cookie), and a
// question one visitor posts shows on their next view.
func TestCachedPagesCarryEachVisitorsOwnFormToken(t *testing.T) {
	path := "/plans/ca-nap6/commitments/C04?lang=en"
	a, b := newBrowser(t), newBrowser(t)
	pa, pb := a.get(path), b.get(path)
	ta, tb := pa.csrf(t), pb.csrf(t)
	if ta == tb {
		t.Fatal("two visitors got the same form token")
	}
	for _, v := range []struct {
		who   *browser
		token string
	}{{a, ta}, {b, tb}} {
		u, _ := url.Parse(stack.base)
		found := false
		for _, ck := range v.who.client.Jar.Cookies(u) {
			found = found || (ck.Name == "kept_form" && ck.Value == v.token)
		}
		if !found {
			t.Errorf("the page's form token %q is not the visitor's cookie", v.token)
		}
	}
	if again := a.get(path); again.csrf(t) != ta {
		t.Error("a visitor's token changed between two views")
	}
	r := b.post("/plans/ca-nap6/commitments/C04/questions?lang=en", url.Values{"csrf": {tb}, "text": {"Cached page question: when is the first report due?"}, "language": {"en"}, "anonymous": {"on"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("ask with the cached page's token: %d %.300s", r.status, r.body)
	}
	if after := b.get(path + "&asked=1"); !strings.Contains(after.body, "Cached page question") {
		t.Error("the visitor's question is not on their next view of the cached page")
	}
	if other := a.get(path); !strings.Contains(other.body, "Cached page question") {
		t.Error("another visitor's view still shows the page from before the question")
	}
}

// Unknown pages get the site's own 404 page in the reader's language, API
// paths keep the JSON error, and /static/ lists nothing.
func TestUnknownPagesAndStaticDirectories(t *testing.T) {
	b := newBrowser(t)
	p := b.get("/no/such/page?lang=en")
	if p.status != http.StatusNotFound || !strings.Contains(p.header.Get("Content-Type"), "text/html") || !strings.Contains(p.body, `<html lang="en">`) {
		t.Errorf("unknown page: %d %s %.300s", p.status, p.header.Get("Content-Type"), p.body)
	}
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("the 404 page has no CSP: %q", csp)
	}
	api := b.get("/api/v1/no-such-route")
	if api.status != http.StatusNotFound || !strings.Contains(api.body, `"not_found"`) {
		t.Errorf("unknown API route: %d %.200s", api.status, api.body)
	}
	if d := b.get("/static/"); d.status != http.StatusNotFound || strings.Contains(d.body, `<a href="kept.css">`) {
		t.Errorf("/static/: %d %.200s", d.status, d.body)
	}
	if css := b.get("/static/kept.css"); css.status != http.StatusOK || !strings.Contains(css.header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %s", css.status, css.header.Get("Content-Type"))
	}
}

// errorList is the page's error summary, for failure messages.
func errorList(body string) string {
	i := strings.Index(body, `class="errors"`)
	if i < 0 {
		return "(no error list)"
	}
	return body[i:min(len(body), i+600)]
}

// The PoC records each commitment's OGP values in the SAR sections: the
// plan page shows them and filters by them. The document repository lists
// the reports the PoC published, with their checksums, and links to the
// current drafts of the SAR and of each period's joint progress update.
func TestOGPValuesFilterThePlanAndReportsAreInTheRepository(t *testing.T) {
	_, poc, err := stack.process.Tokens.Create(t.Context(), "Values PoC", "test", []auth.Role{{Kind: auth.KindPoC}})
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]any{"commitments": map[string]any{
		"C01": map[string]any{"ogp_values": []string{"civic_participation", "public_accountability"}},
		"C02": map[string]any{"ogp_values": []string{"access_to_information"}},
	}}
	apiDo(t, http.MethodPut, poc, "/api/v1/reporting/plans/ca-nap6/sar/sections", sections)
	b := newBrowser(t)
	var civic page
	eventually(t, "the plan filtered by civic participation", func() bool {
		civic = b.get("/plans/ca-nap6?lang=en&value=civic_participation")
		return strings.Contains(civic.body, "Civic participation") && strings.Contains(civic.body, "/commitments/C01?")
	})
	if strings.Contains(civic.body, "/commitments/C02?") || strings.Contains(civic.body, "/commitments/C03?") {
		t.Error("the civic-participation filter lists commitments without that value")
	}
	if !strings.Contains(civic.body, `<option value="civic_participation" selected>`) {
		t.Error("the value filter does not show the chosen value")
	}
	if fr := b.get("/plans/ca-nap6?lang=fr"); !strings.Contains(fr.body, "Accès à l’information") || !strings.Contains(fr.body, "/commitments/C03?") {
		t.Error("the unfiltered French plan page lacks the values or a commitment")
	}

	// A draft SAR becomes a version; the PoC publishes it.
	if r, err := http.Get(stack.base + "/api/v1/reporting/plans/ca-nap6/sar?format=html&lang=en"); err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("SAR draft: %v %v", r, err)
	}
	var vs struct {
		Versions []struct {
			ID   string `json:"id"`
			Kind string `json:"kind"`
		} `json:"versions"`
	}
	getJSON(t, "/api/v1/reporting/plans/ca-nap6/versions", &vs)
	vid := ""
	for _, v := range vs.Versions {
		if v.Kind == "sar" && strings.HasPrefix(v.ID, "sar-en-") {
			vid = v.ID
		}
	}
	if vid == "" {
		t.Fatalf("no SAR version: %+v", vs)
	}
	apiDo(t, http.MethodPost, poc, "/api/v1/reporting/plans/ca-nap6/versions/"+vid+"/publish", nil)
	docs := b.get("/plans/ca-nap6/documents?lang=en")
	for _, want := range []string{"Published reports", "Self-assessment report (SAR)", "/api/v1/reporting/plans/ca-nap6/versions/" + vid + "?format=docx", "SHA-256",
		"/api/v1/reporting/plans/ca-nap6/sar?format=html&amp;lang=fr", "/api/v1/reporting/plans/ca-nap6/periods/2026-06/progress?format=html&amp;lang=en"} {
		if !strings.Contains(docs.body, want) {
			t.Errorf("the document repository lacks %q", want)
		}
	}
	if strings.Contains(docs.body, "/periods/2029-12/progress") {
		t.Error("the repository links a period that has not begun")
	}
}

// Things a newcomer found: HEAD works on pages, an oversized form says so
// (not "the form expired"), a hidden question's notice and the SLA policy
// are in the reader's language, and a subscribe refusal names the field by
// its label in the reader's language.
func TestNewcomerFindings(t *testing.T) {
	req, _ := http.NewRequest(http.MethodHead, stack.base+"/plans/ca-nap6?lang=en", nil)
	if h := newBrowser(t).do(req); h.status != http.StatusOK || h.body != "" {
		t.Errorf("HEAD on the plan page: %d %q", h.status, h.body)
	}
	b := newBrowser(t)
	cm := b.get("/plans/ca-nap6/commitments/C04?lang=fr")
	tok := cm.csrf(t)
	big := b.post("/plans/ca-nap6/commitments/C04/questions?lang=fr", url.Values{"csrf": {tok}, "text": {strings.Repeat("a", 70000)}, "language": {"fr"}, "anonymous": {"on"}})
	if big.status != http.StatusRequestEntityTooLarge || !strings.Contains(big.body, "Votre envoi est trop long") {
		t.Errorf("a 70 000-character question: %d %s", big.status, errorList(big.body))
	}
	sub := b.post("/plans/ca-nap6/commitments/C04/subscribe?lang=zh-Hant", url.Values{"csrf": {tok}, "email": {""}})
	if !strings.Contains(sub.body, "電子郵件：必須填寫") {
		t.Errorf("subscribe without an address in zh-Hant: %s", errorList(sub.body))
	}

	q := apiPost(t, "", "/api/v1/plans/ca-nap6/commitments/C04/questions", map[string]any{"text": "Newcomer spam question", "language": "en", "anonymous": true})
	if q == nil {
		t.FailNow()
	}
	id := q["question"].(map[string]any)["id"].(string)
	_, poc, _ := stack.process.Tokens.Create(t.Context(), "Newcomer PoC", "test", []auth.Role{{Kind: auth.KindPoC}})
	apiPost(t, poc, "/api/v1/plans/ca-nap6/commitments/C04/questions/"+id+"/hide", map[string]string{"reason": "Publicité"})
	var page page
	eventually(t, "the hidden question's notice", func() bool {
		page = newBrowser(t).get("/plans/ca-nap6/commitments/C04?lang=fr")
		return strings.Contains(page.body, "Un modérateur a masqué cette question. Motif : Publicité")
	})
	if strings.Contains(page.body, "hidden by moderator") {
		t.Error("the French page shows the English hidden notice")
	}
	if !strings.Contains(page.body, "Délai de réponse : 20 jours ouvrables · règle de ce site") {
		t.Error("the page does not show the SLA policy the questions were asked under")
	}
}

// A write the console refuses for lack of a role is in the audit log.
func TestRefusedConsoleWritesAreAudited(t *testing.T) {
	editor := staff(t, "Curious editor", auth.Role{Kind: auth.KindAgencyEditor, Org: "rcmp-grc"})
	home := editor.get("/console?lang=en")
	if r := editor.post("/console/embeds?lang=en", url.Values{"csrf": {home.csrf(t)}, "origin": {"https://evil.example"}}); r.status != http.StatusForbidden {
		t.Fatalf("editor adding an embed origin: %d", r.status)
	}
	audit := staff(t, "Auditing PoC", auth.Role{Kind: auth.KindPoC}).get("/console/audit?lang=en")
	if !strings.Contains(audit.body, "POST /console/embeds") || !strings.Contains(audit.body, "forbidden") {
		t.Error("the refused write is not in the audit log")
	}
}
