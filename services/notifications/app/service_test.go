package app_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/notifications/app"
	"go.mongodb.org/mongo-driver/v2/bson"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// A warning goes to the PoC and the assigned agency, each in their own
// language, once per recipient even when the event arrives twice and an
// address is on both lists.
func TestSLAAlertToPoCAndAgencyOnce(t *testing.T) {
	e := start(t, nil)
	e.mustDo(http.MethodPut, "/api/v1/notifications/contacts/poc", e.poc, `{"emails":["poc@gov.example"],"language":"fr"}`, http.StatusOK)
	e.mustDo(http.MethodPut, "/api/v1/notifications/contacts/agencies/ndc", e.poc,
		`{"emails":["ndc@gov.example","POC@gov.example"],"language":"zh-Hant"}`, http.StatusOK)

	ev := envelope("qa.question.sla_warning", "q1")
	ev.Body = &eventsv1.Envelope_QuestionSlaAlert{QuestionSlaAlert: &eventsv1.QuestionSLAAlert{QuestionId: "q1", PlanId: "tw-2025",
		CommitmentCode: "C01", AssignedAgency: "ndc", Kind: "warning", Threshold: 5, DueDay: "2026-03-30", DueVersion: 1}}
	e.publish(app.QAStream, ev)
	e.publish(app.QAStream, ev) // the same event again
	got := e.mail(2)
	e.settle()
	if n := len(e.smtp.Messages()); n != 2 {
		t.Fatalf("%d messages after a duplicate event, want 2", n)
	}
	if m := got["poc@gov.example"]; len(m) != 1 || !strings.Contains(m[0].Subject, "Réponse attendue le 2026-03-30") {
		t.Fatalf("PoC mail: %+v", m)
	}
	nd := got["ndc@gov.example"]
	if len(nd) != 1 || !strings.Contains(nd[0].Subject, "回覆期限 2026-03-30") || !strings.Contains(nd[0].Text, "尚餘 5 個工作天") {
		t.Fatalf("agency mail: %+v", nd)
	}
	if !strings.Contains(nd[0].Text, "https://kept.example.org/plans/tw-2025/commitments/C01/questions/q1") {
		t.Errorf("agency mail lacks the question link:\n%s", nd[0].Text)
	}
	if nd[0].Header.Get("List-Unsubscribe") != "" {
		t.Error("a contact's alert carries List-Unsubscribe")
	}

	// The delivery log: admin and PoC see recipients; nobody else sees it.
	ds := e.deliveries("?status=sent")
	if len(ds) != 2 {
		t.Fatalf("log holds %d sent deliveries, want 2: %+v", len(ds), ds)
	}
	roles := map[string]string{}
	for _, d := range ds {
		roles[d.Recipient] = d.Role + "/" + d.Language
		if d.EventID != ev.Id || d.Channel != "email" || d.Kind != "sla_warning" || d.Attempts != 1 {
			t.Errorf("log entry %+v", d)
		}
	}
	if roles["poc@gov.example"] != "poc/fr" || roles["ndc@gov.example"] != "agency:ndc/zh-Hant" {
		t.Errorf("log roles %v", roles)
	}
	e.mustDo(http.MethodGet, "/api/v1/notifications/deliveries", "", "", http.StatusUnauthorized)
	editor := e.token("editor", auth.Role{Kind: auth.KindAgencyEditor, Org: "ndc"})
	e.mustDo(http.MethodGet, "/api/v1/notifications/deliveries", editor, "", http.StatusForbidden)
	e.mustDo(http.MethodPut, "/api/v1/notifications/contacts/poc", editor, `{"emails":["x@y.example"]}`, http.StatusForbidden)
	admin := e.token("admin", auth.Role{Kind: auth.KindAdmin})
	if w := e.mustDo(http.MethodGet, "/api/v1/notifications/contacts/agencies/ndc", admin, "", http.StatusOK); !strings.Contains(w.Body.String(), "ndc@gov.example") {
		t.Errorf("contact read: %s", w.Body.String())
	}
}

