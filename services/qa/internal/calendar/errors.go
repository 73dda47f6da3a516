package calendar

import (
	"fmt"
	"strings"
)

// maxProblems caps what an ImportError lists; past that a file is plainly
// the wrong kind and more lines help nobody.
const maxProblems = 50

// Problem is one thing wrong in an imported file, placed so that a person can
// find it in the file.
type Problem struct {
	// Line is the iCalendar line (where a folded property starts) or the CSV
	// row, counting from 1 with any header row included.
	Line int `json:"line"`
	// Column is the CSV column counting from 1; 0 for the whole row or line.
	Column int `json:"column,omitempty"`
	// Field names the column ("date", "weekday", "flag", "note") or the
	// iCalendar property.
	Field string `json:"field,omitempty"`
	Msg   string `json:"message"`
}

// ImportError refuses a whole file and says every place it went wrong.
type ImportError struct {
	Format   string    `json:"format"` // "ics" or "csv"
	Problems []Problem `json:"problems"`
	// More counts problems found beyond those listed.
	More int `json:"more,omitempty"`
}

func (e *ImportError) Error() string {
	unit, what := "line", "iCalendar file"
	if e.Format == SourceCSV {
		unit, what = "row", "calendar CSV"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s refused:", what)
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString(";")
		}
		if p.Line > 0 {
			fmt.Fprintf(&b, " %s %d", unit, p.Line)
		}
		if p.Column > 0 {
			fmt.Fprintf(&b, ", column %d", p.Column)
		}
		if p.Field != "" {
			fmt.Fprintf(&b, " (%s)", p.Field)
		}
		b.WriteString(": " + p.Msg)
	}
	if e.More > 0 {
		fmt.Fprintf(&b, "; and %d more", e.More)
	}
	return b.String()
}

// problems collects Problems for one file.
type problems struct {
	format string
	list   []Problem
	more   int
}

func (p *problems) add(line, col int, field, format string, args ...any) {
	if len(p.list) >= maxProblems {
		p.more++
		return
	}
	p.list = append(p.list, Problem{Line: line, Column: col, Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &ImportError{Format: p.format, Problems: p.list, More: p.more}
}
