// Package auth holds kept's API tokens and the roles they carry, and the gin
// middleware that checks them on every write.
package auth

import (
	"fmt"
	"strings"
)

// Role kinds.
const (
	KindAgencyEditor = "agency_editor" // posts updates on the items its organisation leads
	KindWGMember     = "wg_member"     // agrees or disputes updates of one commitment, for one side
	KindPoC          = "poc"           // point of contact: runs the process for the deployment
	KindAdmin        = "admin"         // manages tokens and imports
	// KindNotifier is a service identity (the notifications service): it may
	// read what it must deliver to, such as a confirmed asker's address.
	KindNotifier = "notifier"
)

// Working-group sides.
const (
	SideGovernment   = "government"
	SideCivilSociety = "civil_society"
)

// Role is one grant. Org is set for agency editors; Plan, Commitment and Side
// for working-group members.
type Role struct {
	Kind       string `bson:"kind" json:"kind"`
	Org        string `bson:"org,omitempty" json:"org,omitempty"`
	Plan       string `bson:"plan,omitempty" json:"plan,omitempty"`
	Commitment string `bson:"commitment,omitempty" json:"commitment,omitempty"`
	Side       string `bson:"side,omitempty" json:"side,omitempty"`
}

// Validate names what is wrong with a role, including fields the kind does
// not use: a role that looks scoped must be scoped.
func (r Role) Validate() error {
	extra := func(fields ...string) error {
		return fmt.Errorf("role %s does not take %s", r.Kind, strings.Join(fields, " or "))
	}
	switch r.Kind {
	case KindAgencyEditor:
		if r.Plan != "" || r.Commitment != "" || r.Side != "" {
			return extra("plan", "commitment", "side")
		}
	case KindWGMember:
		if r.Org != "" {
			return extra("org")
		}
	case KindPoC, KindAdmin, KindNotifier:
		if r.Org != "" || r.Plan != "" || r.Commitment != "" || r.Side != "" {
			return extra("org", "plan", "commitment", "side")
		}
	}
	switch r.Kind {
	case KindAgencyEditor:
		if r.Org == "" {
			return fmt.Errorf("role %s needs an organisation code", r.Kind)
		}
	case KindWGMember:
		if r.Plan == "" || r.Commitment == "" {
			return fmt.Errorf("role %s needs a plan and a commitment", r.Kind)
		}
		if r.Side != SideGovernment && r.Side != SideCivilSociety {
			return fmt.Errorf("role %s needs side %q or %q, got %q", r.Kind, SideGovernment, SideCivilSociety, r.Side)
		}
	case KindPoC, KindAdmin, KindNotifier:
	default:
		return fmt.Errorf("unknown role kind %q (want %s, %s, %s, %s or %s)", r.Kind, KindAgencyEditor, KindWGMember, KindPoC, KindAdmin, KindNotifier)
	}
	return nil
}

// ParseRole reads the command-line form: "admin", "poc", "agency_editor:rcmp-grc",
// "wg_member:ca-nap6/C01:government".
func ParseRole(s string) (Role, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	r := Role{Kind: parts[0]}
	switch {
	case r.Kind == KindAgencyEditor && len(parts) == 2:
		r.Org = parts[1]
	case r.Kind == KindWGMember && len(parts) == 3:
		plan, commitment, ok := strings.Cut(parts[1], "/")
		if !ok {
			return Role{}, fmt.Errorf("role %q: want wg_member:<plan>/<commitment>:<side>", s)
		}
		r.Plan, r.Commitment, r.Side = plan, commitment, parts[2]
	case (r.Kind == KindPoC || r.Kind == KindAdmin || r.Kind == KindNotifier) && len(parts) == 1:
	default:
		return Role{}, fmt.Errorf("role %q: want admin, poc, notifier, agency_editor:<org> or wg_member:<plan>/<commitment>:<side>", s)
	}
	return r, r.Validate()
}

// Principal is who made a request.
type Principal struct {
	TokenID string `json:"token_id"`
	Name    string `json:"name"`
	Roles   []Role `json:"roles"`
}

// Has reports whether the principal holds a role of kind.
func (p *Principal) Has(kind string) bool {
	for _, r := range p.Roles {
		if r.Kind == kind {
			return true
		}
	}
	return false
}

// EditsFor reports whether the principal may post for organisation org.
func (p *Principal) EditsFor(org string) bool {
	for _, r := range p.Roles {
		if r.Kind == KindAgencyEditor && r.Org == org {
			return true
		}
	}
	return false
}

// Sides returns the working-group sides the principal holds on a commitment.
func (p *Principal) Sides(plan, commitment string) []string {
	var out []string
	for _, r := range p.Roles {
		if r.Kind == KindWGMember && r.Plan == plan && r.Commitment == commitment {
			out = append(out, r.Side)
		}
	}
	return out
}
