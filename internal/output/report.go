package output

import (
	"encoding/json"
	"io"
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
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