// Double opt-in, answers to the confirmed asker and to confirmed
// subscribers, agreed and disputed updates, and one-click unsubscribe.
func TestSubscriptionsAnswersAndUpdates(t *testing.T) {
	e := start(t, nil)
	e.qa.askers["q-confirmed"] = map[string]any{"email": "asker@example.org", "confirmed": true, "language": "fr"}
	e.qa.askers["q-unconfirmed"] = map[string]any{"email": "shy@example.org", "confirmed": false, "language": "en"}
	e.plan("tw-2025", 1, "C01")

	e.mustDo(http.MethodPost, "/api/v1/notifications/subscriptions", "",
		`{"plan":"tw-2025","commitment":"C01","email":"sub@example.org","language":"zh-TW"}`, http.StatusAccepted)
	conf := e.mail(1)["sub@example.org"]
	if len(conf) != 1 || !strings.Contains(conf[0].Subject, "請確認訂閱 tw-2025 C01") {
		t.Fatalf("confirmation mail: %+v", conf)
	}
	if !strings.Contains(conf[0].Text, "https://kept.example.org/subscriptions/confirm?token=") {
		t.Fatalf("confirmation link missing:\n%s", conf[0].Text)
	}
	confirmTok := linkToken(t, conf[0].Text)

	answered := func(id, text string) *eventsv1.Envelope {
		ev := envelope("qa.question.answered", id)
		ev.Body = &eventsv1.Envelope_QuestionChanged{QuestionChanged: &eventsv1.QuestionChanged{QuestionId: id, PlanId: "tw-2025",
			CommitmentCode: "C01", Status: "answered", Change: "answered", Language: "zh-Hant", Text: text,
			AnsweredByAgency: "ndc", AssignedAgency: "ndc",
			Answer: &eventsv1.LocalizedText{Values: map[string]string{"zh-Hant": "預算已於三月公布。", "fr": "Le budget a été publié en mars."}}}}
		return ev
	}
	// Before confirmation the subscriber receives nothing; the confirmed asker does.
	e.publish(app.QAStream, answered("q-confirmed", "預算何時公布？<script>x</script>"))
	got := e.mail(2)
	e.settle()
	if len(got["sub@example.org"]) != 1 {
		t.Fatalf("unconfirmed subscriber got mail: %d", len(got["sub@example.org"]))
	}
	a := got["asker@example.org"]
	if len(a) != 1 || a[0].Subject != "Réponse : 預算何時公布？<script>x</script>" || !strings.Contains(a[0].Text, "Le budget a été publié en mars.") {
		t.Fatalf("asker mail: %+v", a)
	}
	if strings.Contains(a[0].HTML, "<script>") || !strings.Contains(a[0].HTML, "&lt;script&gt;x&lt;/script&gt;") {
		t.Errorf("asker html not escaped:\n%s", a[0].HTML)
	}

	// Confirm (twice: a second click is fine), then answers reach the subscriber.
	e.mustDo(http.MethodPost, "/api/v1/notifications/subscriptions/confirm", "", `{"token":"`+confirmTok+`"}`, http.StatusOK)
	e.mustDo(http.MethodPost, "/api/v1/notifications/subscriptions/confirm", "", `{"token":"`+confirmTok+`"}`, http.StatusOK)
	e.mustDo(http.MethodPost, "/api/v1/notifications/subscriptions/confirm", "", `{"token":"not-a-token"}`, http.StatusNotFound)
	ev := answered("q-unconfirmed", "第二個問題")
	e.publish(app.QAStream, ev)
	e.publish(app.QAStream, ev) // a duplicate
	got = e.mail(3)
	e.settle()
	if n := len(e.smtp.Messages()); n != 3 {
		t.Fatalf("%d messages, want 3 (the duplicate and the unconfirmed asker get none)", n)
	}
	if len(got["shy@example.org"]) != 0 {
		t.Fatal("an unconfirmed asker got the answer")
	}
	sub := got["sub@example.org"][1]
	if sub.Subject != "已回覆：第二個問題" || !strings.Contains(sub.Text, "預算已於三月公布。") {
		t.Fatalf("subscriber mail: %q\n%s", sub.Subject, sub.Text)
	}
	lu := sub.Header.Get("List-Unsubscribe")
	if !strings.HasPrefix(lu, "<https://api.kept.example.org/api/v1/notifications/unsubscribe?token=") || sub.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("List-Unsubscribe %q / %q", lu, sub.Header.Get("List-Unsubscribe-Post"))
	}
	if !strings.Contains(sub.Text, "取消訂閱: https://kept.example.org/subscriptions/unsubscribe?token=") {
		t.Errorf("no unsubscribe link in the body:\n%s", sub.Text)
	}
	// The delivery log names staff contacts, never a citizen's address: an
	// asker may be anonymous, and a subscriber's address is theirs.
	log := e.mustDo(http.MethodGet, "/api/v1/notifications/deliveries?channel=email", e.poc, "", http.StatusOK).Body.String()
	if strings.Contains(log, "asker@example.org") || strings.Contains(log, "sub@example.org") || !strings.Contains(log, `"recipient":"citizen:`) {
		t.Errorf("the delivery log shows a citizen's address: %s", log)
	}

	// Agreed and disputed updates reach subscribers; other states do not.
	upd := func(state string) *eventsv1.Envelope {
		ev := envelope("updates.update.changed", "u-"+state)
		ev.Body = &eventsv1.Envelope_UpdateChanged{UpdateChanged: &eventsv1.UpdateChanged{UpdateId: "u-" + state, PlanId: "tw-2025",
			CommitmentCode: "C01", ItemCode: "C01.M1", Period: "2026-06", Status: "substantial", State: state,
			Progress: &eventsv1.LocalizedText{Values: map[string]string{"en": "Portal launched & tested"}},
			Disputes: []*eventsv1.Dispute{{Side: "civil_society", Reason: &eventsv1.LocalizedText{Values: map[string]string{"zh-Hant": "未公開測試報告"}}}}}}
		return ev
	}
	e.publish(app.UpdatesStream, upd("agreed"))
	e.publish(app.UpdatesStream, upd("draft"))
	e.publish(app.UpdatesStream, upd("disputed"))
	got = e.mail(5)
	e.settle()
	if n := len(e.smtp.Messages()); n != 5 {
		t.Fatalf("%d messages, want 5", n)
	}
	s := got["sub@example.org"]
	var agreed, disputed bool
	for _, m := range s {
		agreed = agreed || (strings.HasPrefix(m.Subject, "進度已共同確認") && strings.Contains(m.Text, "實質進展") && strings.Contains(m.HTML, "Portal launched &amp; tested"))
		disputed = disputed || (strings.HasPrefix(m.Subject, "進度有異議") && strings.Contains(m.Text, "未公開測試報告"))
	}
	if !agreed || !disputed {
		t.Fatalf("update mail: agreed %v disputed %v", agreed, disputed)
	}

	// One-click unsubscribe (RFC 8058 POST), then nothing more arrives.
	unsub := linkToken(t, lu)
	req := "/api/v1/notifications/unsubscribe?token=" + unsub
	oneClick := httptest.NewRequest(http.MethodPost, req, strings.NewReader("List-Unsubscribe=One-Click"))
	oneClick.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	e.engine.ServeHTTP(w, oneClick)
	if w.Code != http.StatusOK {
		t.Fatalf("unsubscribe: %d %s", w.Code, w.Body.String())
	}
	e.mustDo(http.MethodPost, req, "", "", http.StatusOK) // again: still fine
	e.mustDo(http.MethodPost, "/api/v1/notifications/unsubscribe?token=bogus", "", "", http.StatusNotFound)
	e.publish(app.UpdatesStream, upd("agreed2"))
	e.settle()
	time.Sleep(300 * time.Millisecond)
	if n := len(e.smtp.Messages()); n != 5 {
		t.Fatalf("%d messages after unsubscribing, want 5", n)
	}
	if e.qa.badTok != 0 || e.qa.calls < 2 {
		t.Errorf("qa lookups: %d calls, %d with a bad token", e.qa.calls, e.qa.badTok)
	}
}

