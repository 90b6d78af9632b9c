// Package output turns a token into the bytes a script asked for (raw, JSON,
// shell assignments, an HTTP header, a kubectl ExecCredential), and holds
// the small helpers that make output for people readable: aligned tables,
// and the lines that tell a CI system to mask a token. (Durations for
// people are internal/human's.)
//
// Everything here writes to an io.Writer it is given; nothing here decides
// which stream that is.
package output

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/usage"
)

// Format names a way of printing a token.
type Format string

// The token formats, by the names users pass to -o/--output.
const (
	Raw            Format = "raw"             // the token and a newline
	JSON           Format = "json"            // az-compatible JSON
	Env            Format = "env"             // export NAME='token' (POSIX shells)
	EnvNoExport    Format = "env-no-export"   // NAME='token'
	PowerShell     Format = "powershell"      // $Env:NAME = 'token'
	Fish           Format = "fish"            // set -gx NAME 'token'
	WindowsCmd     Format = "windows-cmd"     // set NAME=token
	Header         Format = "header"          // Authorization: Bearer token
	ExecCredential Format = "exec-credential" // kubectl's ExecCredential JSON
)

// The formats that only assign variables: serve --print-env's, not a token's.
const (
	EnvFile Format = "env-file" // NAME=value, as docker run --env-file reads it
	Compose Format = "compose"  // the environment: entry of a compose service
)

// DefaultEnvName is the variable the shell formats assign unless told
// otherwise with --env-name.
const DefaultEnvName = "AZURE_ACCESS_TOKEN"

// formatRules is what each format is, in one place: how it assigns a
// variable (the shell formats; nil for the others) and how a CI masking
// line goes before its token (nil: the format's reader parses the whole
// output, so nothing may come first; refusal says what to do instead).
type formatRules struct {
	assign  func(name, value string) (string, error)
	echo    func(line string) string
	refusal string
}

var rules = map[Format]formatRules{
	Raw:         {echo: func(line string) string { return line }},
	JSON:        {refusal: maskOwnStep},
	Env:         {assign: exportAssignment, echo: posixEcho},
	EnvNoExport: {assign: posixAssignment, echo: posixEcho},
	PowerShell:  {assign: powershellAssignment, echo: func(line string) string { return "Write-Output " + powershellQuote(line) }},
	Fish:        {assign: fishAssignment, echo: posixEcho},
	// cmd's echo prints the rest of the line as it is; MaskLine's
	// escapes leave nothing cmd would read as an operator in a token.
	WindowsCmd:     {assign: cmdAssignment, echo: func(line string) string { return "echo " + line }},
	Header:         {refusal: maskOwnStep},
	ExecCredential: {refusal: "kubectl does not log what an exec plugin prints, so drop --mask"},
	EnvFile:        {assign: envFileAssignment},
	Compose:        {assign: composeAssignment},
}

// maskOwnStep is the way out for a format that cannot take a masking line.
const maskOwnStep = `register the mask in a step of its own: eval "$(aztoken get --mask -o env)", then use $AZURE_ACCESS_TOKEN`

var formats = []Format{Raw, JSON, Env, EnvNoExport, PowerShell, Fish, WindowsCmd, Header, ExecCredential}

// Formats lists every token format name, the default first, for help text
// and shell completion.
func Formats() []string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = string(f)
	}
	return names
}

// Assigning lists the token formats that assign a variable (--env-name's).
func Assigning() []string {
	var out []string
	for _, f := range formats {
		if rules[f].assign != nil {
			out = append(out, string(f))
		}
	}
	return out
}

// Meta is what the formats need besides the token itself.
type Meta struct {
	// Source is the canonical name of the source that gave the token
	// ("azure-cli"), shown in JSON.
	Source string
	// Scopes are the scopes the token was asked for, shown in JSON.
	Scopes []string
	// EnvName is the variable the shell formats assign; empty means
	// DefaultEnvName.
	EnvName string
	// ExecInfo is the value of KUBERNETES_EXEC_INFO, which says which
	// ExecCredential version kubectl wants; empty means v1.
	ExecInfo string
	// Mask is the CI system to tell to mask the token (--mask): its line
	// comes first, as a statement of the format (CheckMask says which
	// formats can take one). CINone writes none.
	Mask CI
}

// WriteToken writes t to w in format f. It checks everything it can before
// writing, so on error nothing has been written and stdout stays empty.
// Errors never contain the token.
func WriteToken(w io.Writer, f Format, t chain.Token, meta Meta) error {
	if t.AccessToken == "" {
		return errors.New("the source returned an empty token; nothing to print")
	}
	name := meta.EnvName
	if name == "" {
		name = DefaultEnvName
	}
	if err := ValidEnvName(name); err != nil {
		return err
	}
	if f == "" {
		f = Raw
	}
	r, ok := rules[f]
	if !ok || !slices.Contains(formats, f) {
		return usage.Errorf("unknown output format %q: use one of %s", string(f), strings.Join(Formats(), ", "))
	}
	var out string
	var err error
	switch {
	case f == Raw:
		out, err = rawLine(t.AccessToken)
	case f == JSON:
		out, err = tokenJSONText(t, meta)
	case f == Header:
		out, err = headerLine(t)
	case f == ExecCredential:
		out, err = execCredentialJSON(t, meta.ExecInfo)
	default:
		out, err = r.assign(name, t.AccessToken)
	}
	if err != nil {
		return err
	}
	if meta.Mask != CINone {
		if err := CheckMask(f); err != nil {
			return err
		}
		if line := strings.TrimSuffix(MaskLine(meta.Mask, t.AccessToken), "\n"); line != "" {
			out = r.echo(line) + "\n" + out
		}
	}
	_, err = io.WriteString(w, out)
	return err
}

// Var is one variable for WriteVars.
type Var struct{ Name, Value string }

// WriteVars writes assignments of vars in f, one of the formats that
// assign variables (the shell formats, EnvFile, Compose), all or nothing.
func WriteVars(w io.Writer, f Format, vars []Var) error {
	r := rules[f]
	if r.assign == nil {
		return fmt.Errorf("%q is not a format that assigns variables", string(f))
	}
	var b strings.Builder
	if f == Compose {
		b.WriteString(composeHeader)
	}
	for _, v := range vars {
		if err := ValidEnvName(v.Name); err != nil {
			return err
		}
		line, err := r.assign(v.Name, v.Value)
		if err != nil {
			return err
		}
		b.WriteString(line)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// rawLine refuses a token with a line break: the reader of raw output takes
// the first line, and would silently get part of a token.
func rawLine(token string) (string, error) {
	if strings.ContainsAny(token, "\r\n") {
		return "", errors.New("the token contains a line break and cannot be printed as one line; use -o json")
	}
	return token + "\n", nil
}

// headerLine refuses line breaks, which would let a token add headers of
// its own to a request built from this line.
func headerLine(t chain.Token) (string, error) {
	if strings.ContainsAny(t.AccessToken, "\r\n") {
		return "", errors.New("the token contains a line break and cannot be sent as a header")
	}
	typ := t.TokenType
	if typ == "" || strings.EqualFold(typ, "bearer") {
		// Entra ID answers "Bearer" in any case; print it the way RFC 6750 does.
		typ = "Bearer"
	}
	if strings.ContainsAny(typ, " \t\r\n:") {
		return "", fmt.Errorf("the token type %q cannot be used in an Authorization header", typ)
	}
	return "Authorization: " + typ + " " + t.AccessToken + "\n", nil
}
