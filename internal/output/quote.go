package output

import (
	"errors"
	"strings"
)

// Tokens from Entra ID are JWTs or base64 blobs and never hold a quote, but
// the quoting below is complete anyway: a value that escapes its quotes in
// an eval'd line runs as code.

// posixQuote quotes s for sh, bash and zsh. Inside single quotes nothing
// is special except the closing quote, so each quote closes the string,
// adds an escaped quote and reopens it:
//
//	it's  ->  'it'\''s'
func posixQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// powershellQuote quotes s as a PowerShell verbatim string, where a quote
// is written twice. PowerShell also takes the typographic single quotes
// (U+2018, U+2019, U+201A, U+201B) as quote marks, so those are doubled
// too; otherwise one of them would end the string.
func powershellQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\u2018', '\u2019', '\u201A', '\u201B':
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

// fishQuote quotes s for fish, whose single quotes honour two escapes:
// \' and \\.
func fishQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(s) + "'"
}

// cmdSafe is what cmd.exe's "set NAME=value" takes literally. cmd has no
// quoting that works for set in both a prompt and a batch file (quotes
// become part of the value, % expands in batch files, ! expands under
// delayed expansion, ^&|<> are operators), so anything else is refused
// rather than mis-quoted.
func cmdSafe(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return true
	}
	return strings.ContainsRune("-._~+/=:,#$@*?[]{}", r)
}

func cmdAssignment(name, value string) (string, error) {
	for _, r := range value {
		if !cmdSafe(r) {
			return "", errors.New("the token holds characters that cmd.exe cannot take literally in a set command; use -o powershell or -o raw instead")
		}
	}
	return "set " + name + "=" + value + "\n", nil
}
