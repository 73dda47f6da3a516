package planfile

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/kept-ogp/kept/services/commitments/internal/deadline"
)

// Column names. Language columns are written <field>_<lang>, as in
// commitment_title_fr.
const (
	colPlanID         = "plan_id"
	colPlanStart      = "plan_start"
	colPlanEnd        = "plan_end"
	colCommitmentCode = "commitment_code"
	colMilestoneCode  = "milestone_code"
	colIndicatorCode  = "indicator_code"
	colDue            = "due"
	colLeadOrgCodes   = "lead_org_codes"

	colPlanTitle       = "plan_title"
	colCommitmentTitle = "commitment_title"
	colMilestoneTitle  = "milestone_title"
	colIndicatorTitle  = "indicator_title"
	colDeadline        = "deadline"
	colLeadOrgNames    = "lead_org_names"
)

// maxTextRunes bounds one cell: a title or deadline longer than this is a
// pasting accident, not plan text.
const maxTextRunes = 10000

var (
	plainFields     = [...]string{colPlanID, colPlanStart, colPlanEnd, colCommitmentCode, colMilestoneCode, colIndicatorCode, colDue, colLeadOrgCodes}
	requiredPlain   = [...]string{colPlanID, colPlanStart, colPlanEnd, colCommitmentCode, colMilestoneCode, colLeadOrgCodes}
	langFields      = [...]string{colPlanTitle, colCommitmentTitle, colMilestoneTitle, colIndicatorTitle, colDeadline, colLeadOrgNames}
	requiredPerLang = [...]string{colCommitmentTitle, colMilestoneTitle, colDeadline, colLeadOrgNames}
)

// columns is the header, understood.
type columns struct {
	names []string                  // header cells as written
	plain map[string]int            // field -> index
	lang  map[string]map[string]int // field -> language tag -> index
	langs []string                  // sorted, from plan_title_<lang>
}

func (c *columns) known(i int) bool {
	for _, j := range c.plain {
		if i == j {
			return true
		}
	}
	for _, byLang := range c.lang {
		for _, j := range byLang {
			if i == j {
				return true
			}
		}
	}
	return false
}

func readHeader(cells []string) (*columns, []FieldError) {
	c := &columns{names: cells, plain: map[string]int{}, lang: map[string]map[string]int{}}
	var errs []FieldError
	fail := func(col, format string, args ...any) {
		errs = append(errs, FieldError{Row: 1, Column: col, Message: fmt.Sprintf(format, args...)})
	}
	for i, name := range cells {
		key := strings.ToLower(name)
		if key == "" {
			continue
		}
		if isPlain(key) {
			if j, dup := c.plain[key]; dup {
				fail(name, "the column appears twice (columns %d and %d)", j+1, i+1)
				continue
			}
			c.plain[key] = i
			continue
		}
		for _, field := range langFields {
			rest, ok := strings.CutPrefix(key, field+"_")
			if !ok {
				continue
			}
			tag, err := language.Parse(rest)
			if err != nil {
				break // not a language column: ignored like any unknown column
			}
			lang := tag.String()
			if c.lang[field] == nil {
				c.lang[field] = map[string]int{}
			}
			if j, dup := c.lang[field][lang]; dup {
				fail(name, "the column appears twice for language %s (columns %d and %d)", lang, j+1, i+1)
			} else {
				c.lang[field][lang] = i
			}
			break
		}
	}

	for lang := range c.lang[colPlanTitle] {
		c.langs = append(c.langs, lang)
	}
	sort.Strings(c.langs)
	if len(c.langs) == 0 {
		fail(colPlanTitle+"_<lang>", "required column is missing: the plan's languages are read from plan_title_<lang> columns, for example plan_title_en")
	}
	for _, field := range requiredPlain {
		if _, ok := c.plain[field]; !ok {
			fail(field, "required column is missing")
		}
	}
	perLang := append([]string(nil), requiredPerLang[:]...)
	if _, ok := c.plain[colIndicatorCode]; ok {
		perLang = append(perLang, colIndicatorTitle)
	}
	for _, field := range perLang {
		for _, lang := range c.langs {
			if _, ok := c.lang[field][lang]; !ok {
				fail(field+"_"+lang, "required column is missing (the plan has language %s)", lang)
			}
		}
	}
	for _, field := range langFields {
		for lang, i := range c.lang[field] {
			if _, ok := c.lang[colPlanTitle][lang]; !ok {
				fail(cells[i], "language %s has no plan_title_%s column; the plan's languages are read from the plan_title_<lang> columns", lang, lang)
			}
		}
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Column < errs[j].Column })
	return c, errs
}

