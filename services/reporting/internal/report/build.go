package report

import (
	"sort"
	"strings"
	"time"

	"github.com/kept-ogp/kept/services/reporting/internal/periods"
	"github.com/kept-ogp/kept/services/reporting/internal/readmodel"
)

// Rule explains, in every report, which updates a period holds.
const Rule = "An update belongs to the period in which the working group agreed it: the time of the agreement " +
	"that completed it (or, for a disputed update, of its first dispute), in the deployment's time zone. " +
	"The agency's own 'reported for' period is shown on each line. Drafts are never used."

// forever is the cut-off of "as of now": later than any event.
var forever = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// index holds a plan's update versions by item and update id, each list in
// version order.
type index map[string]map[string][]readmodel.UpdateVersion

func newIndex(us []readmodel.UpdateVersion) index {
	ix := index{}
	for _, u := range us {
		m := ix[u.Item]
		if m == nil {
			m = map[string][]readmodel.UpdateVersion{}
			ix[u.Item] = m
		}
		m[u.UpdateID] = append(m[u.UpdateID], u)
	}
	for _, m := range ix {
		for _, vs := range m {
			sort.Slice(vs, func(i, j int) bool { return vs[i].Version < vs[j].Version })
		}
	}
	return ix
}

// current returns, per update of item, the newest version public before
// cutoff, sorted by when it became so (then id), oldest first.
func (ix index) current(item string, cutoff time.Time) []readmodel.UpdateVersion {
	var out []readmodel.UpdateVersion
	for _, vs := range ix[item] {
		for i := len(vs) - 1; i >= 0; i-- {
			if vs[i].At.Before(cutoff) {
				out = append(out, vs[i])
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		return out[i].UpdateID < out[j].UpdateID
	})
	return out
}

// latestAgreed is the newest agreed update of item in [from, to).
func (ix index) latestAgreed(item string, from, to time.Time) *readmodel.UpdateVersion {
	cur := ix.current(item, to)
	for i := len(cur) - 1; i >= 0; i-- {
		if cur[i].State == readmodel.StateAgreed && !cur[i].At.Before(from) {
			u := cur[i]
			return &u
		}
	}
	return nil
}

// disputed lists the updates of item disputed in [from, to) and still
// disputed at to.
func (ix index) disputed(item string, from, to time.Time) []readmodel.UpdateVersion {
	var out []readmodel.UpdateVersion
	for _, u := range ix.current(item, to) {
		if u.State == readmodel.StateDisputed && !u.At.Before(from) {
			out = append(out, u)
		}
	}
	return out
}

// lang picks a text in one language.
type lang struct {
	tag      string
	fallback []string
}

func newLang(tag string, languages []string) lang {
	return lang{tag: tag, fallback: languages}
}

// pick returns t in the chosen language, else in the plan's languages in
// order, else the first by tag.
func (l lang) pick(t map[string]string) string {
	if v, ok := t[l.tag]; ok && strings.TrimSpace(v) != "" {
		return v
	}
	for _, f := range l.fallback {
		if v, ok := t[f]; ok && strings.TrimSpace(v) != "" {
			return v
		}
	}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.TrimSpace(t[k]) != "" {
			return t[k]
		}
	}
	return ""
}

func (l lang) orgNames(os []readmodel.Org) []string {
	out := make([]string, 0, len(os))
	for _, o := range os {
		n := l.pick(o.Name)
		if n == "" {
			n = o.Code
		}
		out = append(out, n)
	}
	return out
}

