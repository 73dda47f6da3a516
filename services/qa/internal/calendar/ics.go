package calendar

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// maxDays bounds what one file may expand to (a century of daily entries is
// far less), so a hostile RRULE cannot fill memory.
const maxDays = 100_000

// maxEventDays bounds one event; holiday periods are days, not years.
const maxEventDays = 366

// ICSOptions are the choices an iCalendar import needs that the file cannot
// answer itself.
type ICSOptions struct {
	// Location gives the date of UTC date-times ("20260701T040000Z"): the
	// same instant is a different date in Taipei and in Toronto. Nil refuses
	// such values rather than guess.
	Location *time.Location
	// FirstYear and LastYear bound RRULE expansion (inclusive). Both zero
	// refuses RRULEs, since a yearly rule without an end never finishes.
	FirstYear, LastYear int
}

// ParseICS reads the VEVENTs of an iCalendar file as days off, one Day per
// date an event covers: DTSTART;VALUE=DATE with an exclusive DTEND (or a
// DURATION) gives each day of the range, SUMMARY gives the name. Folded lines
// are unfolded and escaped text (\, \; \\ \n) decoded. Date-times with a
// TZID, or floating ones, are reduced to the date written in them; UTC ones
// to their date in opt.Location. FREQ=YEARLY rules (with INTERVAL, COUNT,
// UNTIL, BYMONTH, BYMONTHDAY, BYDAY), EXDATE, RDATE and RECURRENCE-ID
// overrides are understood; anything else in an RRULE is refused. Cancelled
// events are skipped. Problems are reported by line in an *ImportError and
// the whole file is refused.
func ParseICS(r io.Reader, opt ICSOptions) ([]Day, error) {
	if err := opt.check(); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading iCalendar file: %w", err)
	}
	if len(data) > maxFileBytes {
		return nil, fmt.Errorf("iCalendar file is larger than %d MiB", maxFileBytes>>20)
	}
	p := &problems{format: SourceICS}
	events := readEvents(p, unfold(p, data))
	if err := p.err(); err != nil {
		return nil, err
	}
	days := expandEvents(p, events, opt)
	if err := p.err(); err != nil {
		return nil, err
	}
	return days, nil
}

func (o ICSOptions) check() error {
	switch {
	case o.FirstYear == 0 && o.LastYear == 0:
		return nil
	case o.FirstYear < 1 || o.LastYear > 9999 || o.LastYear < o.FirstYear:
		return fmt.Errorf("iCalendar options: year range %d-%d is not a range of years", o.FirstYear, o.LastYear)
	case o.LastYear-o.FirstYear >= 100:
		return fmt.Errorf("iCalendar options: year range %d-%d is longer than 100 years", o.FirstYear, o.LastYear)
	}
	return nil
}

// contentLine is one unfolded iCalendar line.
type contentLine struct {
	line   int // physical line where it starts
	name   string
	params map[string]string
	value  string
}

// unfold joins folded lines (a line starting with a space or tab continues
// the one before) and splits each into name, parameters and value.
func unfold(p *problems, data []byte) []contentLine {
	data = bytes.TrimPrefix(data, []byte(bomUTF8))
	var (
		out   []contentLine
		cur   strings.Builder
		start int
	)
	flush := func() {
		if cur.Len() == 0 {
			return
		}
		// Validity is checked after unfolding: some exporters fold in the
		// middle of a multi-byte character (RFC 5545 3.1 allows for it).
		if s := cur.String(); !utf8.ValidString(s) {
			p.add(start, 0, "", "not valid UTF-8 (iCalendar files are UTF-8)")
		} else if cl, err := splitContentLine(s); err != nil {
			p.add(start, 0, "", "%v", err)
		} else {
			cl.line = start
			out = append(out, cl)
		}
		cur.Reset()
	}
	for i, raw := range bytes.Split(data, []byte("\n")) {
		n := i + 1
		raw = bytes.TrimSuffix(raw, []byte("\r"))
		if len(raw) > 0 && (raw[0] == ' ' || raw[0] == '\t') {
			if cur.Len() == 0 {
				p.add(n, 0, "", "continuation line with no line before it")
				continue
			}
			cur.Write(raw[1:])
			continue
		}
		flush()
		start = n
		cur.Write(raw)
	}
	flush()
	return out
}

// splitContentLine parses NAME;PARAM=VALUE;...:VALUE, where parameter values
// may be quoted and hold ';' or ':'.
func splitContentLine(s string) (contentLine, error) {
	cl := contentLine{params: map[string]string{}}
	i := strings.IndexAny(s, ";:")
	if i <= 0 || !isName(s[:i]) {
		return cl, fmt.Errorf("not an iCalendar content line (want NAME:VALUE): %q", clip(s))
	}
	cl.name = strings.ToUpper(s[:i])
	for s[i] == ';' {
		j := i + 1
		eq := strings.IndexByte(s[j:], '=')
		if eq <= 0 {
			return cl, fmt.Errorf("%s: parameter without '='", cl.name)
		}
		key := strings.ToUpper(s[j : j+eq])
		j += eq + 1
		var val strings.Builder
		for j < len(s) && s[j] != ';' && s[j] != ':' {
			if s[j] == '"' {
				end := strings.IndexByte(s[j+1:], '"')
				if end < 0 {
					return cl, fmt.Errorf("%s: unclosed quote in parameter %s", cl.name, key)
				}
				val.WriteString(s[j+1 : j+1+end])
				j += end + 2
				continue
			}
			val.WriteByte(s[j])
			j++
		}
		if j >= len(s) {
			return cl, fmt.Errorf("%s: no ':' before the value", cl.name)
		}
		cl.params[key] = val.String()
		i = j
	}
	cl.value = s[i+1:]
	return cl, nil
}

