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

// Scrub replaces each secret in text with Mark. Apply it to text that came
// from outside, never to aztoken's own sentences.
//
// A secret that is a plain word ("client", "secret", "Invalid": letters
// only, as long as a word) cannot be told from the service's own words by
// its letters alone; replacing it everywhere turned Entra ID's
// "invalid_client" and "Invalid client secret provided." into nonsense.
// Such a secret is replaced where it stands as a value: a whole word right
// after "=", ":" or a quote, or right before a closing quote, which is how
// a service echoes a request (client_secret=..., "password":"..."). Any
// other secret is replaced wherever it occurs.
func Scrub(text string, secrets ...string) string {
	for _, s := range secrets {
		switch {
		case len(s) < minLen:
		case wordLike(s):
			text = scrubValues(text, s)
		default:
			text = strings.ReplaceAll(text, s, Mark)
		}
	}
	return text
}

// maxWordLen is the longest secret taken for a word: longer runs of
// letters are no word of any message.
const maxWordLen = 24

func wordLike(s string) bool {
	if len(s) > maxWordLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isWordByte(c byte) bool { return isLetter(c) || '0' <= c && c <= '9' || c == '_' }

// scrubValues replaces the occurrences of secret that stand as a value.
func scrubValues(text, secret string) string {
	var b strings.Builder
	rest := text
	for {
		i := strings.Index(rest, secret)
		if i < 0 {
			b.WriteString(rest)
			return b.String()
		}
		end := i + len(secret)
		var prev, next byte
		if i > 0 {
			prev = rest[i-1]
		} else if b.Len() > 0 {
			prev = b.String()[b.Len()-1]
		}
		if end < len(rest) {
			next = rest[end]
		}
		whole := !isWordByte(prev) && !isWordByte(next)
		value := strings.IndexByte("=:'\"`", prev) >= 0 && prev != 0 || strings.IndexByte("'\"`", next) >= 0 && next != 0
		b.WriteString(rest[:i])
		if whole && value {
			b.WriteString(Mark)
		} else {
			b.WriteString(secret)
		}
		rest = rest[end:]
	}
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
