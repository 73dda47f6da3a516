package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/auth"
	"github.com/kept-ogp/kept/services/kit/stream"
	"github.com/kept-ogp/kept/services/qa/internal/comments"
	"github.com/kept-ogp/kept/services/qa/internal/questions"
)

const commentsBase = "/api/v1/plans/tw-nap3/commitments/C01"

// publishUpdate applies an updates event as the kept:updates consumer does.
func (e *harness) publishUpdate(id, commitment, state string, version int64) {
	e.t.Helper()
	ctx := context.Background()
	env := stream.NewEnvelope(ctx, "updates", "updates.update.changed", id, version)
	env.Body = &eventsv1.Envelope_UpdateChanged{UpdateChanged: &eventsv1.UpdateChanged{UpdateId: id, PlanId: "tw-nap3",
		CommitmentCode: commitment, ItemCode: commitment + ".1.1", ItemLevel: "indicator", Period: "2026-06",
		Status: "limited", State: state}}
	if err := e.updates.Apply(ctx, env); err != nil {
		e.t.Fatal(err)
	}
}

func commentPath(update string) string { return commentsBase + "/updates/" + update + "/comments" }

func (r response) comment() comments.View {
	r.t.Helper()
	var out struct {
		Comment comments.View `json:"comment"`
	}
	if err := json.Unmarshal(r.Body.Bytes(), &out); err != nil {
		r.t.Fatalf("decode %s: %v", r.Body.String(), err)
	}
	return out.Comment
}

type commentList struct {
	Comments  []comments.View `json:"comments"`
	Truncated bool            `json:"truncated"`
}

func (e *harness) listComments(query string) commentList {
	e.t.Helper()
	r := e.do(http.MethodGet, commentsBase+"/comments"+query, "", nil).want(http.StatusOK)
	var out commentList
	if err := json.Unmarshal(r.Body.Bytes(), &out); err != nil {
		e.t.Fatalf("decode %s: %v", r.Body.String(), err)
	}
	return out
}

type apiError struct {
	Error struct {
		Code    string                 `json:"code"`
		Message string                 `json:"message"`
		Details []questions.FieldError `json:"details"`
	} `json:"error"`
}

func (r response) apiError() apiError {
	r.t.Helper()
	var out apiError
	if err := json.Unmarshal(r.Body.Bytes(), &out); err != nil {
		r.t.Fatalf("decode %s: %v", r.Body.String(), err)
	}
	return out
}

// fields lists the fields a 422 names.
func (r response) fields() []string {
	r.t.Helper()
	var out []string
	for _, d := range r.apiError().Error.Details {
		out = append(out, d.Field)
	}
	return out
}

func str(p *string) string {
	if p == nil {
		return "<null>"
	}
	return *p
}

func TestCommentOnPublishedUpdatesAndListThem(t *testing.T) {
	e := setup(t)
	e.publishUpdate("U1", "C01", "agreed", 3)
	e.publishUpdate("U2", "C01", "disputed", 2)

	first := e.request(http.MethodPost, commentPath("U1"), "", "198.51.100.1", map[string]any{
		"text": "進度報告\r\n很清楚", "language": "zh-Hant", "display_name": " 林小姐 "}).want(http.StatusCreated).comment()
	if first.ID == "" || str(first.Text) != "進度報告\n很清楚" || str(first.DisplayName) != "林小姐" || first.State != comments.StateVisible ||
		first.Update != "U1" || first.Item != "C01.1.1" || first.Plan != "tw-nap3" || first.Commitment != "C01" || first.HiddenReason != nil {
		t.Fatalf("posted %+v", first)
	}
	// Anonymous, on the disputed update, with the language in another case.
	e.clock.Set(asked.Add(time.Hour))
	second := e.request(http.MethodPost, commentPath("U2"), "", "198.51.100.2", map[string]any{
		"text": "Civil society is right.", "language": "EN", "anonymous": true}).want(http.StatusCreated).comment()
	if second.DisplayName != nil || second.Language != "en" {
		t.Fatalf("anonymous comment %+v", second)
	}
	// No name and no "anonymous" is anonymous too: the name is optional.
	third := e.request(http.MethodPost, commentPath("U1"), "", "198.51.100.3", map[string]any{
		"text": "Thanks", "language": "en"}).want(http.StatusCreated).comment()
	if third.DisplayName != nil {
		t.Fatalf("nameless comment %+v", third)
	}

	all := e.listComments("")
	if len(all.Comments) != 3 || all.Truncated {
		t.Fatalf("list %+v", all)
	}
	if all.Comments[0].ID != first.ID || all.Comments[1].ID != second.ID || all.Comments[2].ID != third.ID {
		t.Errorf("not oldest first: %s %s %s", all.Comments[0].ID, all.Comments[1].ID, all.Comments[2].ID)
	}
	one := e.listComments("?update=U2")
	if len(one.Comments) != 1 || one.Comments[0].ID != second.ID || str(one.Comments[0].Text) != "Civil society is right." {
		t.Fatalf("?update=U2 %+v", one)
	}
	// The anonymous one says so with a null name, in the JSON itself.
	raw := e.do(http.MethodGet, commentsBase+"/comments?update=U2", "", nil).want(http.StatusOK).Body.String()
	if !strings.Contains(raw, `"display_name":null`) || !strings.Contains(raw, `"state":"visible"`) || !strings.Contains(raw, `"redactions":[]`) {
		t.Errorf("list JSON %s", raw)
	}
	// Another commitment has none; an unknown commitment is 404.
	e.do(http.MethodGet, "/api/v1/plans/tw-nap3/commitments/C99/comments", "", nil).want(http.StatusNotFound)
	e.do(http.MethodGet, commentsBase+"/comments?update=nope", "", nil).want(http.StatusNotFound)
}

