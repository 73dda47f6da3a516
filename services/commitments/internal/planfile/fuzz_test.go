package planfile

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzParseCSV checks that no file makes the parser panic, and that a file
// is either a plan or a rejection, never both.
func FuzzParseCSV(f *testing.F) {
	real, err := readRealFile()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(real, "")
	f.Add([]byte(big5Plan), "")
	f.Add([]byte(big5Plan[:300]), "big5")
	f.Add([]byte("\xff\xfe"), "")
	f.Fuzz(func(t *testing.T, data []byte, enc string) {
		p, err := ParseCSV(bytes.NewReader(data), Options{Encoding: enc})
		if (p == nil) == (err == nil) {
			t.Fatalf("plan %v with error %v", p != nil, err)
		}
		var ve *ValidationError
		if errors.As(err, &ve) && len(ve.Errors) == 0 {
			t.Fatal("a ValidationError without errors")
		}
	})
}