func isPlain(key string) bool {
	for _, f := range plainFields {
		if f == key {
			return true
		}
	}
	return false
}

// row is one data row with its header.
type row struct {
	num   int
	cells []string
	c     *columns
}

func (r row) get(field string) string {
	if i, ok := r.c.plain[field]; ok && i < len(r.cells) {
		return r.cells[i]
	}
	return ""
}

func (r row) col(field string) string {
	if i, ok := r.c.plain[field]; ok {
		return r.c.names[i]
	}
	return field
}

func (r row) langGet(field, lang string) string {
	if i, ok := r.c.lang[field][lang]; ok && i < len(r.cells) {
		return r.cells[i]
	}
	return ""
}

func (r row) langCol(field, lang string) string {
	if i, ok := r.c.lang[field][lang]; ok {
		return r.c.names[i]
	}
	return field + "_" + lang
}

// words is a language field in every language of the plan, empty ones included.
func (r row) words(field string) map[string]string {
	out := make(map[string]string, len(r.c.langs))
	for _, lang := range r.c.langs {
		out[lang] = r.langGet(field, lang)
	}
	return out
}

func textOf(words map[string]string) Text {
	t := Text{}
	for lang, s := range words {
		if s != "" {
			t[lang] = s
		}
	}
	return t
}

type commitmentB struct {
	Commitment
	words      map[string]string
	milestones []*milestoneB
}

type milestoneB struct {
	Milestone
	words          map[string]string
	commitment     string
	levelRow       int // the milestone-level row, if any
	firstIndicator int // row of its first indicator, if any
}

// builder assembles a plan row by row, collecting every error on the way.
type builder struct {
	c           *columns
	errs        []FieldError
	plan        Plan
	planRow     int
	planWords   map[string]string
	commitments []*commitmentB
	byCode      map[string]*commitmentB
	milestones  map[string]*milestoneB
	indicators  map[string]int // code -> row
}

func (b *builder) fail(row int, col, format string, args ...any) {
	b.errs = append(b.errs, FieldError{Row: row, Column: col, Message: fmt.Sprintf(format, args...)})
}

// build turns the records of a file into a plan, or into every reason not to.
func build(recs []record, syntax []FieldError, encodingName string, fixedWidth bool) (*Plan, error) {
	for i := range recs {
		for j := range recs[i].cells {
			recs[i].cells[j] = clean(recs[i].cells[j])
		}
	}
	// Skip blank rows before the header and anywhere after it.
	var data []record
	for _, rec := range recs {
		if !blank(rec.cells) {
			data = append(data, rec)
		}
	}
	if len(data) == 0 {
		if len(syntax) > 0 {
			return nil, &ValidationError{Errors: syntax}
		}
		return nil, errors.New("planfile: the file is empty")
	}
	if fe, ok := firstEncodingProblem(data, encodingName); ok {
		return nil, &ValidationError{Errors: []FieldError{fe}}
	}

	header := data[0]
	for _, se := range syntax {
		if se.Row <= header.row {
			// The header itself could not be read: nothing after it can be understood.
			return nil, &ValidationError{Errors: syntax}
		}
	}
	c, herrs := readHeader(header.cells)
	for i := range herrs {
		herrs[i].Row = header.row
	}
	if len(herrs) > 0 {
		return nil, &ValidationError{Errors: append(syntax, herrs...)}
	}
	if len(data) == 1 && len(syntax) == 0 {
		return nil, errors.New("planfile: the file has a header but no rows")
	}

	b := &builder{c: c, errs: syntax, byCode: map[string]*commitmentB{}, milestones: map[string]*milestoneB{}, indicators: map[string]int{}}
	b.plan.Languages = c.langs
	for _, rec := range data[1:] {
		r := row{num: rec.row, cells: rec.cells, c: c}
		if !b.shape(r, fixedWidth) {
			continue
		}
		b.add(r)
	}
	if len(b.errs) > 0 {
		sort.SliceStable(b.errs, func(i, j int) bool { return b.errs[i].Row < b.errs[j].Row })
		return nil, &ValidationError{Errors: b.errs}
	}
	return b.finish(), nil
}

