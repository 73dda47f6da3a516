// Package planfile reads an action plan from the CSV or XLSX file a point of
// contact imports: one row per indicator (or per milestone, for plans without
// indicators), every text in each of the plan's languages. A file is taken
// whole or not at all: any invalid row rejects it, with every error listed so
// that the PoC can fix them in one pass. FORMAT.md describes the format.
package planfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/kept-ogp/kept/services/commitments/internal/deadline"
)

// Text maps a language tag to text.
type Text map[string]string

// Org is a lead implementing organisation.
type Org struct {
	Code string
	Name Text
}

// Indicator is the finest level of a plan that has indicators.
type Indicator struct {
	Code     string
	Title    Text
	Deadline deadline.Deadline
	LeadOrgs []Org
	Row      int
}

// Milestone groups indicators. Without indicators it is the finest level and
// its own row carries the deadline and lead organisations.
type Milestone struct {
	Code       string
	Title      Text
	Deadline   deadline.Deadline
	LeadOrgs   []Org
	Indicators []Indicator
	Row        int
}

// Commitment is one commitment of the plan.
type Commitment struct {
	Code       string
	Title      Text
	LeadOrgs   []Org
	Milestones []Milestone
	Row        int
}

// Plan is one action plan, in file order.
type Plan struct {
	ID          string
	Title       Text
	Start, End  string   // YYYY-MM
	Languages   []string // sorted, from the plan_title_<lang> columns
	Commitments []Commitment
}

// FieldError is one problem in a file.
type FieldError struct {
	Row     int    `json:"row"`    // 1-based line of the file (sheet row for XLSX); the header is row 1
	Column  string `json:"column"` // header name, "" for the whole row
	Message string `json:"message"`
}

func (e FieldError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("row %d: %s", e.Row, e.Message)
	}
	return fmt.Sprintf("row %d, column %s: %s", e.Row, e.Column, e.Message)
}

// ValidationError rejects a file and lists every problem found in it.
type ValidationError struct {
	Errors []FieldError
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	if len(e.Errors) == 1 {
		b.WriteString("plan file rejected (1 error):")
	} else {
		fmt.Fprintf(&b, "plan file rejected (%d errors):", len(e.Errors))
	}
	for _, fe := range e.Errors {
		b.WriteString("\n")
		b.WriteString(fe.Error())
	}
	return b.String()
}

// Options tune how a file is read.
type Options struct {
	// Encoding of a CSV file: "" means UTF-8 (a byte order mark is
	// tolerated, and UTF-16 with a byte order mark is detected); otherwise
	// "windows-1252", "iso-8859-1" or "big5". XLSX files ignore it.
	Encoding string
	// Sheet of an XLSX file; "" means the first.
	Sheet string
}

// maxFileBytes bounds what an import may hold in memory; a real plan is a
// few hundred kilobytes.
const maxFileBytes = 64 << 20

// zipMagic starts every XLSX file.
const zipMagic = "PK\x03\x04"

// Parse reads a plan file, choosing CSV or XLSX by the file name's extension
// or, failing that, by its content.
func Parse(r io.Reader, filename string, opts Options) (*Plan, error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(len(zipMagic))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("planfile: reading %s: %w", filename, err)
	}
	isZip := string(magic) == zipMagic
	switch ext := strings.ToLower(filepath.Ext(filename)); {
	case ext == ".xlsx":
		return ParseXLSX(br, opts)
	case ext == ".xls":
		return nil, fmt.Errorf("planfile: %s is an old Excel (.xls) file: save it as .xlsx or .csv", filename)
	case ext == ".csv" && isZip:
		return nil, fmt.Errorf("planfile: %s is named .csv but holds a zip (XLSX?) file: rename it to .xlsx or export it as CSV", filename)
	case ext == ".csv" || !isZip:
		return ParseCSV(br, opts)
	default:
		return ParseXLSX(br, opts)
	}
}

// readAll reads a whole file, refusing one too big to be a plan.
func readAll(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileBytes {
		return nil, fmt.Errorf("file is larger than %d MiB", maxFileBytes>>20)
	}
	return data, nil
}
