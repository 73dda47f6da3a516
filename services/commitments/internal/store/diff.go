package store

import (
	"bytes"
	"encoding/json"

	"github.com/kept-ogp/kept/services/commitments/internal/catalog"
)

// diff compares two versions of a plan by code at every level.
func diff(old, cur catalog.Plan) Changes {
	a, b := flatten(old), flatten(cur)
	ch := Changes{Added: []string{}, Removed: []string{}, Changed: []string{}}
	for _, code := range b.order {
		prev, ok := a.items[code]
		switch {
		case !ok:
			ch.Added = append(ch.Added, code)
		case !same(prev, b.items[code]):
			ch.Changed = append(ch.Changed, code)
		}
	}
	for _, code := range a.order {
		if _, ok := b.items[code]; !ok {
			ch.Removed = append(ch.Removed, code)
		}
	}
	return ch
}

type flat struct {
	order []string
	items map[string]any
}

// flatten indexes each level by code, without its children, so a change to an
// indicator is reported on the indicator alone.
func flatten(p catalog.Plan) flat {
	f := flat{items: map[string]any{}}
	add := func(code string, v any) {
		f.order = append(f.order, code)
		f.items[code] = v
	}
	for _, c := range p.Commitments {
		add(c.Code, []any{c.Title, c.LeadOrgs})
		for _, m := range c.Milestones {
			add(m.Code, []any{m.Title, m.Deadline, m.LeadOrgs})
			for _, i := range m.Indicators {
				add(i.Code, i)
			}
		}
	}
	return f
}

// same compares by JSON form, which sorts map keys and ignores how the values
// were decoded.
func same(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}
