package planfile

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/kept-ogp/kept/services/commitments/internal/deadline"
)

const realPlan = "../../testdata/canada-nap6-2025-2029.csv"

func readRealFile() ([]byte, error) { return os.ReadFile(realPlan) }

func readReal(t *testing.T) []byte {
	t.Helper()
	data, err := readRealFile()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func parseCSV(t *testing.T, data []byte, opts Options) *Plan {
	t.Helper()
	p, err := ParseCSV(bytes.NewReader(data), opts)
	if err != nil {
		t.Fatalf("ParseCSV: %v", err)
	}
	return p
}

// records splits CSV text into cells, for tests that edit a copy of the real file.
func records(t *testing.T, data []byte) [][]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func writeCSV(t *testing.T, recs [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func colIndex(t *testing.T, header []string, name string) int {
	t.Helper()
	i := slices.Index(header, name)
	if i < 0 {
		t.Fatalf("no column %s", name)
	}
	return i
}

func validation(t *testing.T, err error) *ValidationError {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v (%T) is not a *ValidationError", err, err)
	}
	return ve
}

func count(p *Plan) (commitments, milestones, indicators int) {
	for _, c := range p.Commitments {
		commitments++
		for _, m := range c.Milestones {
			milestones++
			indicators += len(m.Indicators)
		}
	}
	return
}

func TestRealPlan(t *testing.T) {
	p := parseCSV(t, readReal(t), Options{})
	if c, m, i := count(p); c != 4 || m != 19 || i != 65 {
		t.Fatalf("got %d commitments, %d milestones, %d indicators; want 4, 19, 65", c, m, i)
	}
	if p.ID != "ca-nap6" || p.Start != "2025-01" || p.End != "2029-12" {
		t.Errorf("plan %q %s..%s", p.ID, p.Start, p.End)
	}
	if !reflect.DeepEqual(p.Languages, []string{"en", "fr"}) {
		t.Errorf("languages %v", p.Languages)
	}
	if p.Title["en"] != "Canada's 2025-2029 National Action Plan on Open Government" || p.Title["fr"] == "" {
		t.Errorf("title %q", p.Title)
	}
	var codes []string
	for _, c := range p.Commitments {
		codes = append(codes, c.Code)
	}
	if !reflect.DeepEqual(codes, []string{"C01", "C02", "C03", "C04"}) {
		t.Errorf("commitments in order %v", codes)
	}

	c01 := p.Commitments[0]
	rcmp := Org{Code: "rcmp-grc", Name: Text{"en": "Royal Canadian Mounted Police", "fr": "Gendarmerie royale du Canada"}}
	if len(c01.LeadOrgs) == 0 || !reflect.DeepEqual(c01.LeadOrgs[0], rcmp) {
		t.Errorf("C01 lead orgs %v", c01.LeadOrgs)
	}
	if c01.Row != 2 || c01.Milestones[0].Row != 2 || c01.Milestones[0].Indicators[0].Row != 2 {
		t.Errorf("first rows: commitment %d, milestone %d, indicator %d; want 2", c01.Row, c01.Milestones[0].Row, c01.Milestones[0].Indicators[0].Row)
	}
	first := c01.Milestones[0].Indicators[0]
	if first.Code != "C01.1.1" || !reflect.DeepEqual(first.Deadline.Original, map[string]string{"en": "Fall 2027", "fr": "Automne 2027"}) ||
		first.Deadline.Due != "2027-12-31" || first.Deadline.Kind != deadline.KindDate {
		t.Errorf("first indicator %+v", first)
	}
	if !strings.HasPrefix(first.Title["fr"], "Rédiger un plan stratégique") {
		t.Errorf("French title %q", first.Title["fr"])
	}

	// C01.5.1 is led by two departments.
	var multi *Indicator
	for _, m := range c01.Milestones {
		for i := range m.Indicators {
			if m.Indicators[i].Code == "C01.5.1" {
				multi = &m.Indicators[i]
			}
		}
	}
	want := []Org{
		{Code: "pwgsc-tpsgc", Name: Text{"en": "Public Services and Procurement Canada", "fr": "Services publics et Approvisionnement Canada"}},
		{Code: "hc-sc", Name: Text{"en": "Health Canada", "fr": "Santé Canada"}},
	}
	if multi == nil || !reflect.DeepEqual(multi.LeadOrgs, want) {
		t.Fatalf("C01.5.1 lead orgs %v", multi)
	}
	// Commitment lead orgs are the union of its rows', in order.
	var c01orgs []string
	for _, o := range c01.LeadOrgs {
		c01orgs = append(c01orgs, o.Code)
	}
	if !reflect.DeepEqual(c01orgs, []string{"rcmp-grc", "tbs-sct", "pwgsc-tpsgc", "hc-sc", "isc-sac", "vac-acc"}) {
		t.Errorf("C01 lead orgs %v", c01orgs)
	}

	last := p.Commitments[3].Milestones[4].Indicators[3]
	if last.Code != "C04.5.4" || last.Row != 66 {
		t.Errorf("last indicator %s on row %d", last.Code, last.Row)
	}
}

func TestMilestoneDeadlines(t *testing.T) {
	p := parseCSV(t, readReal(t), Options{})
	ms := map[string]Milestone{}
	for _, c := range p.Commitments {
		for _, m := range c.Milestones {
			ms[m.Code] = m
		}
	}
	for _, c := range []struct {
		code   string
		kind   deadline.Kind
		due    string
		approx bool
	}{
		{"C01.1", deadline.KindDate, "2028-12-31", true},  // seasons and "By end of 2028"
		{"C01.6", deadline.KindDate, "2027-03-31", false}, // months only
		{"C01.2", deadline.KindRecurring, "", false},      // some indicators recur
		{"C03.4", deadline.KindRecurring, "", false},      // all recur
	} {
		d := ms[c.code].Deadline
		if d.Kind != c.kind || d.Due != c.due || d.Approximate != c.approx || d.Note == "" {
			t.Errorf("%s: got %s %q approximate=%v (%s)", c.code, d.Kind, d.Due, d.Approximate, d.Note)
		}
	}
	if got := ms["C01.5"].LeadOrgs; len(got) != 2 {
		t.Errorf("C01.5 lead orgs %v, want those of its indicator", got)
	}
}

func TestBOM(t *testing.T) {
	data := readReal(t)
	want := parseCSV(t, data, Options{})
	got := parseCSV(t, append([]byte("\xef\xbb\xbf"), data...), Options{})
	if !reflect.DeepEqual(got, want) {
		t.Fatal("the file with a UTF-8 BOM parses differently")
	}
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := parseCSV(t, utf16, Options{}); !reflect.DeepEqual(got, want) {
		t.Fatal("the UTF-16 copy parses differently")
	}
}

func TestWindows1252(t *testing.T) {
	// Windows-1252 has no non-breaking hyphen (U+2011), so both copies use "-".
	text := strings.ReplaceAll(string(readReal(t)), "\u2011", "-")
	want := parseCSV(t, []byte(text), Options{})
	cp1252, err := charmap.Windows1252.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}

	// Refused without an encoding, naming the first cell with bad bytes.
	recs := records(t, []byte(text))
	wantRow, wantCol := 0, ""
	for i, rec := range recs {
		for j, cell := range rec {
			if wantRow == 0 && strings.ContainsFunc(cell, func(r rune) bool { return r > 127 }) {
				wantRow, wantCol = i+1, recs[0][j]
			}
		}
	}
	_, err = ParseCSV(strings.NewReader(cp1252), Options{})
	ve := validation(t, err)
	if len(ve.Errors) != 1 || ve.Errors[0].Row != wantRow || ve.Errors[0].Column != wantCol || !strings.Contains(ve.Errors[0].Message, "encoding") {
		t.Fatalf("got %v, want one error at row %d column %s asking for an encoding", ve, wantRow, wantCol)
	}

	got := parseCSV(t, []byte(cp1252), Options{Encoding: "windows-1252"})
	if !reflect.DeepEqual(got, want) {
		t.Fatal("the Windows-1252 copy parses differently")
	}

	// A UTF-8 file named as Windows-1252 would be garbled: refused.
	if _, err := ParseCSV(bytes.NewReader(readReal(t)), Options{Encoding: "windows-1252"}); err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Fatalf("UTF-8 file read as windows-1252: %v", err)
	}
	if _, err := ParseCSV(strings.NewReader(cp1252), Options{Encoding: "ebcdic"}); err == nil || !strings.Contains(err.Error(), "unknown encoding") {
		t.Fatalf("unknown encoding: %v", err)
	}
}

