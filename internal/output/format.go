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
	"strings"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/usage"
)

// Format names a way of printing a token.
type Format string

// The formats, by the names users pass to -o/--output.
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

// DefaultEnvName is the variable the shell formats assign unless told
// otherwise with --env-name.
const DefaultEnvName = "AZURE_ACCESS_TOKEN"

var formats = []Format{Raw, JSON, Env, EnvNoExport, PowerShell, Fish, WindowsCmd, Header, ExecCredential}

// Formats lists every format name, the default first, for help text and
// shell completion.
func Formats() []string {
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = string(f)
	}
	return names
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

	var out string
	var err error
	switch f {
	case Raw, "":
		out, err = rawLine(t.AccessToken)
	case JSON:
		out, err = tokenJSONText(t, meta)
	case Env:
		out = "export " + name + "=" + posixQuote(t.AccessToken) + "\n"
	case EnvNoExport:
		out = name + "=" + posixQuote(t.AccessToken) + "\n"
	case PowerShell:
		out = "$Env:" + name + " = " + powershellQuote(t.AccessToken) + "\n"
	case Fish:
		out = "set -gx " + name + " " + fishQuote(t.AccessToken) + "\n"
	case WindowsCmd:
		out, err = cmdAssignment(name, t.AccessToken)
	case Header:
		out, err = headerLine(t)
	case ExecCredential:
		out, err = execCredentialJSON(t, meta.ExecInfo)
	default:
		return usage.Errorf("unknown output format %q: use one of %s", string(f), strings.Join(Formats(), ", "))
	}
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, out)
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
