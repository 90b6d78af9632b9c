package human

import (
	"strings"
	"testing"
)

func TestLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text, nothing to do", "plain text, nothing to do"},
		{"tenant contoso.onmicrosoft.com", "tenant contoso.onmicrosoft.com"},
		{"red \x1b[31mALERT\x1b[0m done", "red ALERT done"},
		{"clear\x1b[2J\x1b[Hscreen", "clearscreen"},
		{"title \x1b]0;pwned\x07after", "title after"},
		{"title \x1b]0;pwned\x1b\\after", "title after"},
		{"link \x1b]8;;http://x\x1b\\text\x1b]8;;\x1b\\", "link text"},
		{"c1 csi \u009b31mred", "c1 csi red"},
		{"two\nlines\r\nand\ttab", "two lines  and tab"},
		{"bell\x07 and nul\x00 and del\x7f", "bell and nul and del"},
		{"bidi \u202eevil\u202c ok", "bidi evil ok"},
		{"bad utf8 \xff\xfe end", "bad utf8  end"},
		{"trailing escape \x1b", "trailing escape "},
		{"unicode café ✓", "unicode café ✓"},
	}
	for _, tt := range tests {
		if got := Line(tt.in); got != tt.want {
			t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestText(t *testing.T) {
	in := "unknown command \"x\x1b[2J\"\nDid you mean this?\n\tget\r\n"
	want := "unknown command \"x\"\nDid you mean this?\n\tget\n"
	if got := Text(in); got != want {
		t.Errorf("Text(%q) = %q, want %q", in, got, want)
	}
}

func TestQuote(t *testing.T) {
	if got := Quote("abc\x1b[2J"); got != `"abc\x1b[2J"` {
		t.Errorf("Quote escapes: %s", got)
	}
	long := strings.Repeat("x", 100000)
	got := Quote(long)
	if want := `"` + strings.Repeat("x", 64) + `"… (100000 bytes)`; got != want {
		t.Errorf("Quote(long) = %s", got)
	}
}
