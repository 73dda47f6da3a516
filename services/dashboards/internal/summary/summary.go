// Package summary computes what the dashboards show of a plan or commitment:
// a light for every level, counts by status and light, percent complete and
// the next deadlines. It is pure: the same snapshot and day give the same
// summary.
package summary

import (
	"sort"
	"time"

	"github.com/kept-ogp/kept/services/dashboards/internal/rag"
	"github.com/kept-ogp/kept/services/dashboards/internal/readmodel"
)

// Light is a light with its rule.
type Light struct {
	Light  rag.Light `json:"light"`
	Reason string    `json:"reason"`
}

// Counts tallies finest-level items (indicators, or milestones without any).
type Counts struct {
	Total int `json:"total"`
	// Complete counts items agreed complete; a disputed claim does not count.
	Complete int               `json:"complete"`
	ByLight  map[rag.Light]int `json:"by_light"`
	ByStatus map[string]int    `json:"by_status"`
}

// Deadline is an upcoming due date.
type Deadline struct {
	Code        string         `json:"code"`
	Title       readmodel.Text `json:"title"`
	Words       readmodel.Text `json:"words"`
	Due         string         `json:"due"`
	Approximate bool           `json:"approximate"`
}

// ItemView is one indicator or milestone with its light.
type ItemView struct {
	Code     string             `json:"code"`
	Level    string             `json:"level"`
	Title    readmodel.Text     `json:"title"`
	Deadline readmodel.Deadline `json:"deadline"`
	LeadOrgs []string           `json:"lead_orgs"`
	Status   string             `json:"status"`
	Disputed bool               `json:"disputed"`
	Latest   *readmodel.Status  `json:"latest_update,omitempty"`
	Light    Light              `json:"light"`
	Children []ItemView         `json:"indicators,omitempty"`
}

// Commitment is a commitment's dashboard.
type Commitment struct {
	Plan            string         `json:"plan"`
	PlanTitle       readmodel.Text `json:"plan_title"`
	Code            string         `json:"code"`
	Title           readmodel.Text `json:"title"`
	Light           Light          `json:"light"`
	Disputed        int            `json:"disputed"`
	Counts          Counts         `json:"counts"`
	PercentComplete int            `json:"percent_complete"`
	NextDeadlines   []Deadline     `json:"next_deadlines"`
	Milestones      []ItemView     `json:"milestones"`
	LastUpdate      *time.Time     `json:"last_update,omitempty"`
	AsOf            string         `json:"as_of"`
}

// Plan is a plan's dashboard.
type Plan struct {
	ID              string         `json:"id"`
	Title           readmodel.Text `json:"title"`
	Start           string         `json:"start"`
	End             string         `json:"end"`
	Languages       []string       `json:"languages"`
	Light           Light          `json:"light"`
	Counts          Counts         `json:"counts"`
	PercentComplete int            `json:"percent_complete"`
	NextDeadlines   []Deadline     `json:"next_deadlines"`
	Commitments     []Commitment   `json:"commitments"`
	LastUpdate      *time.Time     `json:"last_update,omitempty"`
	AsOf            string         `json:"as_of"`
}

// MaxNextDeadlines bounds the deadline lists.
const MaxNextDeadlines = 5

// ForPlan summarises a whole plan as of today (in the deployment's zone).
func ForPlan(s *readmodel.Snapshot, today time.Time, rules rag.Rules) Plan {
	p := Plan{ID: s.Plan.ID, Title: s.Plan.Title, Start: s.Plan.Start, End: s.Plan.End, Languages: s.Plan.Languages,
		Counts: newCounts(), AsOf: today.Format("2006-01-02"), Commitments: []Commitment{}}
	var lights []rag.Result
	var all []Deadline
	for _, c := range s.Commitments {
		cs := ForCommitment(s, c, today, rules)
		p.Commitments = append(p.Commitments, cs)
		lights = append(lights, rag.Result{Light: cs.Light.Light, Reason: cs.Light.Reason})
		p.Counts.add(cs.Counts)
		all = append(all, upcoming(s, c, today)...)
		p.LastUpdate = later(p.LastUpdate, cs.LastUpdate)
	}
	r := rag.Rollup(lights)
	p.Light = Light{r.Light, r.Reason}
	p.PercentComplete = p.Counts.percent()
	p.NextDeadlines = firstDeadlines(all)
	return p
}

