// Package catalog is the commitments service's model of an action plan: plan,
// commitments, milestones and indicators, every text keyed by language.
package catalog

import (
	"github.com/kept-ogp/kept/services/commitments/internal/deadline"
	"github.com/kept-ogp/kept/services/commitments/internal/planfile"
)

// Text maps a language tag to text.
type Text map[string]string

// Org is a lead implementing organisation.
type Org struct {
	Code string `bson:"code" json:"code"`
	Name Text   `bson:"name" json:"name"`
}

// Deadline keeps the plan's words and what could be derived from them.
type Deadline struct {
	Original    Text   `bson:"original" json:"original"`
	Kind        string `bson:"kind" json:"kind"`
	Due         string `bson:"due,omitempty" json:"due,omitempty"`
	Precision   string `bson:"precision,omitempty" json:"precision,omitempty"`
	Approximate bool   `bson:"approximate" json:"approximate"`
	Source      string `bson:"source,omitempty" json:"source,omitempty"`
	Note        string `bson:"note,omitempty" json:"note,omitempty"`
	UntilYear   int    `bson:"until_year,omitempty" json:"until_year,omitempty"`
	// NeedsDate flags a deadline whose words could not be read: the PoC sets it by hand.
	NeedsDate bool `bson:"needs_date" json:"needs_date"`
}

// Indicator is the finest level of a plan.
type Indicator struct {
	Code     string   `bson:"code" json:"code"`
	Title    Text     `bson:"title" json:"title"`
	Deadline Deadline `bson:"deadline" json:"deadline"`
	LeadOrgs []Org    `bson:"lead_orgs" json:"lead_orgs"`
}

// Milestone groups indicators; a plan without indicators reports on milestones.
type Milestone struct {
	Code       string      `bson:"code" json:"code"`
	Title      Text        `bson:"title" json:"title"`
	Deadline   Deadline    `bson:"deadline" json:"deadline"`
	LeadOrgs   []Org       `bson:"lead_orgs" json:"lead_orgs"`
	Indicators []Indicator `bson:"indicators" json:"indicators"`
}

// Commitment is one commitment of a plan.
type Commitment struct {
	Code       string      `bson:"code" json:"code"`
	Title      Text        `bson:"title" json:"title"`
	LeadOrgs   []Org       `bson:"lead_orgs" json:"lead_orgs"`
	Milestones []Milestone `bson:"milestones" json:"milestones"`
}

// Plan is an action plan as last imported (or edited by the PoC).
type Plan struct {
	ID          string       `bson:"plan_id" json:"id"`
	Title       Text         `bson:"title" json:"title"`
	Start       string       `bson:"start" json:"start"`
	End         string       `bson:"end" json:"end"`
	Languages   []string     `bson:"languages" json:"languages"`
	Commitments []Commitment `bson:"commitments" json:"commitments"`
}

// FromFile converts a parsed plan file.
func FromFile(p *planfile.Plan) Plan {
	out := Plan{ID: p.ID, Title: Text(p.Title), Start: p.Start, End: p.End, Languages: append([]string(nil), p.Languages...)}
	for _, c := range p.Commitments {
		cc := Commitment{Code: c.Code, Title: Text(c.Title), LeadOrgs: orgs(c.LeadOrgs)}
		for _, m := range c.Milestones {
			mm := Milestone{Code: m.Code, Title: Text(m.Title), Deadline: fromDeadline(m.Deadline), LeadOrgs: orgs(m.LeadOrgs), Indicators: []Indicator{}}
			for _, i := range m.Indicators {
				mm.Indicators = append(mm.Indicators, Indicator{Code: i.Code, Title: Text(i.Title), Deadline: fromDeadline(i.Deadline), LeadOrgs: orgs(i.LeadOrgs)})
			}
			cc.Milestones = append(cc.Milestones, mm)
		}
		out.Commitments = append(out.Commitments, cc)
	}
	return out
}

