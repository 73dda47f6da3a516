package progress

import (
	"errors"
	"testing"
	"time"

	"github.com/kept-ogp/kept/services/kit/auth"
)

var at = time.Date(2026, 7, 2, 10, 0, 0, 0, time.UTC)

func member(id, plan, commitment string, sides ...string) *auth.Principal {
	p := &auth.Principal{TokenID: id, Name: "member " + id}
	for _, s := range sides {
		p.Roles = append(p.Roles, auth.Role{Kind: auth.KindWGMember, Plan: plan, Commitment: commitment, Side: s})
	}
	return p
}

var (
	gov  = member("gov1", "ca-nap6", "C01", auth.SideGovernment)
	gov2 = member("gov2", "ca-nap6", "C01", auth.SideGovernment)
	cso  = member("cso1", "ca-nap6", "C01", auth.SideCivilSociety)
	cso2 = member("cso2", "ca-nap6", "C01", auth.SideCivilSociety)
	both = member("both", "ca-nap6", "C01", auth.SideGovernment, auth.SideCivilSociety)
)

func draftUpdate() *Update {
	return &Update{ID: "01U", Plan: "ca-nap6", Commitment: "C01", Item: "C01.1.1", Level: "indicator",
		Period: "2026-06", Status: "complete", Progress: Text{"en": "Strategic plan drafted.", "fr": "Plan stratégique rédigé."},
		Agency: "rcmp-grc", State: StateDraft, Agreements: []Agreement{}, Disputes: []Dispute{}, Version: 1}
}

// refused checks that err is a DecisionError with status and code.
func refused(t *testing.T, err error, status int, code string) {
	t.Helper()
	var de *DecisionError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v, want a %d %s refusal", err, status, code)
	}
	if de.Status != status || de.Code != code || de.Message == "" {
		t.Errorf("refusal = %d %s %q, want %d %s", de.Status, de.Code, de.Message, status, code)
	}
}

func TestOneGovernmentAndOneCivilSocietyAgreementMakeItAgreed(t *testing.T) {
	u := draftUpdate()
	if err := u.Agree(gov, "", at); err != nil {
		t.Fatal(err)
	}
	if u.State != StateDraft || u.PublishedAt != nil || u.Public() {
		t.Fatalf("after one side: state %s, published %v; want an unpublished draft", u.State, u.PublishedAt)
	}
	later := at.Add(time.Hour)
	if err := u.Agree(cso, auth.SideCivilSociety, later); err != nil {
		t.Fatal(err)
	}
	if u.State != StateAgreed || !u.Public() || u.PublishedAt == nil || !u.PublishedAt.Equal(later) {
		t.Fatalf("after both sides: state %s, published %v", u.State, u.PublishedAt)
	}
	if len(u.Agreements) != 2 || u.Agreements[0].Side != auth.SideGovernment || u.Agreements[1].Side != auth.SideCivilSociety ||
		u.Agreements[1].Member != "member cso1" || u.Agreements[1].MemberID != "cso1" {
		t.Errorf("agreements = %+v", u.Agreements)
	}
	refused(t, u.Agree(gov2, "", later), 409, "not_draft")
}

func TestSameSideTwiceIsAlreadyAgreed(t *testing.T) {
	u := draftUpdate()
	if err := u.Agree(gov, "", at); err != nil {
		t.Fatal(err)
	}
	refused(t, u.Agree(gov2, "", at), 409, "already_agreed")
	if u.State != StateDraft || len(u.Agreements) != 1 {
		t.Errorf("a second government agreement changed the update: %s %+v", u.State, u.Agreements)
	}
	// Civil society first works the same way.
	u = draftUpdate()
	_ = u.Agree(cso, "", at)
	refused(t, u.Agree(cso2, auth.SideCivilSociety, at), 409, "already_agreed")
}

func TestOneMemberCannotAgreeForBothSides(t *testing.T) {
	u := draftUpdate()
	refused(t, u.Agree(both, "", at), 400, "side_required")
	if len(u.Agreements) != 0 {
		t.Fatal("a refused agreement was recorded")
	}
	if err := u.Agree(both, auth.SideGovernment, at); err != nil {
		t.Fatal(err)
	}
	refused(t, u.Agree(both, auth.SideCivilSociety, at), 403, "both_sides")
	if u.State != StateDraft || len(u.Agreements) != 1 {
		t.Errorf("one member made it %s with %d agreements", u.State, len(u.Agreements))
	}
	// The other side by someone else still completes it.
	if err := u.Agree(cso, "", at); err != nil || u.State != StateAgreed {
		t.Errorf("cso after a both-sides member: %v, state %s", err, u.State)
	}
}