func TestCommentOnlyOnAPublicUpdateOfThisCommitment(t *testing.T) {
	e := setup(t)
	body := map[string]any{"text": "hello", "language": "en"}
	r := e.do(http.MethodPost, commentPath("no-such-update"), "", body).want(http.StatusNotFound)
	if msg := r.apiError().Error.Message; !strings.Contains(msg, "no published update") || !strings.Contains(msg, "agreed or disputed") {
		t.Errorf("unknown update message %q", msg)
	}
	e.publishUpdate("D1", "C01", "draft", 1)
	e.do(http.MethodPost, commentPath("D1"), "", body).want(http.StatusNotFound)
	e.publishUpdate("O1", "C02", "agreed", 1) // another commitment's
	e.do(http.MethodPost, commentPath("O1"), "", body).want(http.StatusNotFound)
	e.do(http.MethodPost, "/api/v1/plans/tw-nap3/commitments/C99/updates/O1/comments", "", body).want(http.StatusNotFound)
	n, err := e.db.Collection("comments").CountDocuments(context.Background(), bson.M{})
	if err != nil || n != 0 {
		t.Fatalf("%d comments stored, %v", n, err)
	}
}

func TestCommentsOfAnUpdateBackInDraftAreKeptButNotListed(t *testing.T) {
	e := setup(t)
	e.publishUpdate("U1", "C01", "agreed", 3)
	e.publishUpdate("U2", "C01", "agreed", 1)
	c := e.do(http.MethodPost, commentPath("U1"), "", map[string]any{"text": "on U1", "language": "en"}).want(http.StatusCreated).comment()
	e.do(http.MethodPost, commentPath("U2"), "", map[string]any{"text": "on U2", "language": "en"}).want(http.StatusCreated)

	e.publishUpdate("U1", "C01", "draft", 4)
	e.publishUpdate("U1", "C01", "agreed", 3) // a late redelivery changes nothing
	list := e.listComments("")
	if len(list.Comments) != 1 || str(list.Comments[0].Text) != "on U2" {
		t.Fatalf("with U1 back in draft: %+v", list)
	}
	e.do(http.MethodGet, commentsBase+"/comments?update=U1", "", nil).want(http.StatusNotFound)
	e.do(http.MethodPost, commentPath("U1"), "", map[string]any{"text": "again", "language": "en"}).want(http.StatusNotFound)
	if _, err := e.comments.Store.Get(context.Background(), c.ID); err != nil {
		t.Fatalf("the comment is no longer stored: %v", err)
	}
	// Published again: its comments are back.
	e.publishUpdate("U1", "C01", "disputed", 5)
	if list := e.listComments(""); len(list.Comments) != 2 {
		t.Fatalf("with U1 public again: %+v", list)
	}
}