// The asker's confirmation link is mailed with the event's token; a
// question without an address sends nothing.
func TestAskerConfirmationMail(t *testing.T) {
	e := start(t, nil)
	e.qa.askers["q9"] = map[string]any{"email": "new@example.org", "confirmed": false, "language": "zh-Hant"}
	for _, id := range []string{"q-none", "q9"} {
		ev := envelope("qa.email.confirmation_requested", id)
		ev.Body = &eventsv1.Envelope_EmailConfirmationRequested{EmailConfirmationRequested: &eventsv1.EmailConfirmationRequested{
			QuestionId: id, PlanId: "tw-2025", CommitmentCode: "C02", Language: "zh-Hant", Token: "tok-" + id,
			ExpiresAt: timestamppb.New(time.Date(2026, 3, 9, 2, 0, 0, 0, time.UTC))}}
		e.publish(app.QAStream, ev)
	}
	got := e.mail(1)
	m := got["new@example.org"]
	if len(m) != 1 || !strings.Contains(m[0].Subject, "請確認您在 tw-2025 C02 提問所留的電子郵件") {
		t.Fatalf("confirmation: %+v", got)
	}
	if !strings.Contains(m[0].Text, "https://kept.example.org/questions/confirm-email?token=tok-q9") || !strings.Contains(m[0].Text, "2026-03-09") {
		t.Fatalf("confirmation text:\n%s", m[0].Text)
	}
	if !strings.Contains(m[0].HTML, `href="https://kept.example.org/questions/confirm-email?token=tok-q9"`) {
		t.Fatalf("confirmation html:\n%s", m[0].HTML)
	}
}