// clean trims a cell and makes its line ends "\n".
func clean(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '\ufeff' })
}

func blank(cells []string) bool {
	for _, s := range cells {
		if s != "" {
			return false
		}
	}
	return true
}

// firstEncodingProblem finds the first cell whose text shows a wrong or
// damaged encoding. One is enough: the whole file has to be read again.
func firstEncodingProblem(recs []record, encodingName string) (FieldError, bool) {
	var first FieldError
	found, more := false, 0
	for i, rec := range recs {
		for j, cell := range rec.cells {
			msg := encodingProblem(cell, encodingName)
			if msg == "" {
				continue
			}
			if found {
				more++
				continue
			}
			found = true
			first = FieldError{Row: rec.row, Message: msg}
			switch {
			case i == 0:
				first.Message = fmt.Sprintf("header cell %d: %s", j+1, msg)
			case j < len(recs[0].cells) && utf8.ValidString(recs[0].cells[j]):
				first.Column = recs[0].cells[j]
			default:
				first.Message = fmt.Sprintf("field %d: %s", j+1, msg)
			}
		}
	}
	if more > 0 {
		first.Message += fmt.Sprintf(" (%d more cells have the same problem)", more)
	}
	return first, found
}

// shape checks a row's width and the size and characters of its cells.
func (b *builder) shape(r row, fixedWidth bool) bool {
	width := len(r.c.names)
	if fixedWidth && len(r.cells) != width {
		b.fail(r.num, "", "the row has %d fields but the header has %d", len(r.cells), width)
		return false
	}
	if len(r.cells) > width {
		for j := width; j < len(r.cells); j++ {
			if r.cells[j] != "" {
				b.fail(r.num, "", "cell %d has a value but the header has only %d columns", j+1, width)
				return false
			}
		}
	}
	for j := 0; j < len(r.cells) && j < width; j++ {
		if !r.c.known(j) {
			continue
		}
		cell := r.cells[j]
		if n := utf8.RuneCountInString(cell); n > maxTextRunes {
			b.fail(r.num, r.c.names[j], "the text is %d characters long; the limit is %d", n, maxTextRunes)
		}
		if msg := controlProblem(cell); msg != "" {
			b.fail(r.num, r.c.names[j], "%s", msg)
		}
	}
	return true
}

func (b *builder) add(r row) {
	b.planFields(r)
	ccode, mcode, icode := r.get(colCommitmentCode), r.get(colMilestoneCode), r.get(colIndicatorCode)
	if ccode == "" {
		b.fail(r.num, r.col(colCommitmentCode), "a commitment code is required")
	}
	if mcode == "" {
		b.fail(r.num, r.col(colMilestoneCode), "a milestone code is required")
	}
	// Codes appear in URLs and embed snippets, so they keep to a safe alphabet.
	for _, f := range []struct{ col, code string }{{colCommitmentCode, ccode}, {colMilestoneCode, mcode}, {colIndicatorCode, icode}} {
		if f.code != "" && !validCode(f.code) {
			b.fail(r.num, r.col(f.col), "%q is not a usable code: %s", f.code, codeRule)
			if f.col != colIndicatorCode {
				ccode, mcode = "", "" // cannot place the row; its other errors are still reported
			}
		}
	}
	// The row's deadline and organisations are checked even when it cannot
	// be placed, so that one pass finds every error.
	dl := b.deadline(r)
	orgs := b.orgs(r)
	if ccode == "" || mcode == "" {
		return
	}
	c := b.commitment(r, ccode)
	m := b.milestone(r, c, mcode)
	if m == nil {
		return
	}
	var placed bool
	if icode != "" {
		placed = b.indicator(r, m, icode, dl, orgs)
	} else {
		placed = b.milestoneRow(r, m, dl, orgs)
	}
	if placed {
		c.LeadOrgs = union(c.LeadOrgs, orgs)
	}
}