// ForCommitment summarises one commitment.
func ForCommitment(s *readmodel.Snapshot, c readmodel.Commitment, today time.Time, rules rag.Rules) Commitment {
	out := Commitment{Plan: s.Plan.ID, PlanTitle: s.Plan.Title, Code: c.Code, Title: c.Title, Counts: newCounts(),
		AsOf: today.Format("2006-01-02"), Milestones: []ItemView{}}
	var lights []rag.Result
	for _, m := range c.Milestones {
		mv := ItemView{Code: m.Code, Level: "milestone", Title: m.Title, Deadline: m.Deadline, LeadOrgs: m.LeadOrgs}
		if len(m.Indicators) == 0 {
			mv = leaf(mv, s, today, rules, &out)
		} else {
			var kids []rag.Result
			for _, i := range m.Indicators {
				iv := leaf(ItemView{Code: i.Code, Level: "indicator", Title: i.Title, Deadline: i.Deadline, LeadOrgs: i.LeadOrgs}, s, today, rules, &out)
				mv.Children = append(mv.Children, iv)
				kids = append(kids, rag.Result{Light: iv.Light.Light, Reason: iv.Light.Reason})
			}
			r := rag.Rollup(kids)
			mv.Light = Light{r.Light, r.Reason}
			if st, ok := s.Statuses[m.Code]; ok {
				mv.Latest, mv.Status, mv.Disputed = &st, st.Status, st.State == "disputed"
			}
		}
		lights = append(lights, rag.Result{Light: mv.Light.Light, Reason: mv.Light.Reason})
		out.Milestones = append(out.Milestones, mv)
	}
	r := rag.Rollup(lights)
	out.Light = Light{r.Light, r.Reason}
	out.PercentComplete = out.Counts.percent()
	out.NextDeadlines = firstDeadlines(upcoming(s, c, today))
	return out
}

// leaf evaluates a finest-level item and counts it.
func leaf(v ItemView, s *readmodel.Snapshot, today time.Time, rules rag.Rules, c *Commitment) ItemView {
	it := rag.Item{Recurring: v.Deadline.Kind == "recurring"}
	if v.Deadline.Kind == "date" {
		if d, err := time.ParseInLocation("2006-01-02", v.Deadline.Due, today.Location()); err == nil {
			it.Due = &d
		}
	}
	if st, ok := s.Statuses[v.Code]; ok {
		v.Latest, v.Status, v.Disputed = &st, st.Status, st.State == "disputed"
		it.Status, it.Disputed = st.Status, v.Disputed
		t := st.PublishedAt
		c.LastUpdate = later(c.LastUpdate, &t)
	}
	r := rag.Evaluate(it, today, rules)
	v.Light = Light{r.Light, r.Reason}
	c.Counts.Total++
	c.Counts.ByLight[r.Light]++
	status := v.Status
	if status == "" {
		status = "not_reported"
	}
	c.Counts.ByStatus[status]++
	if status == rag.Complete && !v.Disputed {
		c.Counts.Complete++
	}
	if v.Disputed {
		c.Disputed++
	}
	return v
}

func newCounts() Counts {
	return Counts{ByLight: map[rag.Light]int{rag.Green: 0, rag.Amber: 0, rag.Red: 0, rag.Grey: 0},
		ByStatus: map[string]int{"not_reported": 0, rag.NotStarted: 0, rag.Limited: 0, rag.Substantial: 0, rag.Complete: 0}}
}

func (c *Counts) add(o Counts) {
	c.Total += o.Total
	c.Complete += o.Complete
	for k, v := range o.ByLight {
		c.ByLight[k] += v
	}
	for k, v := range o.ByStatus {
		c.ByStatus[k] += v
	}
}

// percent is the share of finest-level items agreed complete, rounded down.
func (c Counts) percent() int {
	if c.Total == 0 {
		return 0
	}
	return c.Complete * 100 / c.Total
}

// upcoming lists the commitment's finest-level items due today or later and
// not yet agreed complete.
func upcoming(s *readmodel.Snapshot, c readmodel.Commitment, today time.Time) []Deadline {
	day := today.Format("2006-01-02")
	var out []Deadline
	add := func(code string, title readmodel.Text, d readmodel.Deadline) {
		if st, ok := s.Statuses[code]; ok && st.Status == rag.Complete && st.State != "disputed" {
			return
		}
		if d.Kind == "date" && d.Due >= day {
			out = append(out, Deadline{Code: code, Title: title, Words: d.Original, Due: d.Due, Approximate: d.Approximate})
		}
	}
	for _, m := range c.Milestones {
		if len(m.Indicators) == 0 {
			add(m.Code, m.Title, m.Deadline)
		}
		for _, i := range m.Indicators {
			add(i.Code, i.Title, i.Deadline)
		}
	}
	return out
}

func firstDeadlines(all []Deadline) []Deadline {
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].Due != all[j].Due {
			return all[i].Due < all[j].Due
		}
		return all[i].Code < all[j].Code
	})
	if len(all) > MaxNextDeadlines {
		all = all[:MaxNextDeadlines]
	}
	if all == nil {
		all = []Deadline{}
	}
	return all
}

func later(a, b *time.Time) *time.Time {
	if b == nil || (a != nil && !b.After(*a)) {
		return a
	}
	t := *b
	return &t
}
