package iostreams

import (
	"fmt"
	"testing"

	"github.com/aztoken/aztoken/internal/env"
)

func TestColorEnabled(t *testing.T) {
	tests := []struct {
		name     string
		vars     map[string]string
		terminal bool
		want     bool
	}{
		{"terminal", nil, true, true},
		{"pipe", nil, false, false},
		{"NO_COLOR on terminal", map[string]string{"NO_COLOR": "1"}, true, false},
		{"NO_COLOR any value", map[string]string{"NO_COLOR": "false"}, true, false},
		{"NO_COLOR empty is unset", map[string]string{"NO_COLOR": ""}, true, true},
		{"FORCE_COLOR on pipe", map[string]string{"FORCE_COLOR": "1"}, false, true},
		{"FORCE_COLOR true", map[string]string{"FORCE_COLOR": "true"}, false, true},
		{"FORCE_COLOR 0 does not force", map[string]string{"FORCE_COLOR": "0"}, false, false},
		{"FORCE_COLOR 0 leaves terminal alone", map[string]string{"FORCE_COLOR": "0"}, true, true},
		{"FORCE_COLOR empty does not force", map[string]string{"FORCE_COLOR": ""}, false, false},
		{"FORCE_COLOR beats NO_COLOR", map[string]string{"FORCE_COLOR": "1", "NO_COLOR": "1"}, false, true},
		{"TERM=dumb", map[string]string{"TERM": "dumb"}, true, false},
		{"TERM=xterm", map[string]string{"TERM": "xterm-256color"}, true, true},
		{"FORCE_COLOR beats TERM=dumb", map[string]string{"TERM": "dumb", "FORCE_COLOR": "1"}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ColorEnabled(env.Map(tt.vars), tt.terminal); got != tt.want {
				t.Errorf("ColorEnabled(%v, terminal=%v) = %v, want %v", tt.vars, tt.terminal, got, tt.want)
			}
		})
	}
}

func TestColorEnabledEmptyEnv(t *testing.T) {
	if !ColorEnabled(env.Env{}, true) || ColorEnabled(env.Env{}, false) {
		t.Error("an empty environment should follow the terminal")
	}
}

func TestTestStreams(t *testing.T) {
	s, in, out, errOut := Test()
	if s.IsStdinTTY() || s.stdoutTTY {
		t.Fatal("Test streams should start as non-terminals")
	}
	if s.ColorStdout() {
		t.Fatal("no colour on non-terminals")
	}
	in.WriteString("input")
	buf := make([]byte, 5)
	if n, _ := s.In.Read(buf); string(buf[:n]) != "input" {
		t.Errorf("In reads %q", buf[:n])
	}
	fmt.Fprint(s.Out, "o")
	fmt.Fprint(s.ErrOut, "e")
	if out.String() != "o" || errOut.String() != "e" {
		t.Errorf("out=%q errOut=%q", out, errOut)
	}

	s.stdoutTTY = true
	s.SetStdinTTY(true)
	if !s.stdoutTTY || !s.IsStdinTTY() || !s.ColorStdout() {
		t.Error("overrides should take effect")
	}
	s.Env = env.Map(map[string]string{"NO_COLOR": "1"})
	if s.ColorStdout() || s.StdoutColors().on {
		t.Error("NO_COLOR should turn colour off on terminals")
	}
	s.Env = env.Map(map[string]string{"FORCE_COLOR": "1"})
	s.stdoutTTY = false
	if !s.StdoutColors().on {
		t.Error("FORCE_COLOR should colour a pipe")
	}
}

func TestColors(t *testing.T) {
	on, off := NewColors(true), NewColors(false)
	tests := []struct {
		name    string
		got     string
		want    string
		plainOf string
	}{
		{"green", on.Green("ok"), "\x1b[32mok\x1b[0m", off.Green("ok")},
		{"yellow", on.Yellow("x"), "\x1b[33mx\x1b[0m", off.Yellow("x")},
		{"red", on.Red("x"), "\x1b[31mx\x1b[0m", off.Red("x")},
		{"dim", on.Dim("x"), "\x1b[2mx\x1b[0m", off.Dim("x")},
		{"status ok", on.Status("ok"), "\x1b[32mok\x1b[0m", off.Status("ok")},
		{"status unavailable", on.Status("unavailable"), "\x1b[33munavailable\x1b[0m", off.Status("unavailable")},
		{"status timed out", on.Status("timed out"), "\x1b[33mtimed out\x1b[0m", off.Status("timed out")},
		{"status failed", on.Status("failed"), "\x1b[31mfailed\x1b[0m", off.Status("failed")},
		{"status not tried", on.Status("not tried"), "\x1b[2mnot tried\x1b[0m", off.Status("not tried")},
		{"status other", on.Status("weird"), "weird", off.Status("weird")},
		{"empty stays empty", on.Red(""), "", off.Red("")},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
		if plain := ansiFree(tt.want); tt.plainOf != plain {
			t.Errorf("%s with colour off: got %q, want %q", tt.name, tt.plainOf, plain)
		}
	}
	var zero Colors
	if zero.on || zero.Green("a") != "a" {
		t.Error("the zero palette should be off")
	}
}

// ansiFree drops the escapes this package writes, to derive the plain text.
func ansiFree(s string) string {
	out := []rune{}
	skip := false
	for _, r := range s {
		switch {
		case r == '\x1b':
			skip = true
		case skip && r == 'm':
			skip = false
		case !skip:
			out = append(out, r)
		}
	}
	return string(out)
}
