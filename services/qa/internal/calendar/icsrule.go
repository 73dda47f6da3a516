package calendar

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

var icsWeekdays = map[string]time.Weekday{
	"SU": time.Sunday, "MO": time.Monday, "TU": time.Tuesday, "WE": time.Wednesday,
	"TH": time.Thursday, "FR": time.Friday, "SA": time.Saturday,
}

// occurrences returns the first date of each occurrence of ev and how many
// days each covers; ok is false when a problem was reported.
func occurrences(p *problems, ev *event, opt ICSOptions, skip map[Date]bool) ([]Date, int, bool) {
	if ev.dtstart == nil {
		p.add(ev.line, 0, "DTSTART", "the event has no DTSTART")
		return nil, 0, false
	}
	start, err := parseICSTime(ev.dtstart.value, ev.dtstart.params, opt.Location)
	if err != nil {
		p.add(ev.dtstart.line, 0, "DTSTART", "%v", err)
		return nil, 0, false
	}
	span, ok := eventSpan(p, ev, start, opt)
	if !ok {
		return nil, 0, false
	}
	starts := []Date{start.date()}
	if ev.rrule != nil {
		if starts, ok = expandRule(p, ev.rrule, start.date(), opt); !ok {
			return nil, 0, false
		}
	}
	extra, ok := dateList(p, ev.rdates, opt)
	if !ok {
		return nil, 0, false
	}
	starts = append(starts, extra...)
	excluded, ok := dateList(p, ev.exdates, opt)
	if !ok {
		return nil, 0, false
	}
	drop := map[Date]bool{}
	for d := range skip {
		drop[d] = true
	}
	for _, d := range excluded {
		drop[d] = true
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i].Before(starts[j]) })
	out := starts[:0]
	for i, d := range starts {
		if !drop[d] && (i == 0 || d != starts[i-1]) {
			out = append(out, d)
		}
	}
	return out, span, true
}

// eventSpan is the number of days from DTSTART to the exclusive end. An end
// at midnight ends the day before, as DTEND;VALUE=DATE always does.
func eventSpan(p *problems, ev *event, start wallTime, opt ICSOptions) (int, bool) {
	var end time.Time
	switch {
	case ev.dtend != nil && ev.duration != nil:
		p.add(ev.duration.line, 0, "DURATION", "an event has DTEND or DURATION, not both")
		return 0, false
	case ev.dtend != nil:
		w, err := parseICSTime(ev.dtend.value, ev.dtend.params, opt.Location)
		if err != nil {
			p.add(ev.dtend.line, 0, "DTEND", "%v", err)
			return 0, false
		}
		end = w.t
		if end.Before(start.t) {
			p.add(ev.dtend.line, 0, "DTEND", "DTEND %s is before DTSTART %s", ev.dtend.value, ev.dtstart.value)
			return 0, false
		}
	case ev.duration != nil:
		days, rest, err := parseDuration(ev.duration.value)
		if err != nil {
			p.add(ev.duration.line, 0, "DURATION", "%v", err)
			return 0, false
		}
		if days > maxEventDays {
			p.add(ev.duration.line, 0, "DURATION", "the event lasts more than %d days", maxEventDays)
			return 0, false
		}
		end = start.t.AddDate(0, 0, days).Add(rest)
	default:
		return 1, true
	}
	if !end.After(start.t) {
		return 1, true // zero length: exporters write it for one-day events
	}
	last := DateOf(end)
	if end.Equal(last.Start(time.UTC)) {
		last = last.AddDays(-1)
	}
	span := last.Sub(start.date()) + 1
	if span > maxEventDays {
		p.add(ev.line, 0, "", "the event lasts %d days, more than %d", span, maxEventDays)
		return 0, false
	}
	return span, true
}

// dateList reads EXDATE or RDATE properties, each a comma-separated list.
func dateList(p *problems, props []contentLine, opt ICSOptions) ([]Date, bool) {
	var out []Date
	ok := true
	for _, cl := range props {
		for _, v := range strings.Split(cl.value, ",") {
			d, _, err := parseDateValue(strings.TrimSpace(v), cl.params, opt.Location)
			if err != nil {
				p.add(cl.line, 0, cl.name, "%v", err)
				ok = false
				continue
			}
			out = append(out, d)
		}
	}
	return out, ok
}

// rule is the part of RFC 5545 RRULE that holiday calendars use.
type rule struct {
	interval, count int
	until           Date
	months          []time.Month
	monthDays       []int
	byDay           []weekdayNum
}

type weekdayNum struct {
	n  int // 0 = every such weekday in the month; 1 = first; -1 = last
	wd time.Weekday
}

