package planfile

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

// legacyEncodings are the encodings a PoC may name for a CSV file that is not
// UTF-8 (old Excel exports on Windows, Big5 in Taiwan).
var legacyEncodings = map[string]encoding.Encoding{
	"windows-1252": charmap.Windows1252,
	"cp1252":       charmap.Windows1252,
	"iso-8859-1":   charmap.ISO8859_1,
	"latin1":       charmap.ISO8859_1,
	"latin-1":      charmap.ISO8859_1,
	"big5":         traditionalchinese.Big5,
}

const (
	bomUTF8    = "\xef\xbb\xbf"
	bomUTF16LE = "\xff\xfe"
	bomUTF16BE = "\xfe\xff"
)

// decode turns a CSV file into UTF-8 text. It does not judge the text: cells
// with bad bytes or U+FFFD are found later, once rows and columns are known.
func decode(data []byte, name string) (string, error) {
	key := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "_", "-")
	if key == "" || key == "utf-8" || key == "utf8" {
		switch {
		case bytes.HasPrefix(data, []byte(bomUTF8)):
			return string(data[len(bomUTF8):]), nil
		case bytes.HasPrefix(data, []byte(bomUTF16LE)), bytes.HasPrefix(data, []byte(bomUTF16BE)):
			// Excel's "Unicode text" and some Windows tools write UTF-16.
			out, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(data)
			if err != nil {
				return "", fmt.Errorf("decoding UTF-16: %w", err)
			}
			return string(out), nil
		}
		return string(data), nil
	}
	enc, ok := legacyEncodings[key]
	if !ok {
		return "", fmt.Errorf("unknown encoding %q: use \"\" (UTF-8), \"windows-1252\", \"iso-8859-1\" or \"big5\"", name)
	}
	// Decoding UTF-8 as a legacy encoding garbles every accent ("é" becomes
	// "Ã©") without any error, so a file that is plainly UTF-8 is refused.
	if bytes.HasPrefix(data, []byte(bomUTF8)) {
		return "", fmt.Errorf("the file starts with a UTF-8 byte order mark, so it is UTF-8, not %s: import it without an encoding", name)
	}
	if utf8.Valid(data) && !isASCII(data) {
		return "", fmt.Errorf("the file is valid UTF-8 with accented or other non-ASCII text, so it is not %s: import it without an encoding", name)
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return "", fmt.Errorf("decoding %s: %w", name, err)
	}
	return string(out), nil
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// encodingProblem says why a cell's text shows the file was decoded wrongly
// or was already damaged, or "".
func encodingProblem(s, encodingName string) string {
	if !utf8.ValidString(s) {
		return "the text is not valid UTF-8, so the file is in another encoding: import it again naming its encoding (for example windows-1252 for an Excel export on Windows, or big5)"
	}
	if strings.ContainsRune(s, utf8.RuneError) {
		if encodingName != "" {
			return fmt.Sprintf("decoding the file as %s gave an unknown character (U+FFFD): the file is probably in another encoding", encodingName)
		}
		return "the text contains U+FFFD replacement characters (shown as a question mark in a diamond): it was damaged before this file was made; fix the text at its source"
	}
	return ""
}

// controlProblem reports control characters, which no plan text holds and
// which usually mean a wrong encoding.
func controlProblem(s string) string {
	for _, r := range s {
		switch {
		case r == 0:
			return "the text contains NUL characters: the file may be UTF-16 without a byte order mark; save it as UTF-8"
		case r >= 0x80 && r <= 0x9f:
			return fmt.Sprintf("the text contains control character U+%04X: the file is probably Windows-1252 rather than ISO-8859-1", r)
		case r < 0x20 && r != '\n' && r != '\t':
			return fmt.Sprintf("the text contains control character U+%04X", r)
		}
	}
	return ""
}
