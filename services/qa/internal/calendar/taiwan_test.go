package calendar

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/traditionalchinese"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// big5 re-encodes UTF-8 text the way a Windows export from Taiwan would.
func big5(t testing.TB, utf8Text []byte) []byte {
	t.Helper()
	out, err := traditionalchinese.Big5.NewEncoder().Bytes(bytes.TrimPrefix(utf8Text, []byte(bomUTF8)))
	if err != nil {
		t.Fatalf("encoding to Big5: %v", err)
	}
	return out
}

func TestTaiwanFixtureInEveryEncoding(t *testing.T) {
	withBOM := readFixture(t, "taiwan-2026.csv")
	if !bytes.HasPrefix(withBOM, []byte(bomUTF8)) {
		t.Fatal("fixture lost its byte-order mark")
	}
	want, err := ParseTaiwanCSV(bytes.NewReader(withBOM))
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 365 {
		t.Fatalf("%d days, want 365", len(want))
	}
	b5 := big5(t, withBOM)
	if bytes.Equal(b5, withBOM[3:]) {
		t.Fatal("Big5 bytes equal the UTF-8 ones: the test would prove nothing")
	}
	noHeader := withBOM[bytes.IndexByte(withBOM, '\n')+1:]
	for name, data := range map[string][]byte{
		"UTF-8 without BOM": withBOM[3:],
		"Big5":              b5,
		"no header":         noHeader,
		"LF line endings":   bytes.ReplaceAll(withBOM, []byte("\r\n"), []byte("\n")),
	} {
		got, err := ParseTaiwanCSV(bytes.NewReader(data))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: days differ from the UTF-8 file", name)
		}
	}

	cal, conflicts, err := New(want)
	if err != nil || len(conflicts) != 0 {
		t.Fatal(err, conflicts)
	}
	for _, c := range []struct {
		d       Date
		working bool
		name    string
	}{
		{d(2026, 1, 1), false, "開國紀念日"},
		{d(2026, 1, 2), false, "彈性放假"},
		{d(2026, 1, 5), true, ""},
		{d(2026, 1, 10), false, ""},
		{d(2026, 1, 17), true, "補行上班"},
		{d(2026, 2, 16), false, "農曆除夕"},
		{d(2026, 7, 29), false, "颱風假（停止上班）"},
		{d(2026, 10, 25), false, "臺灣光復暨金門古寧頭大捷紀念日"},
	} {
		e, ok := cal.Entry(c.d)
		if !ok || cal.IsWorkingDay(c.d) != c.working || e.Name != c.name || e.Source != SourceCSV {
			t.Errorf("%v: entry %+v (%v), working %v; want working %v, name %q",
				c.d, e, ok, cal.IsWorkingDay(c.d), c.working, c.name)
		}
	}
}

func TestTaiwanBadRowsAreAllReported(t *testing.T) {
	in := "西元日期,星期,是否放假,備註\n" +
		"20260101,四,2,開國紀念日\n" +
		"2026011,五,0,\n" + // row 3: short date
		"20260103,五,2,\n" + // row 4: Saturday written as Friday
		"20260104,日,1,\n" + // row 5: unknown flag
		"20260105,一\n" + // row 6: too few columns
		"20260106,二,0,,extra\n" + // row 7: stray column
		"20260101,四,0,\n" + // row 8: same date, different flag
		"20260101,四,2,開國紀念日\n" // row 9: same date, same meaning: fine
	_, err := ParseTaiwanCSV(strings.NewReader(in))
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v", err)
	}
	type at struct{ row, col int }
	var got []at
	for _, p := range ie.Problems {
		got = append(got, at{p.Line, p.Column})
	}
	want := []at{{3, 1}, {4, 2}, {5, 3}, {6, 0}, {7, 5}, {8, 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems at %v, want %v\n%v", got, want, err)
	}
	for _, s := range []string{"row 3, column 1 (date)", "2026-01-03 is a Saturday", "row 8", "also on row 2"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error lacks %q: %v", s, err)
		}
	}
}

func TestTaiwanNeverStoresReplacementCharacters(t *testing.T) {
	good := big5(t, []byte("20260101,四,2,開國紀念日\r\n20260102,五,0,\r\n"))
	// 0x80 is not a Big5 lead byte: the decoder turns it into U+FFFD.
	bad := append(append([]byte{}, good...), []byte("20260103,六,2,\x80\x80\r\n")...)
	_, err := ParseTaiwanCSV(bytes.NewReader(bad))
	if err == nil || !strings.Contains(err.Error(), "row 3, column 4 (note)") || !strings.Contains(err.Error(), "not Big5") {
		t.Errorf("Big5 with bad bytes: %v", err)
	}
	// A UTF-8 file that already holds U+FFFD is damaged too.
	_, err = ParseTaiwanCSV(strings.NewReader("20260101,四,2,開國\ufffd念日\n"))
	if err == nil || !strings.Contains(err.Error(), "row 1, column 4") {
		t.Errorf("UTF-8 with U+FFFD: %v", err)
	}
	// A byte-order mark promises UTF-8: bad bytes after it are not Big5.
	_, err = ParseTaiwanCSV(bytes.NewReader(append([]byte(bomUTF8), good...)))
	if err == nil || !strings.Contains(err.Error(), "byte-order mark") {
		t.Errorf("BOM then Big5: %v", err)
	}
}

func TestTaiwanWholeFileRefusals(t *testing.T) {
	for name, in := range map[string]string{
		"empty":        "",
		"header only":  "西元日期,星期,是否放假,備註\r\n",
		"UTF-16":       "\xff\xfe2\x000\x00",
		"broken quote": "20260101,四,2,\"開國紀念日\n20260102,五,0,\n",
	} {
		if days, err := ParseTaiwanCSV(strings.NewReader(in)); err == nil {
			t.Errorf("%s: accepted, %v", name, days)
		}
	}
}

func TestTaiwanWeekdaySpellings(t *testing.T) {
	in := "20260104,星期日,2,\n20260105,週一,0,\n20260111,天,2,\n"
	days, err := ParseTaiwanCSV(strings.NewReader(in))
	if err != nil || len(days) != 3 || days[0].Date.Weekday() != time.Sunday {
		t.Errorf("days = %v, err = %v", days, err)
	}
}

func FuzzParseTaiwanCSV(f *testing.F) {
	f.Add([]byte("20260101,四,2,開國紀念日\n20260117,六,0,補行上班\n"))
	f.Add(big5(f, []byte("西元日期,星期,是否放假,備註\n20260101,四,2,開國紀念日\n")))
	f.Add([]byte(bomUTF8 + "20260101,四,2,\"a,b\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		days, err := ParseTaiwanCSV(bytes.NewReader(data))
		if err != nil {
			return
		}
		if _, _, err := New(days); err != nil {
			t.Fatalf("parsed days do not build a calendar: %v", err)
		}
	})
}