func TestCommentHoneypotLooksAcceptedButStoresNothing(t *testing.T) {
	e := setup(t)
	e.publishUpdate("U1", "C01", "agreed", 1)
	body := map[string]any{"text": "cheap watches", "language": "en", "display_name": "bot", "website": "http://spam.example"}
	c := e.do(http.MethodPost, commentPath("U1"), "", body).want(http.StatusCreated).comment()
	if c.ID == "" || c.State != comments.StateVisible {
		t.Fatalf("honeypot answer %+v", c)
	}
	if list := e.listComments(""); len(list.Comments) != 0 {
		t.Fatalf("honeypot comment listed: %+v", list)
	}
	for _, coll := range []string{"comments", "comment_threads"} {
		n, err := e.db.Collection(coll).CountDocuments(context.Background(), bson.M{})
		if err != nil || n != 0 {
			t.Errorf("%s: %d documents, %v", coll, n, err)
		}
	}
}

func TestCommentRateLimitPerAddress(t *testing.T) {
	e := setup(t)
	e.publishUpdate("U1", "C01", "agreed", 1)
	for i := range 5 {
		e.request(http.MethodPost, commentPath("U1"), "", "192.0.2.10", map[string]any{"text": fmt.Sprint("comment ", i), "language": "en"}).
			want(http.StatusCreated)
	}
	r := e.request(http.MethodPost, commentPath("U1"), "", "192.0.2.10", map[string]any{"text": "one more", "language": "en"}).
		want(http.StatusTooManyRequests)
	if ra := r.Header().Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After %q", ra)
	}
	if msg := r.apiError().Error.Message; !strings.Contains(msg, "too many comments") {
		t.Errorf("message %q", msg)
	}
	// Refused posts count too: bad ones from an address do not get around it.
	e.request(http.MethodPost, commentPath("U1"), "", "192.0.2.10", map[string]any{"text": "", "language": "en"}).want(http.StatusTooManyRequests)
	e.request(http.MethodPost, commentPath("U1"), "", "192.0.2.11", map[string]any{"text": "another address", "language": "en"}).want(http.StatusCreated)
	// Comments have their own bucket: the same address may still ask.
	e.request(http.MethodPost, base, "", "192.0.2.10", askBody("a question")).want(http.StatusCreated)
	if n := len(e.listComments("").Comments); n != 6 {
		t.Errorf("%d comments listed, want 6", n)
	}
	// The counter is keyed by a hash: Redis does not hold the address.
	keys, err := rdb.Keys(context.Background(), "t:"+e.db.Name()+":*").Result()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, k := range keys {
		if strings.HasPrefix(k, "t:"+e.db.Name()+":comment-ip:") {
			found = true
			if strings.Contains(k, "192.0.2") {
				t.Errorf("rate-limit key holds the address: %s", k)
			}
		}
	}
	if !found {
		t.Errorf("no comment rate-limit key among %v", keys)
	}
}

func TestCommentValidationNamesTheField(t *testing.T) {
	e := setup(t)
	e.publishUpdate("U1", "C01", "agreed", 1)
	for i, tc := range []struct {
		name  string
		body  map[string]any
		field string
		want  string
	}{
		{"no such language", map[string]any{"text": "Bonjour", "language": "xx"}, "language", `"xx" is not a known language`},
		{"not a language tag", map[string]any{"text": "hi", "language": "English"}, "language", "language tag"},
		{"bidi override in text", map[string]any{"text": "pay \u202Eyaptxe\u202C now", "language": "en"}, "text", "U+202E"},
		{"bidi isolate in name", map[string]any{"text": "hi", "language": "en", "display_name": "Ann\u2067x"}, "display_name", "U+2067"},
		{"control character", map[string]any{"text": "hi\x07", "language": "en"}, "text", "U+0007"},
		{"empty text", map[string]any{"text": "  ", "language": "en"}, "text", "required"},
		{"too long", map[string]any{"text": strings.Repeat("留", 5001), "language": "zh-Hant"}, "text", "at most 5000"},
		{"email as name", map[string]any{"text": "hi", "language": "en", "display_name": "ann.lee@example.org"}, "display_name", "email"},
		{"an email field", map[string]any{"text": "hi", "language": "en", "email": "ann.lee@example.org"}, "email", "not answered"},
		{"name and anonymous", map[string]any{"text": "hi", "language": "en", "anonymous": true, "display_name": "Ann"}, "display_name", "anonymous"},
	} {
		r := e.request(http.MethodPost, commentPath("U1"), "", fmt.Sprintf("203.0.113.%d", i+1), tc.body).want(http.StatusUnprocessableEntity)
		found := false
		for _, d := range r.apiError().Error.Details {
			if d.Field == tc.field && strings.Contains(d.Message, tc.want) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: want field %s saying %q: %s", tc.name, tc.field, tc.want, r.Body.String())
		}
		if strings.Contains(r.Body.String(), "example.org") {
			t.Errorf("%s: the refusal echoes the address: %s", tc.name, r.Body.String())
		}
	}
	// Right-to-left marks are writing, not tricks.
	e.request(http.MethodPost, commentPath("U1"), "", "203.0.113.50", map[string]any{"text": "\u200Fשלום", "language": "en"}).want(http.StatusCreated)
	// 5000 characters of Chinese (15000 bytes) are within the limit; a body over 64 KiB is not.
	e.request(http.MethodPost, commentPath("U1"), "", "203.0.113.51", map[string]any{"text": strings.Repeat("留", 5000), "language": "zh-hant"}).want(http.StatusCreated)
	e.request(http.MethodPost, commentPath("U1"), "", "203.0.113.52", map[string]any{"text": strings.Repeat("x", 70<<10), "language": "en"}).want(http.StatusRequestEntityTooLarge)
	if n := len(e.listComments("").Comments); n != 2 {
		t.Errorf("%d comments stored, want the 2 valid ones", n)
	}
}

