package render

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kept-ogp/kept/services/reporting/internal/report"
)

// Formats.
const (
	FormatHTML     = "html"
	FormatMarkdown = "md"
	FormatJSON     = "json"
	FormatDOCX     = "docx"
)

// Formats lists every output format.
var Formats = []string{FormatHTML, FormatMarkdown, FormatJSON, FormatDOCX}

// ContentType is the media type of a format.
func ContentType(format string) string {
	switch format {
	case FormatHTML:
		return "text/html; charset=utf-8"
	case FormatMarkdown:
		return "text/markdown; charset=utf-8"
	case FormatDOCX:
		return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	}
	return "application/json; charset=utf-8"
}

// Extension is a format's file extension.
func Extension(format string) string { return format }

// Report is a SAR or a progress report, whichever is set.
type Report struct {
	SAR      *report.SAR      `json:"sar,omitempty"`
	Progress *report.Progress `json:"progress,omitempty"`
}

// Document lays the report out.
func (r Report) Document() Document {
	if r.SAR != nil {
		return SARDocument(*r.SAR)
	}
	return ProgressDocument(*r.Progress)
}

func (r Report) lang() string {
	if r.SAR != nil {
		return r.SAR.Language
	}
	return r.Progress.Language
}

// Canonical is the report's content without any generated-at time; its hash
// identifies a version.
func (r Report) Canonical() ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode report: %w", err)
	}
	return b, nil
}

// Hash is the hex SHA-256 of b.
func Hash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Render writes r in format, with its generated-at line for at in loc.
func Render(r Report, format string, at time.Time, loc *time.Location) ([]byte, error) {
	gen := Generated(r.lang(), at, loc)
	var b bytes.Buffer
	var err error
	switch format {
	case FormatJSON:
		var body any = r.Progress
		if r.SAR != nil {
			body = r.SAR
		}
		var inner []byte
		if inner, err = json.MarshalIndent(body, "", "  "); err != nil {
			return nil, fmt.Errorf("render json: %w", err)
		}
		g, _ := json.Marshal(gen)
		// The generated-at line comes first, on its own line.
		b.WriteString("{\n  \"generated_at\": ")
		b.Write(g)
		if len(inner) > 2 {
			b.WriteString(",")
			b.Write(inner[1:])
		} else {
			b.WriteString("\n}")
		}
		b.WriteString("\n")
	case FormatHTML:
		err = HTML(&b, r.Document(), gen)
	case FormatMarkdown:
		err = Markdown(&b, r.Document(), gen)
	case FormatDOCX:
		err = DOCX(&b, r.Document(), gen)
	default:
		return nil, fmt.Errorf("format %q: want html, md, json or docx", format)
	}
	if err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