// leadAgencies is every lead organisation of a commitment, in plan order.
func (l lang) leadAgencies(c readmodel.Commitment) []string {
	seen := map[string]bool{}
	var out []string
	add := func(os []readmodel.Org) {
		for i, n := range l.orgNames(os) {
			if !seen[os[i].Code] {
				seen[os[i].Code] = true
				out = append(out, n)
			}
		}
	}
	add(c.LeadOrgs)
	for _, m := range c.Milestones {
		add(m.LeadOrgs)
		for _, in := range m.Indicators {
			add(in.LeadOrgs)
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}

func (l lang) line(u readmodel.UpdateVersion) UpdateLine {
	out := UpdateLine{UpdateID: u.UpdateID, Version: u.Version, ReportedFor: u.Period, Agency: u.Agency, State: u.State,
		Status: u.Status, StatusLabel: Label(l.tag, u.Status), Progress: l.pick(u.Progress), Challenges: l.pick(u.Challenges),
		DelayReason: l.pick(u.DelayReason), NextSteps: l.pick(u.NextSteps), Evidence: l.links(u.Evidence),
		Agreements: []Sign{}, Disputes: []Objection{}, At: u.At.UTC()}
	for _, a := range u.Agreements {
		out.Agreements = append(out.Agreements, Sign{Side: a.Side, Member: a.Member, At: a.At.UTC()})
	}
	sort.Slice(out.Agreements, func(i, j int) bool {
		return out.Agreements[i].Side+out.Agreements[i].Member < out.Agreements[j].Side+out.Agreements[j].Member
	})
	for _, d := range u.Disputes {
		out.Disputes = append(out.Disputes, Objection{Side: d.Side, Member: d.Member, Reason: l.pick(d.Reason), At: d.At.UTC()})
	}
	sort.Slice(out.Disputes, func(i, j int) bool { return out.Disputes[i].At.Before(out.Disputes[j].At) })
	return out
}

func (l lang) links(es []readmodel.Evidence) []Link {
	out := make([]Link, 0, len(es))
	for _, e := range es {
		out = append(out, Link{URL: e.URL, Title: l.pick(e.Title), Kind: e.Kind})
	}
	return out
}

func (l lang) deadline(d readmodel.Deadline) string {
	if s := l.pick(d.Original); s != "" {
		return s
	}
	return d.Due
}

// BuildProgress assembles the joint progress update of period p.
func BuildProgress(snap *readmodel.Snapshot, p periods.Period, tag string, loc *time.Location, now time.Time) Progress {
	l := newLang(tag, snap.Plan.Languages)
	ix := newIndex(snap.Updates)
	out := Progress{Plan: snap.Plan.ID, PlanTitle: l.pick(snap.Plan.Title), Language: tag, Languages: snap.Plan.Languages,
		Period: PeriodRef{ID: p.ID, Start: p.Start, End: p.End}, TimeZone: loc.String(), Rule: Rule, Commitments: []CommitmentProgress{}}
	item := func(code, level, title, dl string, orgs []readmodel.Org) ItemLine {
		it := ItemLine{Code: code, Level: level, Title: title, Deadline: dl, LeadOrgs: l.orgNames(orgs), Disputed: []UpdateLine{}}
		if u := ix.latestAgreed(code, p.From, p.To); u != nil {
			ln := l.line(*u)
			it.Agreed = &ln
		} else if prev := ix.latestAgreed(code, time.Time{}, p.From); prev != nil {
			it.PreviousAgreed = &Ref{UpdateID: prev.UpdateID, Version: prev.Version, Status: prev.Status, At: prev.At.UTC()}
		}
		for _, u := range ix.disputed(code, p.From, p.To) {
			it.Disputed = append(it.Disputed, l.line(u))
		}
		it.NoAgreedUpdate = it.Agreed == nil
		return it
	}
	for n, c := range snap.Commitments {
		cp := CommitmentProgress{Number: n + 1, Code: c.Code, Title: l.pick(c.Title), LeadAgencies: l.leadAgencies(c), Items: []ItemLine{}}
		cp.Completion, _ = completion(c, ix, p.To)
		for _, m := range c.Milestones {
			mi := item(m.Code, "milestone", l.pick(m.Title), l.deadline(m.Deadline), m.LeadOrgs)
			var ins []ItemLine
			for _, in := range m.Indicators {
				il := item(in.Code, "indicator", l.pick(in.Title), l.deadline(in.Deadline), in.LeadOrgs)
				if il.Agreed != nil {
					// Its indicators report for the milestone.
					mi.NoAgreedUpdate = false
				}
				ins = append(ins, il)
			}
			cp.Items = append(cp.Items, mi)
			cp.Items = append(cp.Items, ins...)
		}
		for _, it := range cp.Items {
			out.Counts.Items++
			if it.Agreed != nil {
				out.Counts.Agreed++
			}
			out.Counts.Disputed += len(it.Disputed)
			if it.NoAgreedUpdate {
				out.Counts.Missing++
			}
		}
		out.Commitments = append(out.Commitments, cp)
	}
	out.QA, out.QATotal = qaFigures(snap.Questions, p.From, p.To, loc, now)
	return out
}

// completion is a commitment's level as of cutoff, with its milestones'
// levels. The rule: an item's level is the status of its latest agreed
// update; a milestone with its own agreed update takes that update's status,
// else the combined level of its indicators; the commitment combines its
// milestones. Combining: all complete is complete; all not started (or no
// agreed update) is not started; at least half substantial or complete is
// substantial; anything else is limited.
func completion(c readmodel.Commitment, ix index, cutoff time.Time) (string, []MilestoneLevel) {
	var ms []string
	var out []MilestoneLevel
	for _, m := range c.Milestones {
		ml := MilestoneLevel{Code: m.Code, Basis: "none", Completion: NotStarted}
		if u := ix.latestAgreed(m.Code, time.Time{}, cutoff); u != nil && validLevel(u.Status) {
			ml.Completion, ml.Basis = u.Status, "update"
		} else if len(m.Indicators) > 0 {
			var ls []string
			any := false
			for _, in := range m.Indicators {
				lv := NotStarted
				if u := ix.latestAgreed(in.Code, time.Time{}, cutoff); u != nil && validLevel(u.Status) {
					lv, any = u.Status, true
				}
				ls = append(ls, lv)
			}
			ml.Completion = combine(ls)
			if any {
				ml.Basis = "indicators"
			}
		}
		ms = append(ms, ml.Completion)
		out = append(out, ml)
	}
	return combine(ms), out
}

func validLevel(s string) bool {
	return s == NotStarted || s == Limited || s == Substantial || s == Complete
}

func combine(ls []string) string {
	if len(ls) == 0 {
		return NotStarted
	}
	complete, started, high := 0, 0, 0
	for _, l := range ls {
		switch l {
		case Complete:
			complete++
			high++
			started++
		case Substantial:
			high++
			started++
		case Limited:
			started++
		}
	}
	switch {
	case complete == len(ls):
		return Complete
	case started == 0:
		return NotStarted
	case 2*high >= len(ls):
		return Substantial
	}
	return Limited
}

// localDay is t's calendar day in loc.
func localDay(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.DateOnly) }

// answerFacts says whether an answer was on time and how many days it took.
// The qa service decides; an answer given on the day the question was asked
// (even a weekend day, which a working-day clock has not started counting)
// is on time with zero days, and days are never negative.
func answerFacts(q readmodel.Question, loc *time.Location) (bool, int) {
	days := max(int(q.DaysTaken), 0)
	onTime := q.OnTime
	if q.AnsweredAt != nil {
		ad := localDay(*q.AnsweredAt, loc)
		if ad == localDay(q.AskedAt, loc) {
			return true, 0
		}
		if q.DueDay != "" && ad <= q.DueDay {
			onTime = true
		}
	}
	return onTime, days
}

// qaFigures counts questions for [from, to): asked in it; answered in it (on
// time or late); open at its end (or now, if sooner) and, of those, past
// their due time. Hidden questions are counted apart.
func qaFigures(qs []readmodel.Question, from, to time.Time, loc *time.Location, now time.Time) ([]QAFigures, QAFigures) {
	end := to
	if now.Before(end) {
		end = now
	}
	by := map[string]*QAFigures{}
	total := QAFigures{Agency: ""}
	get := func(a string) *QAFigures {
		if a == "" {
			a = "unassigned"
		}
		f := by[a]
		if f == nil {
			f = &QAFigures{Agency: a}
			by[a] = f
		}
		return f
	}
	for _, q := range qs {
		asked := !q.AskedAt.Before(from) && q.AskedAt.Before(to)
		answered := q.AnsweredAt != nil && !q.AnsweredAt.Before(from) && q.AnsweredAt.Before(to)
		open := q.AskedAt.Before(end) && (q.AnsweredAt == nil || !q.AnsweredAt.Before(end))
		if !asked && !answered && !open {
			continue
		}
		for _, f := range []*QAFigures{get(q.Agency), &total} {
			if q.Hidden {
				if asked {
					f.Hidden++
				}
				continue
			}
			if asked {
				f.Asked++
			}
			if answered {
				onTime, days := answerFacts(q, loc)
				if onTime {
					f.AnsweredOnTime++
				} else {
					f.AnsweredLate++
				}
				f.DaysTaken += days
			}
			if open {
				f.Open++
				if q.DueAt != nil && q.DueAt.Before(end) {
					f.Overdue++
				}
			}
		}
	}
	out := make([]QAFigures, 0, len(by))
	for _, f := range by {
		out = append(out, *f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Agency < out[j].Agency })
	return out, total
}