// A plan without indicators, in Traditional Chinese and English: milestones
// are then the finest level and carry the deadline and lead organisations.
const big5Plan = "plan_id,plan_title_zh-Hant,plan_title_en,plan_start,plan_end,commitment_code,commitment_title_zh-Hant,commitment_title_en," +
	"milestone_code,milestone_title_zh-Hant,milestone_title_en,due,deadline_zh-Hant,deadline_en,lead_org_codes,lead_org_names_zh-Hant,lead_org_names_en\r\n" +
	"tw-nap3,第三期國家行動方案,Third National Action Plan,2025-01,2028-12,T1,開放資料,Open data," +
	"T1.1,建立資料平台,Build the data platform,,2026年12月底前,By December 2026,ndc;moda,國家發展委員會;數位發展部,National Development Council;Ministry of Digital Affairs\r\n" +
	"tw-nap3,第三期國家行動方案,Third National Action Plan,2025-01,2028-12,T1,開放資料,Open data," +
	"T1.2,持續更新資料,Keep the data up to date,,持續進行,Ongoing,moda,數位發展部,Ministry of Digital Affairs\r\n" +
	"tw-nap3,第三期國家行動方案,Third National Action Plan,2025-01,2028-12,T1,開放資料,Open data," +
	"T1.3,發布報告,Publish a report,2027-06,,,ndc,國家發展委員會,National Development Council\r\n"

