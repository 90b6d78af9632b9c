// Package redact keeps the secret values aztoken knows (a client secret, a
// CI request token, a managed identity header) out of text that came from
// outside: a server's error answer, a proxy's page, a tool's stderr. Such
// text is shown to users only after it has been through this package.
//
// The order matters: the whole text is scrubbed first and only then cut
// to an excerpt. Cutting first let a secret that straddled the cut survive
// as a prefix, which no longer matched the secret and so was printed.
package redact

import (
	"strings"
	"unicode/utf8"
)

// Mark stands where a secret was.
const Mark = "[REDACTED]"

// minLen is the shortest value scrubbed: shorter ones would match ordinary
// words and are not worth hiding.
const minLen = 4

// Scrub replaces every occurrence of each secret in text with Mark. Apply
// it to text that came from outside, never to aztoken's own sentences.
func Scrub(text string, secrets ...string) string {
	for _, s := range secrets {
		if len(s) >= minLen {
			text = strings.ReplaceAll(text, s, Mark)
		}
	}
	return text
}

// Excerpt is outside text made fit for one line of a message: scrubbed of
// secrets as a whole, its runs of white space folded into one space, and
// then cut to at most max characters (not bytes, so no UTF-8 sequence is
// split) with "…" where it was cut.
func Excerpt(text string, max int, secrets ...string) string {
	s := strings.Join(strings.Fields(Scrub(text, secrets...)), " ")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + "…"
}
