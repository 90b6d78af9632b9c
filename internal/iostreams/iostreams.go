// Package iostreams owns the process's standard streams and what can be
// said about them: whether each is a terminal, and whether colour may be
// used on it.
//
// Commands take an *IOStreams instead of touching os.Stdout, so tests give
// them buffers (Test) and decide for themselves whether "stdout is a
// terminal". The shape follows GitHub's gh CLI.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"github.com/aztoken/aztoken/internal/env"
	"github.com/mattn/go-isatty"
)

// IOStreams is the standard input, output and error of a command, with
// what is known about them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	// Env is where NO_COLOR, FORCE_COLOR and TERM are read from.
	Env env.Env

	// Terminal state, detected once by System or set by tests. Nothing
	// colours stderr, so only stdin's and stdout's are kept.
	stdinTTY, stdoutTTY bool

	// vt reports whether the console understands ANSI escapes; only
	// Windows consoles may not.
	vt bool
}

// System returns the process's real streams, with terminal state detected
// from their file descriptors.
func System(e env.Env) *IOStreams {
	s := &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		Env:       e,
		stdinTTY:  isTerminal(os.Stdin),
		stdoutTTY: isTerminal(os.Stdout),
	}
	// Both output streams usually share one console; enabling escape
	// processing on either is enough for a line written to that console.
	s.vt = enableVirtualTerminal(os.Stdout) && enableVirtualTerminal(os.Stderr)
	return s
}

// Test returns streams backed by buffers, none of them a terminal, with an
// empty environment. Tests make stdin a terminal with SetStdinTTY.
func Test() (s *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = new(bytes.Buffer), new(bytes.Buffer), new(bytes.Buffer)
	s = &IOStreams{
		In:     in,
		Out:    out,
		ErrOut: errOut,
		Env:    env.Map(nil),
		vt:     true,
	}
	return s, in, out, errOut
}

func isTerminal(f *os.File) bool {
	fd := f.Fd()
	return isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd)
}

// IsStdinTTY reports whether standard input is a terminal (so reading a
// token from it would wait for a person to type).
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// SetStdinTTY overrides terminal detection for standard input.
func (s *IOStreams) SetStdinTTY(v bool) { s.stdinTTY = v }

// ColorStdout reports whether colour may be written to standard output.
func (s *IOStreams) ColorStdout() bool { return s.vt && ColorEnabled(s.Env, s.stdoutTTY) }

// StdoutColors is the palette for standard output: real colours or none.
func (s *IOStreams) StdoutColors() Colors { return NewColors(s.ColorStdout()) }