func TestBig5(t *testing.T) {
	data, err := traditionalchinese.Big5.NewEncoder().String(big5Plan)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseCSV(strings.NewReader(data), Options{}); err == nil {
		t.Fatal("Big5 without an encoding was accepted")
	}
	p, err := ParseCSV(strings.NewReader(data), Options{Encoding: "big5"})
	if err != nil {
		t.Fatal(err)
	}
	want := parseCSV(t, []byte(big5Plan), Options{})
	if !reflect.DeepEqual(p, want) {
		t.Fatal("the Big5 file parses differently from its UTF-8 original")
	}
	if !reflect.DeepEqual(p.Languages, []string{"en", "zh-Hant"}) || p.Title["zh-Hant"] != "第三期國家行動方案" {
		t.Fatalf("languages %v, title %q", p.Languages, p.Title)
	}
	ms := p.Commitments[0].Milestones
	if len(ms) != 3 || len(ms[0].Indicators) != 0 {
		t.Fatalf("milestones %+v", ms)
	}
	if d := ms[0].Deadline; d.Kind != deadline.KindDate || d.Due != "2026-12-31" || d.Original["zh-Hant"] != "2026年12月底前" {
		t.Errorf("T1.1 deadline %+v", d)
	}
	if d := ms[1].Deadline; d.Kind != deadline.KindRecurring {
		t.Errorf("T1.2 deadline %+v", d)
	}
	if d := ms[2].Deadline; d.Kind != deadline.KindDate || d.Due != "2027-06-30" || d.Source != deadline.SourceDueColumn {
		t.Errorf("T1.3 deadline %+v", d)
	}
	if got := ms[0].LeadOrgs; len(got) != 2 || got[1].Name["zh-Hant"] != "數位發展部" {
		t.Errorf("T1.1 lead orgs %v", got)
	}
}

