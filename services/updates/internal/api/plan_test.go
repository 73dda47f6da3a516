package api_test

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	eventsv1 "github.com/kept-ogp/kept/proto/kept/events/v1"
	"github.com/kept-ogp/kept/services/kit/stream"
	"github.com/kept-ogp/kept/services/updates/internal/progress"
)

// refusedWith posts body and checks it is refused as invalid with exactly
// the field errors want ("field: message"), and that nothing was stored.
func (e *harness) refusedWith(token string, body map[string]any, want ...string) {
	e.t.Helper()
	before := e.stored()
	er := e.do(http.MethodPost, "/api/v1/updates", token, body).want(http.StatusUnprocessableEntity).apiError()
	var got []string
	for _, f := range er.Error.Details {
		got = append(got, f.Field+": "+f.Message)
	}
	if er.Error.Code != "invalid_update" || !slices.Equal(got, want) {
		e.t.Errorf("refusal %s %q, want invalid_update %q", er.Error.Code, got, want)
	}
	if n := e.stored(); n != before {
		e.t.Errorf("a refused post stored an update (%d, then %d)", before, n)
	}
}

// stored counts the updates in the store, drafts included.
func (e *harness) stored() int {
	e.t.Helper()
	us, err := e.updates.List(context.Background(), progress.Filter{})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(us)
}

