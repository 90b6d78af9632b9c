package iostreams

import "github.com/aztoken/aztoken/internal/env"

// ColorEnabled decides whether to colour a stream, given whether it is a
// terminal.
//
// The rules, first match wins:
//   - FORCE_COLOR set to anything but "" or "0" turns colour on, even when
//     the stream is a file or pipe (CI logs render colour; force-color.org).
//     It wins over NO_COLOR because it is the more specific request, as in
//     Node.js and gh.
//   - NO_COLOR set to any non-empty value turns colour off (no-color.org).
//   - TERM=dumb turns colour off: such terminals print escapes literally.
//   - Otherwise colour is on only on a terminal.
func ColorEnabled(e env.Env, terminal bool) bool {
	if v := e.Get("FORCE_COLOR"); v != "" && v != "0" {
		return true
	}
	if e.Get("NO_COLOR") != "" {
		return false
	}
	if e.Get("TERM") == "dumb" {
		return false
	}
	return terminal
}

// Colors wraps text in ANSI colour codes, or leaves it alone when colour is
// off. The zero value is off.
type Colors struct{ on bool }

// NewColors returns a palette that colours when on is true.
func NewColors(on bool) Colors { return Colors{on: on} }

const reset = "\x1b[0m"

func (c Colors) wrap(code, s string) string {
	if !c.on || s == "" {
		return s
	}
	return code + s + reset
}

// Green is for success.
func (c Colors) Green(s string) string { return c.wrap("\x1b[32m", s) }

// Yellow is for warnings and sources that are unavailable.
func (c Colors) Yellow(s string) string { return c.wrap("\x1b[33m", s) }

// Red is for failures.
func (c Colors) Red(s string) string { return c.wrap("\x1b[31m", s) }

// Dim is for secondary detail, such as durations and hints.
func (c Colors) Dim(s string) string { return c.wrap("\x1b[2m", s) }

// Status colours a source outcome's status word (chain.Status.String) by
// what it means: "ok" green, "unavailable" and "timed out" yellow, "failed"
// red, "not tried" dim. Other words are left alone.
func (c Colors) Status(status string) string {
	switch status {
	case "ok":
		return c.Green(status)
	case "unavailable", "timed out":
		return c.Yellow(status)
	case "failed":
		return c.Red(status)
	case "not tried":
		return c.Dim(status)
	}
	return status
}
