package planfile

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// record is one row of a file as read, before it is understood.
type record struct {
	row   int // line (CSV) or sheet row (XLSX)
	cells []string
}

// maxSyntaxErrors stops a badly broken CSV file from yielding an endless list.
const maxSyntaxErrors = 50

// ParseCSV reads a plan from a CSV file.
func ParseCSV(r io.Reader, opts Options) (*Plan, error) {
	data, err := readAll(r)
	if err != nil {
		return nil, fmt.Errorf("planfile: reading CSV: %w", err)
	}
	text, err := decode(data, opts.Encoding)
	if err != nil {
		return nil, fmt.Errorf("planfile: reading CSV: %w", err)
	}
	recs, syntax, err := csvRecords(text)
	if err != nil {
		return nil, fmt.Errorf("planfile: reading CSV: %w", err)
	}
	return build(recs, syntax, opts.Encoding, true)
}

func csvRecords(text string) ([]record, []FieldError, error) {
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1 // a short or long row is reported with the others, not as a stop
	var recs []record
	var syntax []FieldError
	for {
		cells, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			syntax = append(syntax, FieldError{Row: pe.Line, Message: fmt.Sprintf("CSV syntax: %v (character %d of the line)", pe.Err, pe.Column)})
			if len(syntax) >= maxSyntaxErrors {
				break
			}
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		line, _ := cr.FieldPos(0)
		recs = append(recs, record{row: line, cells: cells})
	}
	return recs, syntax, nil
}

// ParseXLSX reads a plan from an XLSX workbook: the named sheet, or the first.
func ParseXLSX(r io.Reader, opts Options) (*Plan, error) {
	f, err := excelize.OpenReader(r, excelize.Options{UnzipSizeLimit: maxFileBytes * 8, UnzipXMLSizeLimit: maxFileBytes})
	if err != nil {
		return nil, fmt.Errorf("planfile: reading XLSX: %w", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	sheet := opts.Sheet
	switch {
	case len(sheets) == 0:
		return nil, errors.New("planfile: reading XLSX: the workbook has no sheets")
	case sheet == "":
		sheet = sheets[0]
	case !slices.Contains(sheets, sheet):
		return nil, fmt.Errorf("planfile: reading XLSX: no sheet %q; the workbook has %s", sheet, quoteList(sheets))
	}
	rows, err := f.GetRows(sheet)
	if err != nil {
		return nil, fmt.Errorf("planfile: reading XLSX sheet %q: %w", sheet, err)
	}
	var recs []record
	for i, cells := range rows {
		recs = append(recs, record{row: i + 1, cells: cells})
	}
	return build(recs, nil, "", false)
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
