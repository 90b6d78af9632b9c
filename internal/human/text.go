package human

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Line makes text from outside (an Entra ID error description, a
// managed-identity endpoint's message, a tool's stderr, an id the user
// typed) safe to put on one line of a terminal: escape sequences are
// removed whole, so a crafted message cannot move the cursor, recolour
// the screen, retitle the window or hide text; line breaks and tabs become
// spaces; other control characters (C0, DEL, C1), bidirectional overrides
// and invalid UTF-8 are dropped.
func Line(s string) string { return clean(s, false) }

// Text is Line for text of several lines, such as a usage message: line
// breaks and tabs are kept, everything else is cleaned as Line does.
func Text(s string) string { return clean(s, true) }

func clean(s string, keepBreaks bool) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0x1b || r == 0x9b:
			i += escapeLen(s[i:])
			continue
		case keepBreaks && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case keepBreaks && r == '\r':
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case r == utf8.RuneError && size == 1:
		case Hidden(r):
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func isPlain(s string) bool {
	for _, r := range s {
		if r < 0x20 || r >= 0x7f {
			return false
		}
	}
	return true
}

// Hidden reports the characters that a view of outside text must not
// write as they are: control characters (C0, DEL, C1), which drive the
// terminal, and the bidirectional formatting characters, which make it
// show text in another order than it is (U+202E turns "evil\u202egnp.exe"
// into what reads as "evilexe.png"). Line drops them; views that must keep
// the value whole escape them instead.
func Hidden(r rune) bool { return unicode.IsControl(r) || isBidi(r) }

// isBidi reports the formatting characters that reorder text on screen
// (the "Trojan Source" characters).
func isBidi(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}

// escapeLen is the length of the escape sequence at the start of s: CSI
// (ESC [ or 0x9b, parameters, a final byte), OSC, DCS, SOS, PM and APC
// strings (ending in BEL or ESC \), or ESC and one more character.
func escapeLen(s string) int {
	r, n := utf8.DecodeRuneInString(s)
	if r == 0x9b {
		return n + csiLen(s[n:])
	}
	// ESC
	if len(s) < 2 {
		return 1
	}
	switch s[1] {
	case '[':
		return 2 + csiLen(s[2:])
	case ']', 'P', 'X', '^', '_':
		for i := 2; i < len(s); i++ {
			if s[i] == 0x07 {
				return i + 1
			}
			if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
		}
		return len(s)
	}
	_, m := utf8.DecodeRuneInString(s[1:])
	return 1 + m
}

// csiLen is the length of a CSI sequence's parameters and final byte.
func csiLen(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x40 && c <= 0x7e {
			return i + 1
		} else if c < 0x20 || c > 0x3f && c < 0x40 {
			return i
		}
	}
	return len(s)
}

// maxQuoted bounds how much of a value a message echoes back.
const maxQuoted = 64

// Quote writes a value the user gave for an error message: quoted, with
// control characters escaped, and cut to its first 64 characters with a
// note of its length, so a pasted megabyte does not become the message.
func Quote(s string) string {
	r := []rune(s)
	if len(r) <= maxQuoted {
		return strconv.Quote(s)
	}
	return strconv.Quote(string(r[:maxQuoted])) + "… (" + strconv.Itoa(len(s)) + " bytes)"
}
