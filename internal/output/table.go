package output

import (
	"io"
	"strings"
	"unicode/utf8"
)

// Table lays rows out in columns for people: each column as wide as its
// widest cell, two spaces between columns, no trailing spaces. Widths are
// measured without ANSI colour codes, so coloured cells line up with plain
// ones. The zero value is an empty table ready for rows.
type Table struct {
	rows [][]string
}

// AddRow appends a row. Rows may have different numbers of cells.
func (t *Table) AddRow(cells ...string) {
	t.rows = append(t.rows, cells)
}

// Render writes the table to w.
func (t *Table) Render(w io.Writer) error {
	var widths []int
	for _, row := range t.rows {
		for i, cell := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], DisplayWidth(cell))
		}
	}
	var b strings.Builder
	for _, row := range t.rows {
		// The last non-empty cell ends the line, so no trailing padding.
		last := len(row) - 1
		for last >= 0 && row[last] == "" {
			last--
		}
		for i := 0; i <= last; i++ {
			b.WriteString(row[i])
			if i < last {
				b.WriteString(strings.Repeat(" ", widths[i]-DisplayWidth(row[i])+2))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// DisplayWidth is how many columns s takes on a terminal: its runes, not
// counting ANSI escape sequences (CSI "ESC [ ... final byte" such as the
// colours of package iostreams).
func DisplayWidth(s string) int {
	return utf8.RuneCountInString(StripANSI(s))
}

// StripANSI removes ANSI CSI escape sequences from s.
func StripANSI(s string) string {
	if !strings.Contains(s, "\x1b") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			// Skip parameter and intermediate bytes up to the final byte
			// (0x40–0x7E).
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
