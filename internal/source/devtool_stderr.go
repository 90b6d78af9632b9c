package source

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/aztoken/aztoken/internal/redact"
)

// What a tool writes to stderr is passed on to users, but it sometimes
// quotes a token (az has printed refresh tokens in errors). These patterns
// find anything that looks like one. They are compiled on first use, not
// at every start of aztoken: a cached get never reads a tool's stderr.
type toolPatterns struct {
	jwtLike *regexp.Regexp
	// A run of base64 or base64url characters, dots included: refresh
	// tokens look like "0.AXoA…"; '%' for their URL-encoded form, '~' for
	// Azure's client secrets.
	tokenLike *regexp.Regexp
	// Azure's client secrets since 2021: three characters, a digit, "Q~",
	// then 31 to 34 more, which '.' and '-' may split into short pieces.
	azureSecret *regexp.Regexp
	// A secret given as a form or query parameter, as an HTTP trace shows it.
	secretParam *regexp.Regexp
	// A secret is one long unbroken stretch; ids and paths are short pieces
	// joined by '/', '-' or '.'.
	pieceSep *regexp.Regexp
}

var toolRE = sync.OnceValue(func() *toolPatterns {
	return &toolPatterns{
		jwtLike:     regexp.MustCompile(`eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]*)?`),
		tokenLike:   regexp.MustCompile(`[A-Za-z0-9+/=_.~%-]{40,}`),
		azureSecret: regexp.MustCompile(`[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}`),
		secretParam: regexp.MustCompile(`(?i)\b(refresh_token|access_token|id_token|client_secret|client_assertion|password|code)=[^&\s"']+`),
		pieceSep:    regexp.MustCompile(`[/.-]`),
	}
})

const toolRedacted = redact.Mark

// scrubToolOutput removes from a tool's stderr the secret values we know
// (known, from toolSecrets) and anything shaped like a token or a secret.
// Shapes alone miss a password or a short secret, so the values themselves
// go first.
func scrubToolOutput(s string, known []string) string {
	s = redact.Scrub(s, known...)
	re := toolRE()
	s = re.secretParam.ReplaceAllString(s, "${1}="+toolRedacted)
	s = re.jwtLike.ReplaceAllString(s, toolRedacted)
	s = re.azureSecret.ReplaceAllString(s, toolRedacted)
	return re.tokenLike.ReplaceAllStringFunc(s, func(m string) string {
		for _, piece := range re.pieceSep.Split(m, -1) {
			if len(piece) >= 32 {
				return toolRedacted
			}
		}
		return m
	})
}

// toolSecrets are the secret values a tool's stderr could echo: those of
// the variables it inherits whose names say they hold a secret
// (AZURE_CLIENT_SECRET, AZURE_PASSWORD, IDENTITY_HEADER, ARM_ACCESS_KEY,
// ...), and the service principal secrets az keeps in its config directory.
func toolSecrets(environ []string, azConfigDir string) []string {
	var out []string
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if ok && value != "" && secretVarName(name) {
			out = append(out, value)
		}
	}
	if azConfigDir != "" {
		out = append(out, azServicePrincipalSecrets(azConfigDir)...)
	}
	return out
}

// secretVarName reports whether a variable's name says it holds a secret
// rather than where one is (a _FILE, _PATH or _DIR).
func secretVarName(name string) bool {
	n := strings.ToUpper(name)
	for _, suffix := range []string{"_FILE", "_PATH", "_DIR", "_ENDPOINT", "_URL", "_HOST"} {
		if strings.HasSuffix(n, suffix) {
			return false
		}
	}
	for _, word := range []string{"SECRET", "PASSWORD", "TOKEN", "KEY", "IDENTITY_HEADER", "CREDENTIAL", "ASSERTION"} {
		if strings.Contains(n, word) {
			return true
		}
	}
	return false
}

// maxSPEntries bounds what is read of az's service principal file.
const maxSPEntries = 1 << 20

// azServicePrincipalSecrets reads the secrets of the service principals az
// is logged in as (service_principal_entries.json: client_secret, or
// accessToken in older versions).
func azServicePrincipalSecrets(dir string) []string {
	f, err := os.Open(filepath.Join(dir, "service_principal_entries.json"))
	if err != nil {
		return nil
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() || st.Size() > maxSPEntries {
		return nil
	}
	var entries []map[string]any
	if json.NewDecoder(f).Decode(&entries) != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		for _, k := range []string{"client_secret", "accessToken", "certificate_password"} {
			if v, ok := e[k].(string); ok && v != "" {
				out = append(out, v)
			}
		}
	}
	return out
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
