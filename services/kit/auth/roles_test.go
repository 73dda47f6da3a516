package auth

import (
	"slices"
	"strings"
	"testing"
)

// The command-line role forms documented in the README and in `kept token
// create --role` must parse to the grant they name.
func TestParseRoleAcceptsDocumentedForms(t *testing.T) {
	cases := []struct {
		in   string
		want Role
	}{
		{"admin", Role{Kind: KindAdmin}},
		{"poc", Role{Kind: KindPoC}},
		{"  admin  ", Role{Kind: KindAdmin}},
		{"agency_editor:rcmp-grc", Role{Kind: KindAgencyEditor, Org: "rcmp-grc"}},
		{"wg_member:ca-nap6/C01:government", Role{Kind: KindWGMember, Plan: "ca-nap6", Commitment: "C01", Side: SideGovernment}},
		{"wg_member:ca-nap6/C01:civil_society", Role{Kind: KindWGMember, Plan: "ca-nap6", Commitment: "C01", Side: SideCivilSociety}},
	}
	for _, c := range cases {
		got, err := ParseRole(c.in)
		if err != nil {
			t.Errorf("ParseRole(%q): unexpected error %v", c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("ParseRole(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

// A bad role must be refused with a message that tells the operator what is
// wrong, not just "invalid".
func TestParseRoleRefusesBadFormsNamingTheProblem(t *testing.T) {
	cases := []struct {
		in   string
		want []string // substrings the error must contain
	}{
		{"", []string{"want admin, poc, notifier, agency_editor:<org> or wg_member:<plan>/<commitment>:<side>"}},
		{"superuser", []string{`"superuser"`, "want admin, poc"}},
		{"Admin", []string{`"Admin"`, "want admin"}},
		{"admin:extra", []string{`"admin:extra"`, "want admin"}},
		{"poc:ca-nap6", []string{`"poc:ca-nap6"`}},
		{"agency_editor", []string{`"agency_editor"`, "agency_editor:<org>"}},
		{"agency_editor:", []string{"agency_editor", "needs an organisation code"}},
		{"agency_editor:a:b", []string{`"agency_editor:a:b"`}},
		{"wg_member:ca-nap6/C01", []string{`"wg_member:ca-nap6/C01"`, "wg_member:<plan>/<commitment>:<side>"}},
		{"wg_member:ca-nap6:government", []string{`"wg_member:ca-nap6:government"`, "wg_member:<plan>/<commitment>:<side>"}},
		{"wg_member:ca-nap6/C01:press", []string{`side "government" or "civil_society"`, `got "press"`}},
		{"wg_member:ca-nap6/C01:", []string{`side "government" or "civil_society"`, `got ""`}},
		{"wg_member:/C01:government", []string{"needs a plan and a commitment"}},
		{"wg_member:ca-nap6/:government", []string{"needs a plan and a commitment"}},
	}
	for _, c := range cases {
		got, err := ParseRole(c.in)
		if err == nil {
			t.Errorf("ParseRole(%q) = %+v, want an error", c.in, got)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("ParseRole(%q) error %q does not mention %q", c.in, err, w)
			}
		}
	}
}

func TestRoleValidate(t *testing.T) {
	ok := []Role{
		{Kind: KindAdmin},
		{Kind: KindPoC},
		{Kind: KindAgencyEditor, Org: "rcmp-grc"},
		{Kind: KindWGMember, Plan: "ca-nap6", Commitment: "C01", Side: SideGovernment},
		{Kind: KindWGMember, Plan: "ca-nap6", Commitment: "C01", Side: SideCivilSociety},
	}
	for _, r := range ok {
		if err := r.Validate(); err != nil {
			t.Errorf("%+v.Validate() = %v, want nil", r, err)
		}
	}
	bad := []struct {
		r    Role
		want string
	}{
		{Role{}, `unknown role kind ""`},
		{Role{Kind: "root"}, `unknown role kind "root" (want agency_editor, wg_member, poc, admin or notifier)`},
		{Role{Kind: KindAgencyEditor}, "agency_editor needs an organisation code"},
		{Role{Kind: KindWGMember, Commitment: "C01", Side: SideGovernment}, "wg_member needs a plan and a commitment"},
		{Role{Kind: KindWGMember, Plan: "ca-nap6", Side: SideGovernment}, "wg_member needs a plan and a commitment"},
		{Role{Kind: KindWGMember, Plan: "ca-nap6", Commitment: "C01"}, `got ""`},
		{Role{Kind: KindWGMember, Plan: "ca-nap6", Commitment: "C01", Side: "Government"}, `got "Government"`},
	}
	for _, c := range bad {
		err := c.r.Validate()
		if err == nil {
			t.Errorf("%+v.Validate() = nil, want an error", c.r)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v.Validate() = %q, want it to mention %q", c.r, err, c.want)
		}
	}
}

func TestPrincipalPermissions(t *testing.T) {
	p := &Principal{TokenID: "t1", Name: "mixed", Roles: []Role{
		{Kind: KindAgencyEditor, Org: "rcmp-grc"},
		{Kind: KindWGMember, Plan: "ca-nap6", Commitment: "C01", Side: SideGovernment},
		{Kind: KindWGMember, Plan: "ca-nap6", Commitment: "C01", Side: SideCivilSociety},
		{Kind: KindWGMember, Plan: "ca-nap6", Commitment: "C02", Side: SideCivilSociety},
	}}

	if !p.Has(KindAgencyEditor) || !p.Has(KindWGMember) {
		t.Error("Has: want agency_editor and wg_member")
	}
	if p.Has(KindAdmin) || p.Has(KindPoC) || p.Has("") {
		t.Error("Has: must not report roles the principal lacks")
	}

	if !p.EditsFor("rcmp-grc") {
		t.Error("EditsFor(rcmp-grc) = false, want true")
	}
	for _, org := range []string{"tbs-sct", "", "RCMP-GRC", "rcmp"} {
		if p.EditsFor(org) {
			t.Errorf("EditsFor(%q) = true, want false", org)
		}
	}

	if got := p.Sides("ca-nap6", "C01"); !slices.Equal(got, []string{SideGovernment, SideCivilSociety}) {
		t.Errorf("Sides(ca-nap6, C01) = %v, want both sides", got)
	}
	if got := p.Sides("ca-nap6", "C02"); !slices.Equal(got, []string{SideCivilSociety}) {
		t.Errorf("Sides(ca-nap6, C02) = %v, want [civil_society]", got)
	}
	if got := p.Sides("ca-nap6", "C03"); len(got) != 0 {
		t.Errorf("Sides(ca-nap6, C03) = %v, want none", got)
	}
	if got := p.Sides("ca-nap5", "C01"); len(got) != 0 {
		t.Errorf("Sides on another plan = %v, want none", got)
	}

	// An admin is not implicitly an editor or a working-group member.
	admin := &Principal{Roles: []Role{{Kind: KindAdmin}}}
	if admin.EditsFor("rcmp-grc") || len(admin.Sides("ca-nap6", "C01")) != 0 || admin.Has(KindAgencyEditor) {
		t.Error("admin must not gain editor or working-group rights")
	}
	// Only an agency_editor grant lets a principal post for an organisation,
	// even when another role happens to carry the same Org value.
	odd := &Principal{Roles: []Role{{Kind: KindPoC, Org: "rcmp-grc"}}}
	if odd.EditsFor("rcmp-grc") {
		t.Error("EditsFor must look at agency_editor grants only")
	}
}

// A role carrying fields its kind ignores would look scoped while being
// global (an "admin of one plan" is a full admin), so it is refused.
func TestRolesWithFieldsTheirKindIgnoresAreRefused(t *testing.T) {
	for _, r := range []Role{
		{Kind: KindAdmin, Plan: "ca-nap6"},
		{Kind: KindPoC, Org: "rcmp-grc"},
		{Kind: KindAgencyEditor, Org: "rcmp-grc", Commitment: "C01"},
		{Kind: KindWGMember, Plan: "ca-nap6", Commitment: "C01", Side: SideGovernment, Org: "rcmp-grc"},
	} {
		if err := r.Validate(); err == nil || !strings.Contains(err.Error(), "does not take") {
			t.Errorf("%+v: err = %v", r, err)
		}
	}
}
