// Package redacttest helps tests prove that no part of a secret reached
// text shown to users. Only tests import it.
package redacttest

import "strings"

// minPiece is the shortest piece of a secret that counts as shown.
const minPiece = 4

// Leaked returns the longest prefix or suffix of secret, at least four
// characters long, that text contains, or "" when it holds none: a cut
// made through a secret leaves one of those.
func Leaked(text, secret string) string {
	for n := len(secret); n >= minPiece; n-- {
		if strings.Contains(text, secret[:n]) {
			return secret[:n]
		}
		if strings.Contains(text, secret[len(secret)-n:]) {
			return secret[len(secret)-n:]
		}
	}
	return ""
}