// planFields checks that every row describes the same plan.
func (b *builder) planFields(r row) {
	id, start, end, words := r.get(colPlanID), r.get(colPlanStart), r.get(colPlanEnd), r.words(colPlanTitle)
	if id == "" {
		b.fail(r.num, r.col(colPlanID), "a plan id is required")
	} else if !validCode(id) && b.planRow == 0 {
		b.fail(r.num, r.col(colPlanID), "%q is not a usable plan id: %s", id, codeRule)
	}
	if b.planRow == 0 {
		b.planRow = r.num
		b.plan.ID, b.plan.Start, b.plan.End, b.planWords = id, start, end, words
		b.plan.Title = textOf(words)
		startOK := b.yearMonth(r, colPlanStart, start)
		endOK := b.yearMonth(r, colPlanEnd, end)
		if startOK && endOK && start > end {
			b.fail(r.num, r.col(colPlanEnd), "the plan ends (%s) before it starts (%s)", end, start)
		}
		b.someTitle(r, colPlanTitle, words, "plan")
		return
	}
	if id != "" && id != b.plan.ID {
		b.fail(r.num, r.col(colPlanID), "plan id %q differs from %q on row %d: a file holds one plan", id, b.plan.ID, b.planRow)
	}
	if start != b.plan.Start {
		b.fail(r.num, r.col(colPlanStart), "%q differs from %q on row %d: the plan's dates must be the same on every row", start, b.plan.Start, b.planRow)
	}
	if end != b.plan.End {
		b.fail(r.num, r.col(colPlanEnd), "%q differs from %q on row %d: the plan's dates must be the same on every row", end, b.plan.End, b.planRow)
	}
	b.sameTitle(r, colPlanTitle, b.planWords, b.planRow, "plan")
}

func (b *builder) yearMonth(r row, field, value string) bool {
	if value == "" {
		b.fail(r.num, r.col(field), "required: the year and month as YYYY-MM, for example 2025-01")
		return false
	}
	if _, _, err := deadline.ParseYearMonth(value); err != nil {
		b.fail(r.num, r.col(field), "%q is not a year and month: write it as YYYY-MM, for example 2025-01", value)
		return false
	}
	return true
}

// someTitle requires a title in at least one language.
func (b *builder) someTitle(r row, field string, words map[string]string, what string) {
	for _, s := range words {
		if s != "" {
			return
		}
	}
	b.fail(r.num, r.langCol(field, r.c.langs[0]), "the %s title is empty in every language (%s)", what, strings.Join(r.c.langs, ", "))
}

// sameTitle requires a repeated title to be the same as where it first appeared.
func (b *builder) sameTitle(r row, field string, first map[string]string, firstRow int, what string) {
	here := r.words(field)
	for _, lang := range r.c.langs {
		if here[lang] != first[lang] {
			b.fail(r.num, r.langCol(field, lang), "the %s title differs from row %d (%q there, %q here); it must be the same on every row", what, firstRow, cut(first[lang]), cut(here[lang]))
		}
	}
}

func cut(s string) string {
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	return string([]rune(s)[:57]) + "…"
}

func (b *builder) deadline(r row) deadline.Deadline {
	due := r.get(colDue)
	if due != "" {
		if _, _, err := deadline.ParseYearMonth(due); err != nil {
			b.fail(r.num, r.col(colDue), "%q is not a year and month: write it as YYYY-MM, for example 2027-03, or leave it empty", due)
			due = ""
		}
	}
	d, err := deadline.Derive(r.words(colDeadline), due)
	if err != nil {
		b.fail(r.num, r.col(colDue), "%v", err)
	}
	return d
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ";")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// orgs reads the lead organisations of a row: codes and names in each
// language, separated by ';' and in the same order.
func (b *builder) orgs(r row) []Org {
	codes := splitList(r.get(colLeadOrgCodes))
	ok := true
	seen := map[string]bool{}
	for i, code := range codes {
		switch {
		case code == "":
			b.fail(r.num, r.col(colLeadOrgCodes), "part %d of %q is empty: separate codes with ';' and leave none empty", i+1, r.get(colLeadOrgCodes))
			ok = false
		case seen[code]:
			b.fail(r.num, r.col(colLeadOrgCodes), "organisation %s is listed twice", code)
			ok = false
		}
		seen[code] = true
	}
	names := map[string][]string{}
	for _, lang := range r.c.langs {
		parts := splitList(r.langGet(colLeadOrgNames, lang))
		if len(parts) != len(codes) {
			b.fail(r.num, r.langCol(colLeadOrgNames, lang), "%s for %s in %s: give one name per code, separated by ';' in the same order", counted(len(parts), "name"), counted(len(codes), "code"), r.col(colLeadOrgCodes))
			ok = false
		}
		names[lang] = parts
	}
	if !ok || len(codes) == 0 {
		return nil
	}
	orgs := make([]Org, len(codes))
	for i, code := range codes {
		name := Text{}
		for lang, parts := range names {
			if parts[i] != "" {
				name[lang] = parts[i]
			}
		}
		orgs[i] = Org{Code: code, Name: name}
	}
	return orgs
}