// Without SMTP the service starts and email waits as pending.
func TestWithoutSMTPDeliveriesWait(t *testing.T) {
	e := start(t, map[string]string{"NOTIFY_SMTP_ADDR": "none"})
	e.mustDo(http.MethodPut, "/api/v1/notifications/contacts/poc", e.poc, `{"emails":["poc@gov.example"]}`, http.StatusOK)
	ev := envelope("qa.question.sla_breached", "q1")
	ev.Body = &eventsv1.Envelope_QuestionSlaAlert{QuestionSlaAlert: &eventsv1.QuestionSLAAlert{QuestionId: "q1", PlanId: "p",
		CommitmentCode: "C1", Kind: "breach", DueDay: "2026-03-30"}}
	e.publish(app.QAStream, ev)
	var ds []deliveryJSON
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && len(ds) == 0; time.Sleep(50 * time.Millisecond) {
		ds = e.deliveries("")
	}
	e.settle()
	ds = e.deliveries("")
	if len(ds) != 1 || ds[0].Status != "pending" || ds[0].Attempts != 0 || ds[0].Kind != "sla_breach" {
		t.Fatalf("deliveries: %+v", ds)
	}
	if n := len(e.smtp.Messages()); n != 0 {
		t.Fatalf("%d messages without SMTP", n)
	}
}

// A plan-wide subscriber hears about every commitment of the plan; a
// subscriber of another commitment does not.
func TestPlanWideSubscription(t *testing.T) {
	e := start(t, nil)
	e.plan("ca-nap6", 1, "C01", "C02")
	for _, b := range []string{`{"plan":"ca-nap6","email":"plan@example.org","language":"fr"}`,
		`{"plan":"ca-nap6","commitment":"C02","email":"c02@example.org"}`} {
		e.mustDo(http.MethodPost, "/api/v1/notifications/subscriptions", "", b, http.StatusAccepted)
	}
	for to, m := range e.mail(2) {
		if to == "plan@example.org" && !strings.Contains(m[0].Subject, "Confirmez votre abonnement") {
			t.Errorf("plan-wide confirmation: %q", m[0].Subject)
		}
		e.mustDo(http.MethodPost, "/api/v1/notifications/subscriptions/confirm", "", `{"token":"`+linkToken(t, m[0].Text)+`"}`, http.StatusOK)
	}
	ev := envelope("updates.update.changed", "u1")
	ev.Body = &eventsv1.Envelope_UpdateChanged{UpdateChanged: &eventsv1.UpdateChanged{UpdateId: "u1", PlanId: "ca-nap6",
		CommitmentCode: "C01", ItemCode: "C01.1", Period: "2025-12", Status: "complete", State: "agreed",
		Progress: &eventsv1.LocalizedText{Values: map[string]string{"en": "Done", "fr": "Terminé"}}}}
	e.publish(app.UpdatesStream, ev)
	got := e.mail(3)
	e.settle()
	if n := len(e.smtp.Messages()); n != 3 {
		t.Fatalf("%d messages, want 3", n)
	}
	m := got["plan@example.org"]
	if len(m) != 2 || !strings.HasPrefix(m[1].Subject, "Progrès approuvés : ca-nap6 C01") || !strings.Contains(m[1].Text, "Terminé") ||
		!strings.Contains(m[1].Text, "parce que vous suivez le plan ca-nap6.") {
		t.Fatalf("plan-wide subscriber: %+v", m)
	}
	if len(got["c02@example.org"]) != 1 {
		t.Fatal("a C02 subscriber got a C01 update")
	}
}

