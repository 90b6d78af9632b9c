package iostreams

import (
	"context"
	"strings"
	"testing"
)

// readLine collects a line as a terminal out of canonical mode hands it
// over: byte by byte, with the line's end and Backspace as bytes.
func TestReadLine(t *testing.T) {
	for _, tt := range []struct {
		name, in, want string
		max            int
	}{
		{"newline", "abc\ndef", "abc", 100},
		{"Enter as CR", "abc\rdef", "abc", 100},
		{"Ctrl-D ends it", "abc\x04def", "abc", 100},
		{"EOF without an end", "abc", "abc", 100},
		{"Backspace and Delete", "abx\x7fc\x08\x08bc\n", "abc", 100},
		{"Backspace at the start", "\x7f\x08abc\n", "abc", 100},
		{"stops after max", "abcdef\n", "abcd", 4},
		{"longer than any canonical line", strings.Repeat("a", 5000) + "\n", strings.Repeat("a", 5000), 1 << 16},
	} {
		got, err := readLine(strings.NewReader(tt.in), tt.max)
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: readLine = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

// From anything but a terminal file (tests' buffers) the line is read
// as it comes, with nothing printed.
func TestReadTerminalLineFromABuffer(t *testing.T) {
	s, in, _, errOut := Test()
	s.SetStdinTTY(true)
	in.WriteString("token\nrest")
	got, err := s.ReadTerminalLine(context.Background(), 100)
	if err != nil || string(got) != "token" || errOut.Len() != 0 {
		t.Fatalf("ReadTerminalLine = %q, %v (stderr %q); want %q", got, err, errOut, "token")
	}
	if in.String() != "rest" {
		t.Errorf("it read past the line: %q is left", in)
	}
}
