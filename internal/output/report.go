package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/aztoken/aztoken/internal/human"
)

// The formats of the report commands (probe, explain, whoami, decode,
// cache list): for people, as text or a table, or as JSON for scripts.
const (
	ReportText  = "text"
	ReportTable = "table"
	ReportJSON  = "json"
)

// ReportFormats are the -o choices of a report whose form for people is
// human (ReportText or ReportTable), that one first: the default.
func ReportFormats(human string) []string { return []string{human, ReportJSON} }

// WriteReport writes a report in format: v as indented JSON for
// ReportJSON, the same for every command; otherwise what text writes.
func WriteReport(w io.Writer, format string, v any, text func(io.Writer) error) error {
	if format != ReportJSON {
		return text(w)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(escapeHidden(b.Bytes()))
	return err
}

// escapeHidden writes, as \uXXXX escapes, the characters that the text
// views quote (human.Hidden) and encoding/json leaves as they are: C1
// controls, DEL and the bidirectional formatting characters, which would
// otherwise reorder or drive a terminal showing the JSON. Outside strings
// JSON holds only ASCII punctuation and white space, which are kept.
func escapeHidden(b []byte) []byte {
	if !bytes.ContainsFunc(b, hiddenInString) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if hiddenInString(r) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, b[:n]...)
		}
		b = b[n:]
	}
	return out
}

// hiddenInString: the layout's own line breaks and indentation are not.
func hiddenInString(r rune) bool {
	return r != '\n' && r != '\t' && r != '\r' && human.Hidden(r)
}