func TestISO88591(t *testing.T) {
	src := strings.ReplaceAll(big5Plan, "zh-Hant", "fr")
	src = strings.NewReplacer("第三期國家行動方案", "Troisième plan", "開放資料", "Données ouvertes", "建立資料平台", "Bâtir la plateforme",
		"持續更新資料", "Tenir à jour", "發布報告", "Publier", "2026年12月底前", "D'ici décembre 2026", "持續進行", "Permanent",
		"國家發展委員會", "Conseil", "數位發展部", "Ministère").Replace(src)
	latin1, err := charmap.ISO8859_1.NewEncoder().String(src)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseCSV(strings.NewReader(latin1), Options{Encoding: "iso-8859-1"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Title["fr"] != "Troisième plan" {
		t.Errorf("title %q", p.Title)
	}
	// Bytes 0x80-0x9F are controls in ISO-8859-1 but quotes in Windows-1252.
	quoted := strings.Replace(latin1, "Publier", "\x93Publier\x94", 1)
	_, err = ParseCSV(strings.NewReader(quoted), Options{Encoding: "iso-8859-1"})
	if ve := validation(t, err); len(ve.Errors) != 1 || !strings.Contains(ve.Errors[0].Message, "Windows-1252") {
		t.Errorf("got %v", ve)
	}
}

func TestReplacementCharacter(t *testing.T) {
	recs := records(t, readReal(t))
	col := colIndex(t, recs[0], "milestone_title_en")
	recs[9][col] = strings.Replace(recs[9][col], "e", "\ufffd", 1)
	_, err := ParseCSV(bytes.NewReader(writeCSV(t, recs)), Options{})
	ve := validation(t, err)
	if len(ve.Errors) != 1 || ve.Errors[0].Row != 10 || ve.Errors[0].Column != "milestone_title_en" || !strings.Contains(ve.Errors[0].Message, "U+FFFD") {
		t.Fatalf("got %v", ve)
	}
}

type at struct {
	row int
	col string
}

func errorsAt(ve *ValidationError) []at {
	var out []at
	for _, e := range ve.Errors {
		out = append(out, at{e.Row, e.Column})
	}
	return out
}

func TestBadFile(t *testing.T) {
	recs := records(t, readReal(t))
	h := recs[0]
	set := func(row int, col, value string) { recs[row-1][colIndex(t, h, col)] = value }
	get := func(row int, col string) string { return recs[row-1][colIndex(t, h, col)] }

	set(3, "due", "2027-13")
	set(5, "milestone_title_fr", "Un autre titre")
	set(7, "indicator_code", get(6, "indicator_code"))
	set(10, "lead_org_names_fr", get(10, "lead_org_names_fr")+";Autre")
	set(12, "plan_id", "ca-nap7")
	set(15, "commitment_code", "")
	recs[19] = recs[19][:len(h)-1] // row 20 loses a field
	// Row 24 moves milestone C01.7 under C02.
	set(24, "commitment_code", "C02")
	set(24, "commitment_title_en", get(25, "commitment_title_en"))
	set(24, "commitment_title_fr", get(25, "commitment_title_fr"))
	set(30, "indicator_title_en", strings.Repeat("é", 10001))
	set(31, "indicator_title_en", strings.Repeat("é", 10000)) // 20,000 bytes but 10,000 characters: fine
	set(35, "indicator_title_en", "")
	set(35, "indicator_title_fr", "")
	set(40, "lead_org_codes", "pch;")
	set(45, "commitment_title_en", "Something else")
	set(50, "plan_start", "2025-1")
	set(55, "due", "March 2027")
	// Row 67: a milestone-level row for a milestone that has indicators.
	extra := slices.Clone(recs[65])
	extra[colIndex(t, h, "indicator_code")] = ""
	extra[colIndex(t, h, "indicator_title_en")] = ""
	extra[colIndex(t, h, "indicator_title_fr")] = ""
	recs = append(recs, extra)

	p, err := ParseCSV(bytes.NewReader(writeCSV(t, recs)), Options{})
	if p != nil {
		t.Error("a plan was returned with the errors")
	}
	ve := validation(t, err)
	want := []at{
		{3, "due"},
		{5, "milestone_title_fr"},
		{7, "indicator_code"},
		{10, "lead_org_names_fr"},
		{12, "plan_id"},
		{15, "commitment_code"},
		{20, ""},
		{24, "milestone_code"},
		{30, "indicator_title_en"},
		{35, "indicator_title_en"},
		{40, "lead_org_codes"},
		{40, "lead_org_names_en"},
		{40, "lead_org_names_fr"},
		{45, "commitment_title_en"},
		{50, "plan_start"},
		{55, "due"},
		{67, "indicator_code"},
	}
	if got := errorsAt(ve); !reflect.DeepEqual(got, want) {
		t.Errorf("errors at\n%v\nwant\n%v\n%v", got, want, ve)
	}
	msg := ve.Error()
	for _, s := range []string{"row 3, column due: ", "row 20: the row has 19 fields but the header has 20", "appears twice (first on row 6)",
		"is under commitment C01 on row 22 and under C02 here", "10001 characters", "empty in every language", "has indicator rows (first on row 63)",
		"differs from row 2"} {
		if !strings.Contains(msg, s) {
			t.Errorf("error text lacks %q:\n%s", s, msg)
		}
	}
}

func TestHeaderErrors(t *testing.T) {
	recs := records(t, readReal(t))
	drop := []int{colIndex(t, recs[0], "milestone_code"), colIndex(t, recs[0], "deadline_fr"), colIndex(t, recs[0], "plan_end")}
	for i := range recs {
		var keep []string
		for j, cell := range recs[i] {
			if !slices.Contains(drop, j) {
				keep = append(keep, cell)
			}
		}
		recs[i] = keep
	}
	_, err := ParseCSV(bytes.NewReader(writeCSV(t, recs)), Options{})
	ve := validation(t, err)
	want := []at{{1, "deadline_fr"}, {1, "milestone_code"}, {1, "plan_end"}}
	if got := errorsAt(ve); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", ve, want)
	}

	// A header that is not CSV is reported as such, not as missing columns.
	_, err = ParseCSV(strings.NewReader("plan_id,plan\"title\r\nx,y\r\n"), Options{})
	if ve := validation(t, err); len(ve.Errors) != 1 || ve.Errors[0].Row != 1 || !strings.Contains(ve.Error(), "CSV syntax") {
		t.Errorf("got %v", ve)
	}

	_, err = ParseCSV(strings.NewReader("plan_id,title\r\nx,y\r\n"), Options{})
	if ve := validation(t, err); !strings.Contains(ve.Error(), "plan_title_<lang>") {
		t.Errorf("got %v", ve)
	}
	if _, err := ParseCSV(strings.NewReader(""), Options{}); err == nil {
		t.Error("empty file accepted")
	}
}

func TestExtraColumnsAndCase(t *testing.T) {
	data := readReal(t)
	want := parseCSV(t, data, Options{})
	recs := records(t, data)
	for i := range recs {
		extra := "note"
		if i > 0 {
			extra = fmt.Sprintf("  internal note %d ", i)
		}
		recs[i] = append([]string{extra}, recs[i]...)
		recs[i] = append(recs[i], "x")
	}
	recs[0][len(recs[0])-1] = "deadline_source" // looks like a language column, is not
	recs[0][1] = " Plan_ID "
	// Row numbers move by nothing: only columns were added.
	if got := parseCSV(t, writeCSV(t, recs), Options{}); !reflect.DeepEqual(got, want) {
		t.Fatal("extra columns changed the plan")
	}
}

func TestPlanDates(t *testing.T) {
	recs := records(t, readReal(t))
	for i := 1; i < len(recs); i++ {
		recs[i][colIndex(t, recs[0], "plan_start")] = "2030-01"
	}
	_, err := ParseCSV(bytes.NewReader(writeCSV(t, recs)), Options{})
	if got := errorsAt(validation(t, err)); !reflect.DeepEqual(got, []at{{2, "plan_end"}}) {
		t.Errorf("got %v", err)
	}
}

func TestMultiLineCellRows(t *testing.T) {
	src := strings.Split(string(readReal(t)), "\r\n")
	// A title over two lines: rows after it are one line further down the file.
	src[1] = strings.Replace(src[1], "Draft a strategic plan", "Draft a\r\nstrategic plan", 1)
	src[3] = strings.Replace(src[3], ",rcmp-grc,", ",rcmp-grc;x,", 1)
	_, err := ParseCSV(strings.NewReader(strings.Join(src, "\r\n")), Options{})
	if got := errorsAt(validation(t, err)); !reflect.DeepEqual(got, []at{{5, "lead_org_names_en"}, {5, "lead_org_names_fr"}}) {
		t.Errorf("got %v", err)
	}
}

// xlsxOf writes CSV records into a workbook, on the named sheets in order;
// only the sheet named plan gets the records.
func xlsxOf(t *testing.T, recs [][]string, sheets []string, plan string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheets[0]); err != nil {
		t.Fatal(err)
	}
	for _, s := range sheets[1:] {
		if _, err := f.NewSheet(s); err != nil {
			t.Fatal(err)
		}
	}
	for i, rec := range recs {
		cells := make([]any, len(rec))
		for j, v := range rec {
			cells[j] = v
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(plan, cell, &cells); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestXLSX(t *testing.T) {
	data := readReal(t)
	want := parseCSV(t, data, Options{})
	recs := records(t, data)

	book := xlsxOf(t, recs, []string{"Plan"}, "Plan")
	got, err := ParseXLSX(bytes.NewReader(book), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("the XLSX copy parses differently from the CSV")
	}

	// Parse picks by name, then by content.
	for _, name := range []string{"plan.xlsx", "PLAN.XLSX", "upload", "plan.bin"} {
		if got, err := Parse(bytes.NewReader(book), name, Options{}); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Parse(%q): %v", name, err)
		}
	}
	for _, name := range []string{"plan.csv", "upload", "plan.txt"} {
		if got, err := Parse(bytes.NewReader(data), name, Options{}); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Parse(%q): %v", name, err)
		}
	}
	if _, err := Parse(bytes.NewReader(book), "plan.csv", Options{}); err == nil || !strings.Contains(err.Error(), "zip") {
		t.Errorf("an XLSX named .csv: %v", err)
	}

	// A named sheet, and a missing one.
	book = xlsxOf(t, recs, []string{"Notes", "Plan"}, "Plan")
	if got, err := ParseXLSX(bytes.NewReader(book), Options{Sheet: "Plan"}); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("sheet Plan: %v", err)
	}
	if _, err := ParseXLSX(bytes.NewReader(book), Options{Sheet: "Plan 2"}); err == nil || !strings.Contains(err.Error(), `"Notes", "Plan"`) {
		t.Errorf("missing sheet: %v", err)
	}
	if _, err := ParseXLSX(bytes.NewReader(book), Options{}); err == nil {
		t.Error("the empty first sheet was accepted")
	}

	// Errors in a workbook name sheet rows.
	recs[4][colIndex(t, recs[0], "due")] = "soon"
	_, err = ParseXLSX(bytes.NewReader(xlsxOf(t, recs, []string{"Plan"}, "Plan")), Options{})
	if got := errorsAt(validation(t, err)); !reflect.DeepEqual(got, []at{{5, "due"}}) {
		t.Errorf("got %v", err)
	}
}

// Plan ids and codes end up in URLs and embed snippets: ones that could not be
// fetched back (a slash, a space, 5,000 characters) are refused by row and column.
func TestUnusableCodesAreRefused(t *testing.T) {
	real := string(readReal(t))
	cases := map[string]struct{ from, to, column string }{
		"plan id with a slash":    {"ca-nap6,", "../../etc,", "plan_id"},
		"very long plan id":       {"ca-nap6,", strings.Repeat("p", 5000) + ",", "plan_id"},
		"commitment with a space": {",C01,", ",C 01,", "commitment_code"},
		"indicator with a query":  {",C01.1.1,", ",C01.1.1?x=1,", "indicator_code"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			in := strings.Replace(real, c.from, c.to, 1)
			if c.column == "plan_id" {
				in = strings.ReplaceAll(real, c.from, c.to)
			}
			_, err := ParseCSV(strings.NewReader(in), Options{})
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a ValidationError", err)
			}
			if ve.Errors[0].Column != c.column || ve.Errors[0].Row != 2 || !strings.Contains(ve.Errors[0].Message, "not a usable") {
				t.Fatalf("first error = %+v", ve.Errors[0])
			}
		})
	}
}
