package source

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// What a tool writes to stderr is passed on to users, but it sometimes
// quotes a token (az has printed refresh tokens in errors). These patterns
// find anything that looks like one.
var (
	toolJWTLike = regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]*)?`)
	// A run of base64 or base64url characters, dots included: refresh
	// tokens look like "0.AXoA…".
	toolTokenLike = regexp.MustCompile(`[A-Za-z0-9+/=_.-]{40,}`)
	// A secret is one long unbroken stretch; ids and paths are short pieces
	// joined by '/', '-' or '.'.
	toolPieceSep = regexp.MustCompile(`[/.-]`)
)

const toolRedacted = "[redacted]"

// scrubToolOutput removes token-like strings from a tool's stderr.
func scrubToolOutput(s string) string {
	s = toolJWTLike.ReplaceAllString(s, toolRedacted)
	return toolTokenLike.ReplaceAllStringFunc(s, func(m string) string {
		for _, piece := range toolPieceSep.Split(m, -1) {
			if len(piece) >= 32 {
				return toolRedacted
			}
		}
		return m
	})
}

const (
	toolExcerptLines = 3
	toolExcerptRunes = 400
)

// toolExcerpt keeps the first meaningful lines of a tool's error, trimmed and
// joined, short enough for one line of a report.
func toolExcerpt(s string) string {
	var lines []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(strings.TrimRight(line, "\r"))
		if line == "" {
			continue
		}
		lines = append(lines, line)
		if len(lines) == toolExcerptLines {
			break
		}
	}
	out := strings.Join(lines, " ")
	if utf8.RuneCountInString(out) > toolExcerptRunes {
		r := []rune(out)
		out = string(r[:toolExcerptRunes]) + "…"
	}
	return out
}