func parseRule(v string, loc *time.Location) (rule, error) {
	r := rule{interval: 1}
	freq := ""
	for _, part := range strings.Split(v, ";") {
		key, val, ok := strings.Cut(part, "=")
		if !ok {
			return r, fmt.Errorf("RRULE part %q has no '='", part)
		}
		var err error
		switch key = strings.ToUpper(key); key {
		case "FREQ":
			freq = strings.ToUpper(val)
		case "INTERVAL":
			r.interval, err = ruleInt(key, val, 1, 100)
		case "COUNT":
			r.count, err = ruleInt(key, val, 1, 10_000)
		case "UNTIL":
			r.until, _, err = parseDateValue(val, nil, loc)
			if err != nil && loc == nil && strings.HasSuffix(val, "Z") {
				// An end bound off by a day matters far less than refusing
				// the file: take the UTC date.
				r.until, _, err = parseDateValue(val, nil, time.UTC)
			}
		case "BYMONTH":
			err = eachInt(key, val, 1, 12, func(n int) { r.months = append(r.months, time.Month(n)) })
		case "BYMONTHDAY":
			err = eachInt(key, val, -31, 31, func(n int) { r.monthDays = append(r.monthDays, n) })
		case "BYDAY":
			for _, s := range strings.Split(val, ",") {
				wn, e := parseWeekdayNum(s)
				if e != nil {
					return r, e
				}
				r.byDay = append(r.byDay, wn)
			}
		case "WKST":
			// Only matters for weekly rules and BYWEEKNO, neither accepted.
		default:
			return r, fmt.Errorf("RRULE %s is not supported: only FREQ=YEARLY with INTERVAL, COUNT, UNTIL, BYMONTH, BYMONTHDAY and BYDAY", key)
		}
		if err != nil {
			return r, err
		}
	}
	switch {
	case freq != "YEARLY":
		return r, fmt.Errorf("RRULE FREQ=%s is not supported: only FREQ=YEARLY", freq)
	case r.count > 0 && !r.until.IsZero():
		return r, fmt.Errorf("RRULE has both COUNT and UNTIL")
	case len(r.byDay) > 0 && len(r.months) == 0:
		return r, fmt.Errorf("RRULE BYDAY needs BYMONTH (weekdays counted across a whole year are not supported)")
	}
	return r, nil
}

func ruleInt(key, val string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(val)
	if err != nil || n < lo || n > hi || n == 0 && lo < 0 {
		return 0, fmt.Errorf("RRULE %s=%s: want a whole number from %d to %d", key, val, lo, hi)
	}
	return n, nil
}

func eachInt(key, val string, lo, hi int, f func(int)) error {
	for _, s := range strings.Split(val, ",") {
		n, err := ruleInt(key, s, lo, hi)
		if err != nil {
			return err
		}
		f(n)
	}
	return nil
}

func parseWeekdayNum(s string) (weekdayNum, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	bad := fmt.Errorf("RRULE BYDAY %q: want a weekday such as MO, 1MO or -1MO", s)
	if len(s) < 2 {
		return weekdayNum{}, bad
	}
	wd, ok := icsWeekdays[s[len(s)-2:]]
	if !ok {
		return weekdayNum{}, bad
	}
	wn := weekdayNum{wd: wd}
	if num := s[:len(s)-2]; num != "" {
		n, err := strconv.Atoi(num)
		if err != nil || n == 0 || n < -5 || n > 5 {
			return weekdayNum{}, bad
		}
		wn.n = n
	}
	return wn, nil
}

// expandRule lists the occurrence dates of a yearly rule that fall within
// opt's years. COUNT is counted from DTSTART, so earlier years are walked too.
func expandRule(p *problems, cl *contentLine, start Date, opt ICSOptions) ([]Date, bool) {
	if opt.FirstYear == 0 {
		p.add(cl.line, 0, "RRULE", "a recurring event needs a year range to expand it into (import options FirstYear and LastYear)")
		return nil, false
	}
	r, err := parseRule(cl.value, opt.Location)
	if err != nil {
		p.add(cl.line, 0, "RRULE", "%v", err)
		return nil, false
	}
	if start.Year < 1900 {
		// Walking centuries to count occurrences is wasted work on a file
		// that is almost certainly wrong.
		p.add(cl.line, 0, "RRULE", "a recurring event starting in %d: the first year must be 1900 or later", start.Year)
		return nil, false
	}
	y := start.Year
	if r.count == 0 && opt.FirstYear > y {
		// Without COUNT, nothing before FirstYear matters: skip ahead on
		// the rule's own step.
		y += (opt.FirstYear - y + r.interval - 1) / r.interval * r.interval
	}
	var out []Date
	n := 0
	for ; y <= opt.LastYear; y += r.interval {
		dates := r.datesIn(y, start)
		if y == start.Year {
			// DTSTART is always the first occurrence (RFC 5545 3.8.5.3).
			kept := []Date{start}
			for _, d := range dates {
				if d.After(start) {
					kept = append(kept, d)
				}
			}
			dates = kept
		}
		for _, d := range dates {
			if !r.until.IsZero() && d.After(r.until) || r.count > 0 && n >= r.count {
				return out, true
			}
			n++
			if d.Year >= opt.FirstYear {
				out = append(out, d)
			}
		}
	}
	return out, true
}

// datesIn lists the rule's dates in year y, in order.
func (r rule) datesIn(y int, start Date) []Date {
	months := r.months
	if len(months) == 0 {
		months = []time.Month{start.Month}
	}
	var out []Date
	for _, m := range months {
		last := daysIn(y, m)
		for day := 1; day <= last; day++ {
			d := Date{y, m, day}
			if r.matches(d, last, start) {
				out = append(out, d)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

func (r rule) matches(d Date, last int, start Date) bool {
	if len(r.monthDays) > 0 {
		hit := false
		for _, md := range r.monthDays {
			if md == d.Day || md < 0 && last+md+1 == d.Day {
				hit = true
			}
		}
		if !hit {
			return false
		}
	}
	if len(r.byDay) > 0 {
		for _, wn := range r.byDay {
			if wn.wd != d.Weekday() {
				continue
			}
			switch {
			case wn.n == 0,
				wn.n > 0 && (d.Day-1)/7+1 == wn.n,
				wn.n < 0 && (last-d.Day)/7+1 == -wn.n:
				return true
			}
		}
		return false
	}
	return len(r.monthDays) > 0 || d.Day == start.Day
}