func isName(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// event is a VEVENT's properties of interest, each with its line.
type event struct {
	line                     int
	uid, summary, status     string
	dtstart, dtend, duration *contentLine
	rrule, recurrenceID      *contentLine
	exdates, rdates          []contentLine
}

// readEvents walks the component structure, keeping VEVENTs and ignoring
// everything else (VTIMEZONE also has DTSTARTs, which are not holidays).
func readEvents(p *problems, lines []contentLine) []*event {
	if len(lines) == 0 || lines[0].name != "BEGIN" || !strings.EqualFold(lines[0].value, "VCALENDAR") {
		line := 1
		if len(lines) > 0 {
			line = lines[0].line
		}
		p.add(line, 0, "", "not an iCalendar file: it must start with BEGIN:VCALENDAR")
		return nil
	}
	type open struct {
		name string
		line int
	}
	var (
		stack  []open
		events []*event
		ev     *event
	)
	for i := range lines {
		cl := &lines[i]
		switch cl.name {
		case "BEGIN":
			name := strings.ToUpper(cl.value)
			if name == "VEVENT" {
				if len(stack) != 1 || stack[0].name != "VCALENDAR" {
					p.add(cl.line, 0, "BEGIN", "VEVENT must be directly inside VCALENDAR")
				}
				ev = &event{line: cl.line}
			}
			stack = append(stack, open{name, cl.line})
			continue
		case "END":
			name := strings.ToUpper(cl.value)
			if len(stack) == 0 || stack[len(stack)-1].name != name {
				p.add(cl.line, 0, "END", "END:%s does not close an open component", name)
				continue
			}
			stack = stack[:len(stack)-1]
			if name == "VEVENT" && ev != nil {
				events = append(events, ev)
				ev = nil
			}
			continue
		}
		if ev == nil || stack[len(stack)-1].name != "VEVENT" {
			continue // a property of the calendar, a VTIMEZONE or a VALARM
		}
		addProperty(p, ev, cl)
	}
	for i := len(stack) - 1; i >= 0; i-- { // innermost first: that is where the file was cut
		p.add(stack[i].line, 0, "BEGIN", "BEGIN:%s has no matching END", stack[i].name)
	}
	return events
}

func addProperty(p *problems, ev *event, cl *contentLine) {
	once := func(dst **contentLine) {
		if *dst != nil {
			p.add(cl.line, 0, cl.name, "%s given twice in one event (first on line %d)", cl.name, (*dst).line)
			return
		}
		*dst = cl
	}
	switch cl.name {
	case "DTSTART":
		once(&ev.dtstart)
	case "DTEND":
		once(&ev.dtend)
	case "DURATION":
		once(&ev.duration)
	case "RRULE":
		once(&ev.rrule)
	case "RECURRENCE-ID":
		once(&ev.recurrenceID)
	case "EXDATE":
		ev.exdates = append(ev.exdates, *cl)
	case "RDATE":
		ev.rdates = append(ev.rdates, *cl)
	case "UID":
		ev.uid = cl.value
	case "STATUS":
		ev.status = strings.ToUpper(cl.value)
	case "SUMMARY":
		name := unescapeText(cl.value)
		if err := checkName(name); err != nil {
			p.add(cl.line, 0, "SUMMARY", "%v", err)
		}
		ev.summary = name
	}
}

// unescapeText decodes iCalendar TEXT: \\ \; \, and \n or \N. Other
// backslashes are kept as written; exporters differ and dropping them would
// lose characters.
func unescapeText(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch c := s[i+1]; c {
		case '\\', ';', ',':
			b.WriteByte(c)
		case 'n', 'N':
			b.WriteByte('\n')
		default:
			b.WriteByte('\\')
			b.WriteByte(c)
		}
		i++
	}
	return b.String()
}

// expandEvents turns events into days, in date order (file order within a
// date).
func expandEvents(p *problems, events []*event, opt ICSOptions) []Day {
	// RECURRENCE-ID events replace one occurrence of the event with the same
	// UID: that occurrence is dropped from the series, the override stands
	// on its own (or not at all, if cancelled).
	overridden := map[string]map[Date]bool{}
	for _, ev := range events {
		if ev.recurrenceID == nil {
			continue
		}
		d, _, err := parseDateValue(ev.recurrenceID.value, ev.recurrenceID.params, opt.Location)
		if err != nil {
			p.add(ev.recurrenceID.line, 0, "RECURRENCE-ID", "%v", err)
			continue
		}
		if overridden[ev.uid] == nil {
			overridden[ev.uid] = map[Date]bool{}
		}
		overridden[ev.uid][d] = true
	}
	var days []Day
	for _, ev := range events {
		if ev.status == "CANCELLED" {
			continue
		}
		skip := overridden[ev.uid]
		if ev.recurrenceID != nil {
			skip = nil
		}
		starts, span, ok := occurrences(p, ev, opt, skip)
		if !ok {
			continue
		}
		for _, s := range starts {
			for k := 0; k < span; k++ {
				days = append(days, Day{Date: s.AddDays(k), Off: true, Name: ev.summary, Source: SourceICS})
			}
		}
		if len(days) > maxDays {
			p.add(ev.line, 0, "", "the file expands to more than %d days", maxDays)
			return nil
		}
	}
	sort.SliceStable(days, func(i, j int) bool { return days[i].Date.Before(days[j].Date) })
	return days
}