func orgs(in []planfile.Org) []Org {
	out := make([]Org, 0, len(in))
	for _, o := range in {
		out = append(out, Org{Code: o.Code, Name: Text(o.Name)})
	}
	return out
}

func fromDeadline(d deadline.Deadline) Deadline {
	return Deadline{Original: Text(d.Original), Kind: string(d.Kind), Due: d.Due, Precision: string(d.Precision),
		Approximate: d.Approximate, Source: d.Source, Note: d.Note, UntilYear: d.UntilYear,
		NeedsDate: d.Kind == deadline.KindUnreadable}
}

// Counts is the size of a plan.
type Counts struct {
	Commitments int `json:"commitments"`
	Milestones  int `json:"milestones"`
	Indicators  int `json:"indicators"`
	NeedsDate   int `json:"deadlines_to_set"`
}

// Count tallies the plan's levels and the deadlines the PoC must set.
func (p Plan) Count() Counts {
	var n Counts
	n.Commitments = len(p.Commitments)
	for _, c := range p.Commitments {
		n.Milestones += len(c.Milestones)
		for _, m := range c.Milestones {
			n.Indicators += len(m.Indicators)
			if len(m.Indicators) == 0 && m.Deadline.NeedsDate {
				n.NeedsDate++
			}
			for _, i := range m.Indicators {
				if i.Deadline.NeedsDate {
					n.NeedsDate++
				}
			}
		}
	}
	return n
}

// Commitment finds a commitment by code.
func (p Plan) Commitment(code string) (Commitment, bool) {
	for _, c := range p.Commitments {
		if c.Code == code {
			return c, true
		}
	}
	return Commitment{}, false
}

// Item is a milestone or indicator found by code, with where it sits.
type Item struct {
	Level      string      `json:"level"`
	Commitment string      `json:"commitment"`
	Milestone  string      `json:"milestone"`
	Code       string      `json:"code"`
	Title      Text        `json:"title"`
	Deadline   Deadline    `json:"deadline"`
	LeadOrgs   []Org       `json:"lead_orgs"`
	Indicators []Indicator `json:"indicators,omitempty"`
}

// Find returns the milestone or indicator with code.
func (p Plan) Find(code string) (Item, bool) {
	for _, c := range p.Commitments {
		for _, m := range c.Milestones {
			if m.Code == code {
				return Item{Level: "milestone", Commitment: c.Code, Milestone: m.Code, Code: m.Code, Title: m.Title, Deadline: m.Deadline, LeadOrgs: m.LeadOrgs, Indicators: m.Indicators}, true
			}
			for _, i := range m.Indicators {
				if i.Code == code {
					return Item{Level: "indicator", Commitment: c.Code, Milestone: m.Code, Code: i.Code, Title: i.Title, Deadline: i.Deadline, LeadOrgs: i.LeadOrgs}, true
				}
			}
		}
	}
	return Item{}, false
}

// SetDeadline replaces the deadline of the item with code; false if absent.
func (p *Plan) SetDeadline(code string, d Deadline) bool {
	for ci := range p.Commitments {
		for mi := range p.Commitments[ci].Milestones {
			m := &p.Commitments[ci].Milestones[mi]
			if m.Code == code {
				m.Deadline = d
				return true
			}
			for ii := range m.Indicators {
				if m.Indicators[ii].Code == code {
					m.Indicators[ii].Deadline = d
					return true
				}
			}
		}
	}
	return false
}

// Organisations lists every lead organisation once, in plan order.
func (p Plan) Organisations() []Org {
	seen := map[string]bool{}
	var out []Org
	add := func(os []Org) {
		for _, o := range os {
			if !seen[o.Code] {
				seen[o.Code] = true
				out = append(out, o)
			}
		}
	}
	for _, c := range p.Commitments {
		add(c.LeadOrgs)
		for _, m := range c.Milestones {
			add(m.LeadOrgs)
			for _, i := range m.Indicators {
				add(i.LeadOrgs)
			}
		}
	}
	return out
}