// Email: a temporary SMTP refusal is retried until accepted; a permanent
// one makes the delivery dead at once.
func TestEmailRetryAndPermanentFailure(t *testing.T) {
	e := start(t, nil)
	e.mustDo(http.MethodPut, "/api/v1/notifications/contacts/poc", e.poc, `{"emails":["poc@gov.example"]}`, http.StatusOK)
	alert := func(q string) *eventsv1.Envelope {
		ev := envelope("qa.question.sla_breached", q)
		ev.Body = &eventsv1.Envelope_QuestionSlaAlert{QuestionSlaAlert: &eventsv1.QuestionSLAAlert{QuestionId: q, PlanId: "p",
			CommitmentCode: "C1", Kind: "breach", DueDay: "2026-03-30"}}
		return ev
	}
	e.smtp.Reject(451, "greylisted, try again")
	e.publish(app.QAStream, alert("q1"))
	var ds []deliveryJSON
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(30 * time.Millisecond) {
		if ds = e.deliveries(""); len(ds) == 1 && ds[0].Attempts >= 2 {
			break
		}
	}
	if len(ds) != 1 || ds[0].Status != "pending" || !strings.Contains(ds[0].LastError, "451") {
		t.Fatalf("while refused: %+v", ds)
	}
	e.smtp.Reject(0, "")
	e.mail(1)
	e.settle()
	ds = e.deliveries("?status=sent")
	if len(ds) != 1 || ds[0].Attempts < 3 || ds[0].LastError != "" {
		t.Fatalf("after retries: %+v", ds)
	}

	e.smtp.Reject(550, "no such user poc@gov.example")
	e.publish(app.QAStream, alert("q2"))
	var dead []deliveryJSON
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && len(dead) == 0; time.Sleep(30 * time.Millisecond) {
		dead = e.deliveries("?status=dead")
	}
	if len(dead) != 1 || dead[0].Attempts != 1 || !strings.Contains(dead[0].LastError, "550") {
		t.Fatalf("permanent failure: %+v", dead)
	}
	if strings.Contains(dead[0].LastError, "poc@gov.example") {
		t.Errorf("the recorded error repeats the address: %q", dead[0].LastError)
	}
}

// A consultation opening on a plan's SAR draft reaches every confirmed
// subscriber of the plan once, whichever commitment they follow, in their
// language, with the dates and a link to the draft.
func TestConsultationOpenedReachesThePlansSubscribers(t *testing.T) {
	e := start(t, nil)
	e.plan("ca-nap6", 1, "C02", "C03")
	e.plan("other", 1)
	for _, b := range []string{`{"plan":"ca-nap6","email":"plan@example.org","language":"fr"}`,
		`{"plan":"ca-nap6","commitment":"C02","email":"c02@example.org"}`,
		`{"plan":"ca-nap6","commitment":"C03","email":"c02@example.org"}`,
		`{"plan":"other","email":"other@example.org"}`} {
		e.mustDo(http.MethodPost, "/api/v1/notifications/subscriptions", "", b, http.StatusAccepted)
	}
	for _, ms := range e.mail(4) {
		for _, m := range ms {
			e.mustDo(http.MethodPost, "/api/v1/notifications/subscriptions/confirm", "", `{"token":"`+linkToken(t, m.Text)+`"}`, http.StatusOK)
		}
	}
	ev := envelope("reporting.consultation.opened", "ca-nap6/sar")
	ev.Body = &eventsv1.Envelope_ConsultationOpened{ConsultationOpened: &eventsv1.ConsultationOpened{PlanId: "ca-nap6",
		ConsultationId: "c1", Opens: "2027-01-04", Closes: "2027-02-05", VersionId: "sar-en-v3"}}
	e.publish(app.ReportingStream, ev)
	e.publish(app.ReportingStream, ev) // delivered twice: still one message each
	got := e.mail(6)
	e.settle()
	if n := len(e.smtp.Messages()); n != 6 {
		t.Fatalf("%d messages, want 4 confirmations and 2 consultation notices", n)
	}
	fr := got["plan@example.org"]
	if len(fr) != 2 || !strings.Contains(fr[1].Subject, "Consultation publique") || !strings.Contains(fr[1].Text, "2027-02-05") ||
		!strings.Contains(fr[1].Text, "/api/v1/reporting/plans/ca-nap6/versions/sar-en-v3?format=html") {
		t.Fatalf("plan subscriber: %+v", fr)
	}
	if en := got["c02@example.org"]; len(en) != 3 || !strings.Contains(en[2].Subject, "Public consultation") {
		t.Fatalf("commitment subscriber (two commitments, one notice): %+v", en)
	}
	if len(got["other@example.org"]) != 1 {
		t.Fatal("a subscriber of another plan heard of this consultation")
	}
}