// union adds the organisations not yet in list, keeping first-seen order.
func union(list, more []Org) []Org {
	for _, o := range more {
		found := false
		for _, p := range list {
			if p.Code == o.Code {
				found = true
				break
			}
		}
		if !found {
			list = append(list, o)
		}
	}
	return list
}

func (b *builder) commitment(r row, code string) *commitmentB {
	words := r.words(colCommitmentTitle)
	if c, ok := b.byCode[code]; ok {
		b.sameTitle(r, colCommitmentTitle, c.words, c.Row, "commitment")
		return c
	}
	b.someTitle(r, colCommitmentTitle, words, "commitment")
	c := &commitmentB{Commitment: Commitment{Code: code, Title: textOf(words), Row: r.num}, words: words}
	b.byCode[code] = c
	b.commitments = append(b.commitments, c)
	return c
}

func (b *builder) milestone(r row, c *commitmentB, code string) *milestoneB {
	words := r.words(colMilestoneTitle)
	if m, ok := b.milestones[code]; ok {
		if m.commitment != c.Code {
			b.fail(r.num, r.col(colMilestoneCode), "milestone %s is under commitment %s on row %d and under %s here; a milestone belongs to one commitment", code, m.commitment, m.Row, c.Code)
			return nil
		}
		b.sameTitle(r, colMilestoneTitle, m.words, m.Row, "milestone")
		return m
	}
	b.someTitle(r, colMilestoneTitle, words, "milestone")
	m := &milestoneB{Milestone: Milestone{Code: code, Title: textOf(words), Row: r.num}, words: words, commitment: c.Code}
	b.milestones[code] = m
	c.milestones = append(c.milestones, m)
	return m
}

func (b *builder) indicator(r row, m *milestoneB, code string, dl deadline.Deadline, orgs []Org) bool {
	if first, dup := b.indicators[code]; dup {
		b.fail(r.num, r.col(colIndicatorCode), "indicator %s appears twice (first on row %d)", code, first)
		return false
	}
	b.indicators[code] = r.num
	words := r.words(colIndicatorTitle)
	b.someTitle(r, colIndicatorTitle, words, "indicator")
	if m.levelRow != 0 {
		b.fail(r.num, r.col(colIndicatorCode), "milestone %s already has a milestone-level row (row %d, with no indicator code); a milestone has either indicator rows or one milestone-level row", m.Code, m.levelRow)
		return false
	}
	if m.firstIndicator == 0 {
		m.firstIndicator = r.num
	}
	m.Indicators = append(m.Indicators, Indicator{Code: code, Title: textOf(words), Deadline: dl, LeadOrgs: orgs, Row: r.num})
	return true
}

// milestoneRow takes a row without an indicator code: the milestone is then
// the finest level and the row carries its deadline and organisations.
func (b *builder) milestoneRow(r row, m *milestoneB, dl deadline.Deadline, orgs []Org) bool {
	for lang, s := range r.words(colIndicatorTitle) {
		if s != "" {
			b.fail(r.num, r.col(colIndicatorCode), "an indicator code is required: the row has an indicator title (%s)", lang)
			return false
		}
	}
	switch {
	case m.levelRow != 0:
		b.fail(r.num, r.col(colMilestoneCode), "milestone %s already has a milestone-level row (row %d); give this row an indicator code or remove it", m.Code, m.levelRow)
		return false
	case m.firstIndicator != 0:
		b.fail(r.num, r.col(colIndicatorCode), "milestone %s has indicator rows (first on row %d), so this row needs an indicator code too", m.Code, m.firstIndicator)
		return false
	}
	m.levelRow = r.num
	m.Deadline, m.LeadOrgs = dl, orgs
	return true
}