func TestOnlyMembersOfThisCommitmentDecide(t *testing.T) {
	editor := &auth.Principal{TokenID: "ed", Name: "RCMP editor", Roles: []auth.Role{{Kind: auth.KindAgencyEditor, Org: "rcmp-grc"}}}
	poc := &auth.Principal{TokenID: "poc", Name: "PoC", Roles: []auth.Role{{Kind: auth.KindPoC}, {Kind: auth.KindAdmin}}}
	otherCommitment := member("c02", "ca-nap6", "C02", auth.SideGovernment)
	otherPlan := member("nap5", "ca-nap5", "C01", auth.SideGovernment)
	for name, p := range map[string]*auth.Principal{"agency editor": editor, "poc and admin": poc,
		"member of C02": otherCommitment, "member of another plan": otherPlan} {
		u := draftUpdate()
		refused(t, u.Agree(p, "", at), 403, "forbidden")
		refused(t, u.Dispute(p, "", Text{"en": "No."}, at), 403, "forbidden")
		if len(u.Agreements)+len(u.Disputes) != 0 || u.State != StateDraft {
			t.Errorf("%s changed the update", name)
		}
	}
	// A member naming a side the token does not hold.
	refused(t, draftUpdate().Agree(gov, auth.SideCivilSociety, at), 403, "forbidden")
	refused(t, draftUpdate().Agree(gov, "observer", at), 403, "forbidden")
}

func TestDisputeNeedsAReasonAndPublishesAsDisputed(t *testing.T) {
	u := draftUpdate()
	for _, reason := range []Text{nil, {}, {"en": "   "}} {
		err := u.Dispute(cso, "", reason, at)
		var ie *InvalidError
		if !errors.As(err, &ie) || len(ie.Errors) != 1 || ie.Errors[0].Field != "reason" {
			t.Errorf("dispute with reason %v = %v, want a reason field error", reason, err)
		}
	}
	if err := u.Dispute(cso, "", Text{"en_CA": "No."}, at); err == nil {
		t.Error("a reason keyed by a bad language tag was accepted")
	}
	if u.State != StateDraft || len(u.Disputes) != 0 {
		t.Fatalf("refused disputes changed the update: %s %+v", u.State, u.Disputes)
	}

	if err := u.Agree(gov, "", at); err != nil {
		t.Fatal(err)
	}
	reason := Text{"en": "No consultation has been scheduled at all.", "fr": "Aucune consultation n'a été prévue."}
	when := at.Add(2 * time.Hour)
	if err := u.Dispute(cso, "", reason, when); err != nil {
		t.Fatal(err)
	}
	if u.State != StateDisputed || !u.Public() || u.PublishedAt == nil || !u.PublishedAt.Equal(when) {
		t.Fatalf("after a dispute: state %s published %v", u.State, u.PublishedAt)
	}
	if u.Progress["en"] != "Strategic plan drafted." || u.Status != "complete" {
		t.Errorf("the dispute changed the agency's text: %v %s", u.Progress, u.Status)
	}
	if len(u.Agreements) != 1 || len(u.Disputes) != 1 || u.Disputes[0].Reason["fr"] != reason["fr"] || u.Disputes[0].Side != auth.SideCivilSociety {
		t.Errorf("positions = %+v / %+v, want the government's agreement and the CSO's dispute", u.Agreements, u.Disputes)
	}

	// A disputed update stays disputed: no more agreeing; each member disputes once.
	refused(t, u.Agree(cso2, "", at), 409, "not_draft")
	refused(t, u.Dispute(cso, "", Text{"en": "Again."}, at), 409, "already_disputed")
	if err := u.Dispute(gov2, "", Text{"en": "We disagree too."}, when.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if u.State != StateDisputed || len(u.Disputes) != 2 || !u.PublishedAt.Equal(when) {
		t.Errorf("a second dispute: state %s, %d disputes, published %v (first publication kept)", u.State, len(u.Disputes), u.PublishedAt)
	}
}

func TestAnAgreedUpdateCannotBeDisputed(t *testing.T) {
	u := draftUpdate()
	_ = u.Agree(gov, "", at)
	_ = u.Agree(cso, "", at)
	refused(t, u.Dispute(cso2, "", Text{"en": "Too late."}, at), 409, "already_agreed")
	if u.State != StateAgreed || len(u.Disputes) != 0 {
		t.Errorf("agreed update became %s with %d disputes", u.State, len(u.Disputes))
	}
}

func TestGovernmentMayDisputeToo(t *testing.T) {
	u := draftUpdate()
	if err := u.Dispute(gov, "", Text{"fr": "Le texte est inexact."}, at); err != nil {
		t.Fatal(err)
	}
	if u.State != StateDisputed || u.Disputes[0].Side != auth.SideGovernment {
		t.Errorf("state %s disputes %+v", u.State, u.Disputes)
	}
}

// A reason's tag is matched case-insensitively and stored in the conventional
// case ("FR" is "fr").
func TestDisputeReasonTagIsStoredInConventionalCase(t *testing.T) {
	u := draftUpdate()
	if err := u.Dispute(cso, "", Text{"FR": "Le texte est inexact."}, at); err != nil {
		t.Fatal(err)
	}
	if r := u.Disputes[0].Reason; len(r) != 1 || r["fr"] != "Le texte est inexact." {
		t.Errorf("reason stored as %v, want it under fr", r)
	}
}