func TestCommentJSONHoldsNoAddress(t *testing.T) {
	e := setup(t)
	e.publishUpdate("U1", "C01", "agreed", 1)
	const ip = "203.0.113.77"
	post := e.request(http.MethodPost, commentPath("U1"), "", ip, map[string]any{"text": "Where is the evidence?", "language": "en", "display_name": "Ann"}).
		want(http.StatusCreated)
	list := e.do(http.MethodGet, commentsBase+"/comments", "", nil).want(http.StatusOK)
	var raw bson.M
	if err := e.db.Collection("comments").FindOne(context.Background(), bson.M{}).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	stored, _ := json.Marshal(raw)
	for i, s := range []string{post.Body.String(), list.Body.String(), string(stored), e.logs.String()} {
		if strings.Contains(s, ip) || strings.Contains(strings.ToLower(s), "email") {
			t.Errorf("output %d holds the address or an email field: %s", i, s)
		}
	}
	// The public fields are exactly those documented.
	var out struct {
		Comments []map[string]json.RawMessage `json:"comments"`
	}
	if err := json.Unmarshal(list.Body.Bytes(), &out); err != nil || len(out.Comments) != 1 {
		t.Fatalf("list %s: %v", list.Body.String(), err)
	}
	var keys []string
	for k := range out.Comments[0] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := "commitment created_at display_name hidden hidden_reason id item language plan redacted redactions state text update"
	if strings.Join(keys, " ") != want {
		t.Errorf("fields %v, want %s", keys, want)
	}
}

