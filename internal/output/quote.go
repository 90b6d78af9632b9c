package output

import (
	"errors"
	"strconv"
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

// The assignments of the formats that assign a variable. name has passed
// ValidEnvName, so it needs no quoting.

func exportAssignment(name, value string) (string, error) {
	return "export " + name + "=" + posixQuote(value) + "\n", nil
}

func posixAssignment(name, value string) (string, error) {
	return name + "=" + posixQuote(value) + "\n", nil
}

func powershellAssignment(name, value string) (string, error) {
	return "$Env:" + name + " = " + powershellQuote(value) + "\n", nil
}

func fishAssignment(name, value string) (string, error) {
	return "set -gx " + name + " " + fishQuote(value) + "\n", nil
}

// posixEcho is a masking line as a statement of the POSIX shells and fish
// (whose unquoted \' is a quote, so the POSIX quoting reads the same).
func posixEcho(line string) string { return "echo " + posixQuote(line) }

// envFileAssignment is a line of docker run --env-file, which takes
// everything after the first = literally, quotes included, and has no
// escapes: a value with a line break cannot be written.
func envFileAssignment(name, value string) (string, error) {
	if strings.ContainsAny(value, "\r\n\x00") {
		return "", errors.New("the value of " + name + " holds a line break, which docker's --env-file cannot carry; use --print-env env")
	}
	return name + "=" + value + "\n", nil
}

// composeHeader and composeAssignment are the environment: entry of a
// service in a compose file, indented to sit under the service's name.
// The value is a YAML double-quoted string (Go's quoting is a subset of
// YAML's escapes), and $ is doubled because compose interpolates it.
const composeHeader = "    environment:\n"

func composeAssignment(name, value string) (string, error) {
	return "      " + name + ": " + strings.ReplaceAll(strconv.Quote(value), "$", "$$") + "\n", nil
}