// A subscription must follow a plan or commitment that exists, as the
// commitments service announced it on kept:commitments: otherwise 404
// naming it, and nothing is stored or mailed.
func TestSubscribingToWhatDoesNotExist(t *testing.T) {
	e := start(t, nil)
	e.plan("ca-nap6", 1, "C01", "C02")
	for body, name := range map[string]string{
		`{"plan":"zz-nap9","email":"a@example.org"}`:                    `no plan "zz-nap9"`,
		`{"plan":"zz-nap9","commitment":"C01","email":"b@example.org"}`: `no plan "zz-nap9"`,
		`{"plan":"ca-nap6","commitment":"C09","email":"c@example.org"}`: `no commitment "C09" in plan ca-nap6`,
		`{"plan":"CA-NAP6","email":"d@example.org"}`:                    `no plan "CA-NAP6"`,
	} {
		w := e.mustDo(http.MethodPost, "/api/v1/notifications/subscriptions", "", body, http.StatusNotFound)
		if !strings.Contains(w.Body.String(), `"code":"not_found"`) || !strings.Contains(w.Body.String(), strings.ReplaceAll(name, `"`, `\"`)) {
			t.Errorf("%s: %s, want a not_found naming %s", body, w.Body.String(), name)
		}
	}
	// A re-import that drops C02 (version 2), then the old version again:
	// C02 stays unknown, C01 known.
	e.plan("ca-nap6", 2, "C01")
	e.plan("ca-nap6", 1, "C01", "C02")
	e.plan("marker", 1) // applied after the stale event, so that one was handled
	e.mustDo(http.MethodPost, "/api/v1/notifications/subscriptions", "", `{"plan":"ca-nap6","commitment":"C02","email":"e@example.org"}`, http.StatusNotFound)
	// Confirmation deliveries are queued by the request itself, so none now means none.
	if ds := e.deliveries(""); len(ds) != 0 {
		t.Fatalf("deliveries queued for subscriptions to nothing: %+v", ds)
	}
	if n, err := e.p.Mongo.Database(e.db).Collection("subscriptions").CountDocuments(e.ctx, bson.M{}); err != nil || n != 0 {
		t.Fatalf("%d subscriptions stored for nothing (%v)", n, err)
	}

	// What exists still works, for a commitment and for the whole plan.
	e.mustDo(http.MethodPost, "/api/v1/notifications/subscriptions", "", `{"plan":"ca-nap6","commitment":"C01","email":"f@example.org"}`, http.StatusAccepted)
	e.mustDo(http.MethodPost, "/api/v1/notifications/subscriptions", "", `{"plan":"ca-nap6","email":"g@example.org"}`, http.StatusAccepted)
	got := e.mail(2)
	if len(got["f@example.org"]) != 1 || len(got["g@example.org"]) != 1 {
		t.Fatalf("confirmations: %v", got)
	}
	if n := len(e.deliveries("")); n != 2 {
		t.Fatalf("%d deliveries, want the 2 confirmations", n)
	}
}