// storedUpdate reads an update back from the store, not from the response.
func (e *harness) storedUpdate(id string) *progress.Update {
	e.t.Helper()
	u, err := e.updates.Get(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func TestTextInALanguageThePlanDoesNotHaveIsRefused(t *testing.T) {
	e := setup(t)
	rcmp := e.token("RCMP editor", editor("rcmp-grc"))

	de := post("C01.1.1")
	de["progress"] = map[string]string{"en": "Strategic plan drafted.", "de": "Strategieplan entworfen."}
	e.refusedWith(rcmp, de, `progress.de: "de" is not a language of plan ca-nap6 (en, fr)`)

	zz := post("C01.1.1")
	zz["progress"] = map[string]string{"zz": "Nonsense."}
	zz["next_steps"] = map[string]string{"zh-Hant": "下一步"}
	zz["evidence"] = []map[string]any{{"url": "https://www.rcmp-grc.gc.ca/", "title": map[string]string{"de": "Plan"}, "kind": "publication"}}
	e.refusedWith(rcmp, zz,
		`progress.zz: "zz" is not a language of plan ca-nap6 (en, fr)`,
		`next_steps.zh-Hant: "zh-Hant" is not a language of plan ca-nap6 (en, fr)`,
		`evidence[0].title.de: "de" is not a language of plan ca-nap6 (en, fr)`)

	// The same text twice under tags that are one plan language.
	twice := post("C01.1.1")
	twice["progress"] = map[string]string{"en": "Drafted.", "en-CA": "Drafted."}
	e.refusedWith(rcmp, twice, `progress.en-CA: "en" and "en-CA" are both stored as en; give the text once`)
}

func TestAPeriodOutsideThePlanIsRefused(t *testing.T) {
	e := setup(t)
	rcmp := e.token("RCMP editor", editor("rcmp-grc"))
	for _, period := range []string{"1999-06", "2024-12", "2030-01", "2040-12"} {
		body := post("C01.1.1")
		body["period"] = period
		e.refusedWith(rcmp, body, "period: "+period+" is outside plan ca-nap6 (2025-01 to 2029-12)")
	}
	for _, period := range []string{"2025-01", "2026-06", "2029-12"} {
		body := post("C01.1.1")
		body["period"] = period
		e.do(http.MethodPost, "/api/v1/updates", rcmp, body).want(http.StatusCreated)
	}
}

func TestLanguageTagsAreMatchedWhateverTheirCase(t *testing.T) {
	e := setup(t)
	rcmp := e.token("RCMP editor", editor("rcmp-grc"))
	cases := []struct{ in, want map[string]string }{
		{map[string]string{"EN": "Drafted."}, map[string]string{"en": "Drafted."}},
		{map[string]string{"EN-us": "Drafted.", "Fr": "Rédigé."}, map[string]string{"en": "Drafted.", "fr": "Rédigé."}},
		// A regional variant is stored under the plan's language.
		{map[string]string{"en-CA": "Drafted.", "fr-CA": "Rédigé."}, map[string]string{"en": "Drafted.", "fr": "Rédigé."}},
	}
	for _, tc := range cases {
		body := post("C01.1.1")
		body["progress"] = tc.in
		body["challenges"] = tc.in
		body["evidence"] = []map[string]any{{"url": "https://www.rcmp-grc.gc.ca/", "title": tc.in, "kind": "publication"}}
		u := e.do(http.MethodPost, "/api/v1/updates", rcmp, body).want(http.StatusCreated).update()
		got := e.storedUpdate(u.ID)
		for name, text := range map[string]progress.Text{"progress": got.Progress, "challenges": got.Challenges,
			"evidence title": got.Evidence[0].Title, "response progress": u.Progress} {
			if !maps.Equal(text, tc.want) {
				t.Errorf("%v: %s stored as %v, want %v", tc.in, name, text, tc.want)
			}
		}
	}
}

// A plan spelling a tag with capitals ("zh-Hant") gets it so spelt.
func TestTagsAreStoredInThePlansOwnSpelling(t *testing.T) {
	e := setup(t)
	seedCommitment(t, e, "tw-nap3", "C02", "C02.1.1", "ndc")
	seedPlan(t, e.plans, "tw-nap3", 1, "en", "zh-Hant")
	ndc := e.token("NDC editor", editor("ndc"))
	body := post("C02.1.1")
	body["plan"] = "tw-nap3"
	body["progress"] = map[string]string{"zh-hant": "已起草策略計畫。", "EN": "Drafted."}
	u := e.do(http.MethodPost, "/api/v1/updates", ndc, body).want(http.StatusCreated).update()
	if got := e.storedUpdate(u.ID).Progress; !maps.Equal(got, progress.Text{"zh-Hant": "已起草策略計畫。", "en": "Drafted."}) {
		t.Errorf("stored progress = %v, want it keyed zh-Hant and en", got)
	}
	body["progress"] = map[string]string{"zh-Hans": "已起草战略计划。"}
	e.refusedWith(ndc, body, `progress.zh-Hans: "zh-Hans" is not a language of plan tw-nap3 (en, zh-Hant)`)
}

// Until the plan's event is read, the update is not refused for its
// languages or period (the item is known, so the plan exists).
func TestAPlanNotKnownYetRefusesNothingForIt(t *testing.T) {
	e := setup(t)
	seedCommitment(t, e, "ca-nap7", "C01", "C01.1.1", "rcmp-grc")
	rcmp := e.token("RCMP editor", editor("rcmp-grc"))
	body := post("C01.1.1")
	body["plan"], body["period"] = "ca-nap7", "2040-12"
	body["progress"] = map[string]string{"de": "Strategieplan entworfen.", "EN-us": "Drafted."}
	u := e.do(http.MethodPost, "/api/v1/updates", rcmp, body).want(http.StatusCreated).update()
	// The tag keeps its language, in the conventional case.
	if got := e.storedUpdate(u.ID); got.Period != "2040-12" || !maps.Equal(got.Progress, progress.Text{"de": "Strategieplan entworfen.", "en-US": "Drafted."}) {
		t.Errorf("stored %s %v", got.Period, got.Progress)
	}
	// Once it is, the same post is refused.
	seedPlan(t, e.plans, "ca-nap7", 1, "en", "fr")
	e.refusedWith(rcmp, body,
		"period: 2040-12 is outside plan ca-nap7 (2025-01 to 2029-12)",
		`progress.de: "de" is not a language of plan ca-nap7 (en, fr)`)
}

func TestAPlanReimportedWithANewLanguageAcceptsIt(t *testing.T) {
	e := setup(t)
	rcmp := e.token("RCMP editor", editor("rcmp-grc"))
	body := post("C01.1.1")
	body["progress"] = map[string]string{"iu": "ᐊᕐᕌᒍᓄᑦ ᐸᕐᓇᐅᑎ"}
	e.refusedWith(rcmp, body, `progress.iu: "iu" is not a language of plan ca-nap6 (en, fr)`)

	seedPlan(t, e.plans, "ca-nap6", 2, "en", "fr", "iu")
	u := e.do(http.MethodPost, "/api/v1/updates", rcmp, body).want(http.StatusCreated).update()
	if got := e.storedUpdate(u.ID).Progress; !maps.Equal(got, progress.Text{"iu": "ᐊᕐᕌᒍᓄᑦ ᐸᕐᓇᐅᑎ"}) {
		t.Errorf("stored %v", got)
	}
	// A late redelivery of the first import does not take it away.
	seedPlan(t, e.plans, "ca-nap6", 1, "en", "fr")
	e.do(http.MethodPost, "/api/v1/updates", rcmp, body).want(http.StatusCreated)
}

// seedCommitment applies a commitment event with one milestone and one
// indicator (code) led by lead, on plan.
func seedCommitment(t *testing.T, e *harness, plan, commitment, code, lead string) {
	t.Helper()
	ctx := context.Background()
	milestone := code[:strings.LastIndexByte(code, '.')]
	c := &eventsv1.CommitmentUpserted{PlanId: plan, Code: commitment, Title: lt("Commitment"), LeadOrgs: org(lead),
		Milestones: []*eventsv1.Milestone{{Code: milestone, Title: lt("Milestone"), Deadline: due("2028-12-31"), LeadOrgs: org(lead),
			Indicators: []*eventsv1.Indicator{{Code: code, Title: lt("Indicator"), Deadline: due("2027-12-31"), LeadOrgs: org(lead)}}}}}
	env := stream.NewEnvelope(ctx, "commitments", "commitments.commitment.upserted", plan+"/"+commitment, 1)
	env.Body = &eventsv1.Envelope_CommitmentUpserted{CommitmentUpserted: c}
	if err := e.items.Apply(ctx, env); err != nil {
		t.Fatal(err)
	}
}