func (b *builder) finish() *Plan {
	p := b.plan
	for _, cb := range b.commitments {
		c := cb.Commitment
		for _, mb := range cb.milestones {
			m := mb.Milestone
			if len(m.Indicators) > 0 {
				m.Deadline = rollUp(m.Indicators)
				for _, i := range m.Indicators {
					m.LeadOrgs = union(m.LeadOrgs, i.LeadOrgs)
				}
			}
			c.Milestones = append(c.Milestones, m)
		}
		p.Commitments = append(p.Commitments, c)
	}
	return &p
}

// rollUp gives a milestone the deadline of its indicators: the latest date
// when every indicator has one, else recurring when some recur.
func rollUp(inds []Indicator) deadline.Deadline {
	var latest *Indicator
	var approx []string
	var recurring, undated, none []string
	until := 0
	for i := range inds {
		d := inds[i].Deadline
		switch d.Kind {
		case deadline.KindDate:
			if latest == nil || d.Due > latest.Deadline.Due {
				latest = &inds[i]
			}
			if d.Approximate {
				approx = append(approx, inds[i].Code)
			}
		case deadline.KindRecurring:
			recurring = append(recurring, inds[i].Code)
			until = max(until, d.UntilYear)
		case deadline.KindNone:
			none = append(none, inds[i].Code)
		default:
			undated = append(undated, inds[i].Code)
		}
	}
	switch {
	case len(recurring)+len(undated)+len(none) == 0:
		d := deadline.Deadline{Kind: deadline.KindDate, Due: latest.Deadline.Due, Precision: latest.Deadline.Precision,
			Approximate: len(approx) > 0, Source: latest.Deadline.Source}
		if len(inds) == 1 {
			d.Note = fmt.Sprintf("The date of its only indicator (%s, %s).", latest.Code, latest.Deadline.Due)
		} else {
			d.Note = fmt.Sprintf("The latest date of its %d indicators (%s, %s).", len(inds), latest.Code, latest.Deadline.Due)
		}
		if len(approx) > 0 {
			d.Note += fmt.Sprintf(" Approximate because %s.", plural(approx, "the date of %s is approximate", "the dates of %s are approximate"))
		}
		return d
	case len(recurring) > 0:
		d := deadline.Deadline{Kind: deadline.KindRecurring, Source: deadline.SourceWords, UntilYear: until}
		d.Note = fmt.Sprintf("Recurring: %s of its indicators recur (%s), so it has no single date.", countOf(len(recurring), len(inds)), strings.Join(recurring, ", "))
		if latest != nil {
			d.Note += fmt.Sprintf(" The latest dated indicator is %s (%s).", latest.Code, latest.Deadline.Due)
		}
		return d
	case len(none) == len(inds):
		return deadline.Deadline{Kind: deadline.KindNone, Note: "None of its indicators has a deadline."}
	}
	missing := append(undated, none...)
	sort.Strings(missing)
	return deadline.Deadline{Kind: deadline.KindUnreadable, Source: deadline.SourceWords,
		Note: fmt.Sprintf("No date could be read for %s, so the milestone's date is not known; set it by hand.", plural(missing, "indicator %s", "indicators %s"))}
}

func plural(codes []string, one, many string) string {
	if len(codes) == 1 {
		return fmt.Sprintf(one, codes[0])
	}
	return fmt.Sprintf(many, strings.Join(codes, ", "))
}

func counted(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func countOf(n, total int) string {
	if n == total {
		return "all"
	}
	return fmt.Sprintf("%d of %d", n, total)
}

// codeRule explains validCode to the person fixing the file.
const codeRule = "use 1 to 64 letters, digits, '.', '-' or '_', starting with a letter or digit (for example ca-nap6 or C01.1.1)"

// validCode accepts plan ids and commitment, milestone and indicator codes
// that are safe in a URL path segment.
func validCode(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case i > 0 && (r == '.' || r == '-' || r == '_'):
		default:
			return false
		}
	}
	return true
}