func TestCommentModeration(t *testing.T) {
	e := setup(t)
	e.publishUpdate("U1", "C01", "agreed", 1)
	spam := e.request(http.MethodPost, commentPath("U1"), "", "198.51.100.1", map[string]any{"text": "Buy followers now", "language": "en", "display_name": "Promo King"}).
		want(http.StatusCreated).comment()
	personal := e.request(http.MethodPost, commentPath("U1"), "", "198.51.100.2", map[string]any{"text": "Call me on 0912-345-678 about it", "language": "en"}).
		want(http.StatusCreated).comment()
	tokens := map[string]string{
		"editor":    e.token("NDC editor", editor("ndc")),
		"wg_member": e.token("CSO member", auth.Role{Kind: auth.KindWGMember, Plan: "tw-nap3", Commitment: "C01", Side: auth.SideCivilSociety}),
		"poc":       e.token("PoC", poc),
		"admin":     e.token("Admin", auth.Role{Kind: auth.KindAdmin}),
	}
	hide := func(id string) string { return commentsBase + "/comments/" + id + "/hide" }
	redact := func(id string) string { return commentsBase + "/comments/" + id + "/redact" }
	hideBody := map[string]string{"reason": "advertising"}
	redactBody := map[string]string{"text": "Call me on [redacted] about it", "reason": "personal data"}
	for _, path := range []string{hide(spam.ID), redact(personal.ID)} {
		e.do(http.MethodPost, path, "", hideBody).want(http.StatusUnauthorized)
		e.do(http.MethodPost, path, tokens["editor"], redactBody).want(http.StatusForbidden)
		e.do(http.MethodPost, path, tokens["wg_member"], redactBody).want(http.StatusForbidden)
	}
	// A reason is required, and named.
	if f := e.do(http.MethodPost, hide(spam.ID), tokens["poc"], map[string]string{"reason": " "}).want(http.StatusUnprocessableEntity).fields(); len(f) != 1 || f[0] != "reason" {
		t.Errorf("hide without a reason: fields %v", f)
	}
	if f := e.do(http.MethodPost, redact(personal.ID), tokens["admin"], map[string]string{"text": "x"}).want(http.StatusUnprocessableEntity).fields(); len(f) != 1 || f[0] != "reason" {
		t.Errorf("redact without a reason: fields %v", f)
	}
	// Nothing changed by the refused attempts.
	if list := e.listComments(""); list.Comments[0].State != comments.StateVisible || list.Comments[1].Redacted {
		t.Fatalf("refused moderation changed comments: %+v", list)
	}

	h := e.do(http.MethodPost, hide(spam.ID), tokens["poc"], hideBody).want(http.StatusOK).comment()
	if h.State != comments.StateHidden || h.Text != nil || h.DisplayName != nil || str(h.HiddenReason) != "advertising" ||
		h.Hidden == nil || h.Hidden.By != "PoC" || h.Hidden.At.IsZero() {
		t.Fatalf("hidden %+v", h)
	}
	e.do(http.MethodPost, hide(spam.ID), tokens["admin"], hideBody).want(http.StatusConflict)
	r := e.do(http.MethodPost, redact(personal.ID), tokens["admin"], redactBody).want(http.StatusOK).comment()
	if str(r.Text) != "Call me on [redacted] about it" || !r.Redacted || len(r.Redactions) != 1 ||
		r.Redactions[0].Reason != "personal data" || r.Redactions[0].By != "Admin" {
		t.Fatalf("redacted %+v", r)
	}
	// The PoC may redact and the admin hide as well.
	e.do(http.MethodPost, redact(personal.ID), tokens["poc"], map[string]string{"text": "Call me about it", "reason": "still personal"}).want(http.StatusOK)

	listed := e.do(http.MethodGet, commentsBase+"/comments", "", nil).want(http.StatusOK)
	for _, gone := range []string{"Buy followers", "Promo King", "0912-345-678", "[redacted]"} {
		if strings.Contains(listed.Body.String(), gone) {
			t.Errorf("the public list still shows %q: %s", gone, listed.Body.String())
		}
	}
	list := e.listComments("")
	if len(list.Comments) != 2 || list.Comments[0].State != comments.StateHidden || str(list.Comments[0].HiddenReason) != "advertising" ||
		len(list.Comments[1].Redactions) != 2 || str(list.Comments[1].Text) != "Call me about it" {
		t.Fatalf("list after moderation %+v", list)
	}
	// The hidden comment's record is kept whole; the redacted text is not.
	stored, err := e.comments.Store.Get(context.Background(), spam.ID)
	if err != nil || stored.Text != "Buy followers now" || stored.Hidden == nil {
		t.Fatalf("stored %+v, %v", stored, err)
	}
	// Only comments of this commitment, and only ones that exist.
	e.do(http.MethodPost, "/api/v1/plans/tw-nap3/commitments/C02/comments/"+personal.ID+"/hide", tokens["poc"], hideBody).want(http.StatusNotFound)
	e.do(http.MethodPost, hide("nope"), tokens["poc"], hideBody).want(http.StatusNotFound)
}

// Comments posted at once (on FerretDB a $push is a read then a write) are
// all listed: the commitment's list is written under its Redis lock.
func TestConcurrentCommentsAreAllListed(t *testing.T) {
	e := setup(t)
	e.publishUpdate("U1", "C01", "agreed", 1)
	const n = 12
	var wg sync.WaitGroup
	codes := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.request(http.MethodPost, commentPath("U1"), "", fmt.Sprintf("198.51.100.%d", 100+i), map[string]any{"text": fmt.Sprint("c", i), "language": "en"})
			codes[i] = r.Code
		}()
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusCreated {
			t.Errorf("post %d: status %d", i, c)
		}
	}
	if got := len(e.listComments("").Comments); got != n {
		t.Fatalf("%d comments listed, want %d", got, n)
	}
}
