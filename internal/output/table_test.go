package output

import (
	"strings"
	"testing"
)

func TestTableRender(t *testing.T) {
	green := func(s string) string { return "\x1b[32m" + s + "\x1b[0m" }
	red := func(s string) string { return "\x1b[31m" + s + "\x1b[0m" }

	var tb Table
	tb.AddRow("SOURCE", "STATUS", "TIME", "REASON")
	tb.AddRow("environment", red("failed"), "12ms", "AADSTS7000215: invalid client secret")
	tb.AddRow("mi", green("ok"), "1.2s", "")
	tb.AddRow("azure-cli", "unavailable", "3s", "az not found")
	tb.AddRow("pwsh")
	var b strings.Builder
	if err := tb.Render(&b); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"SOURCE       STATUS       TIME  REASON",
		"environment  " + red("failed") + "       12ms  AADSTS7000215: invalid client secret",
		"mi           " + green("ok") + "           1.2s",
		"azure-cli    unavailable  3s    az not found",
		"pwsh",
	}, "\n") + "\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	// Every line lines up once colour is stripped.
	plain := strings.Split(StripANSI(b.String()), "\n")
	col := strings.Index(plain[0], "STATUS")
	for _, line := range plain[1:4] {
		if len(line) < col || line[col-2:col] != "  " || line[col] == ' ' {
			t.Errorf("column STATUS not at %d in %q", col, line)
		}
	}
	if tb.Len() != 5 {
		t.Errorf("Len = %d", tb.Len())
	}
}

func TestTableUnicodeAndEmpty(t *testing.T) {
	var tb Table
	tb.AddRow("ñame", "x")
	tb.AddRow("ab", "y")
	var b strings.Builder
	if err := tb.Render(&b); err != nil {
		t.Fatal(err)
	}
	if want := "ñame  x\nab    y\n"; b.String() != want {
		t.Errorf("got %q want %q", b.String(), want)
	}

	var empty Table
	b.Reset()
	if err := empty.Render(&b); err != nil || b.Len() != 0 {
		t.Errorf("empty table wrote %q, %v", b.String(), err)
	}
}

func TestDisplayWidth(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"\x1b[32mok\x1b[0m", 2},
		{"\x1b[1;31mfailed\x1b[0m!", 7},
		{"\x1b[38;5;208mx\x1b[m", 1},
		{"é", 1},
		{"\x1b", 1}, // a lone escape is not a sequence
		{"\x1b[", 0},
	}
	for _, tt := range tests {
		if got := DisplayWidth(tt.in); got != tt.want {
			t.Errorf("DisplayWidth(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// Len is the number of rows added so far.
func (t *Table) Len() int { return len(t.rows) }
