package calendar

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/traditionalchinese"
)

// maxFileBytes bounds an import; a ten-year calendar is well under 1 MiB.
const maxFileBytes = 16 << 20

const bomUTF8 = "\xef\xbb\xbf"

// Taiwan CSV columns, as the government office calendar names them:
// 西元日期, 星期, 是否放假, 備註.
var taiwanFields = [...]string{"date", "weekday", "flag", "note"}

var chineseWeekdays = map[string]time.Weekday{
	"日": time.Sunday, "天": time.Sunday, "一": time.Monday, "二": time.Tuesday,
	"三": time.Wednesday, "四": time.Thursday, "五": time.Friday, "六": time.Saturday,
}

// ParseTaiwanCSV reads Taiwan's government office calendar (政府行政機關辦公日曆表):
// one row per day of date (YYYYMMDD), weekday (一..日), flag (2 = day off,
// 0 = working day) and note, with an optional header row. The file may be
// UTF-8, with or without a byte-order mark, or Big5/CP950: valid UTF-8 is
// read as UTF-8, anything else as Big5. Every bad row is reported by row and
// column in an *ImportError and then the whole file is refused, so a
// calendar is never half imported. The same date twice is one day if both
// rows agree, and an error if they do not.
func ParseTaiwanCSV(r io.Reader) ([]Day, error) {
	text, enc, err := readTaiwanText(r)
	if err != nil {
		return nil, err
	}
	p := &problems{format: SourceCSV}
	cr := csv.NewReader(strings.NewReader(text))
	cr.FieldsPerRecord = -1 // column counts are checked per row, with a clearer message
	var days []Day
	seen := make(map[Date]int) // date -> index in days
	rowOf := make(map[Date]int)
	for row := 1; ; row++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// A broken quote desynchronises every later row; stop here.
			p.add(row, 0, "", "the CSV cannot be read from here on: %v", err)
			break
		}
		if row == 1 && isHeader(rec) {
			continue
		}
		d, ok := parseTaiwanRow(p, row, rec, enc)
		if !ok {
			continue
		}
		if i, dup := seen[d.Date]; dup {
			if days[i].Off != d.Off || days[i].Name != d.Name {
				p.add(row, 1, "date", "%s is also on row %d with a different flag or note", d.Date, rowOf[d.Date])
			}
			continue
		}
		seen[d.Date], rowOf[d.Date] = len(days), row
		days = append(days, d)
	}
	if len(days) == 0 && len(p.list) == 0 {
		p.add(0, 0, "", "the file has no calendar rows")
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return days, nil
}

// readTaiwanText returns the file as UTF-8 text and the encoding it was in.
func readTaiwanText(r io.Reader) (string, string, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		return "", "", fmt.Errorf("reading calendar CSV: %w", err)
	}
	if len(data) > maxFileBytes {
		return "", "", fmt.Errorf("calendar CSV is larger than %d MiB", maxFileBytes>>20)
	}
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		return "", "", &ImportError{Format: SourceCSV, Problems: []Problem{{
			Msg: "the file is UTF-16 (Excel \"Unicode text\"); save it as CSV in UTF-8 or Big5"}}}
	}
	if rest, ok := bytes.CutPrefix(data, []byte(bomUTF8)); ok {
		// The mark says UTF-8; bad bytes after it are reported per cell, not
		// guessed away as Big5.
		return string(rest), "UTF-8", nil
	}
	if utf8.Valid(data) {
		return string(data), "UTF-8", nil
	}
	// Big5 never yields an error: bytes outside it become U+FFFD, which the
	// row checks then refuse with their row and column.
	out, err := traditionalchinese.Big5.NewDecoder().Bytes(data)
	if err != nil {
		return "", "", fmt.Errorf("decoding calendar CSV as Big5: %w", err)
	}
	return string(out), "Big5", nil
}

// isHeader: the first row is a header when its first cell has no digit, as
// "西元日期" or "Date"; a mistyped date still has digits and is reported.
func isHeader(rec []string) bool {
	first := strings.TrimPrefix(rec[0], bomUTF8)
	return !strings.ContainsAny(first, "0123456789")
}

func parseTaiwanRow(p *problems, row int, rec []string, enc string) (Day, bool) {
	before := len(p.list) + p.more
	for i := range rec {
		rec[i] = strings.TrimSpace(rec[i])
		field := ""
		if i < len(taiwanFields) {
			field = taiwanFields[i]
		}
		switch {
		case !utf8.ValidString(rec[i]):
			p.add(row, i+1, field, "not valid UTF-8 although the file starts with a UTF-8 byte-order mark")
		case strings.ContainsRune(rec[i], utf8.RuneError):
			if enc == "Big5" {
				p.add(row, i+1, field, "bytes that are not Big5 (they would show as U+FFFD); the file is in another encoding or damaged")
			} else {
				p.add(row, i+1, field, "contains U+FFFD, a character lost before this file was made")
			}
		case i >= len(taiwanFields) && rec[i] != "":
			p.add(row, i+1, "", "unexpected column %d %q; want date, weekday, flag, note", i+1, rec[i])
		}
	}
	if len(rec) < 3 {
		p.add(row, 0, "", "%d column(s); want date, weekday, flag, note", len(rec))
		return Day{}, false
	}
	if len(p.list)+p.more > before {
		return Day{}, false
	}
	d, dateOK := parseCompactDate(rec[0])
	if !dateOK {
		p.add(row, 1, "date", "%q is not a date written YYYYMMDD", rec[0])
	}
	if wd, ok := parseChineseWeekday(rec[1]); !ok {
		p.add(row, 2, "weekday", "%q is not a weekday (一 to 日)", rec[1])
	} else if dateOK && wd != d.Weekday() {
		p.add(row, 2, "weekday", "%s is a %s, not %s", d, d.Weekday(), rec[1])
	}
	var off bool
	switch rec[2] {
	case "2":
		off = true
	case "0":
	default:
		p.add(row, 3, "flag", "%q: the flag must be 2 (day off) or 0 (working day)", rec[2])
	}
	note := ""
	if len(rec) > 3 {
		note = rec[3]
		if err := checkName(note); err != nil {
			p.add(row, 4, "note", "%v", err)
		}
	}
	if len(p.list)+p.more > before {
		return Day{}, false
	}
	return Day{Date: d, Off: off, Name: note, Source: SourceCSV}, true
}

func parseCompactDate(s string) (Date, bool) {
	if len(s) != 8 {
		return Date{}, false
	}
	n := [3]int{}
	for i, c := range []byte(s) {
		if c < '0' || c > '9' {
			return Date{}, false
		}
		k := 0
		if i >= 4 {
			k = 1
		}
		if i >= 6 {
			k = 2
		}
		n[k] = n[k]*10 + int(c-'0')
	}
	d := Date{n[0], time.Month(n[1]), n[2]}
	return d, d.IsValid()
}

func parseChineseWeekday(s string) (time.Weekday, bool) {
	for _, prefix := range []string{"星期", "禮拜", "週", "周"} {
		s = strings.TrimPrefix(s, prefix)
	}
	wd, ok := chineseWeekdays[s]
	return wd, ok
}
