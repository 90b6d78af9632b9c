// Package resources is the one home for what a token is for: a v1
// resource ("https://vault.azure.net", what managed identity, az and
// serve's clients name), a v2 scope ("https://vault.azure.net/.default",
// what Entra ID, azd and pwsh are asked for), the short aliases people
// type ("vault"), and the rule every such value passes before it reaches a
// shell, a URL or a cache key. get, serve, the emulator and the sources
// all use it, so a resource means the same thing on every path. The ids a
// request names besides (a tenant, a managed identity's client, object or
// resource id, and the GUID shape they share) have their one rule here too
// (ids.go), as does a resource's shape (shape.go).
//
// # The trailing slash
//
// A resource becomes a scope by appending "/.default" and nothing else,
// and a scope becomes a resource by removing it, so the two round-trip.
// In particular a trailing slash is kept: "https://management.azure.com/"
// becomes "https://management.azure.com//.default". Entra ID resolves the
// resource by the text before "/.default", and for v1-token APIs the token's
// aud claim is that text; the identity platform documents the double slash
// for resources registered with a trailing slash, and az (resource_to_scopes)
// and the SDKs' managed identity (scope minus "/.default") do the same. An
// API that compares aud exactly would refuse a token whose slash was
// dropped, so nothing here drops it: get --resource and a serve request
// for the same resource text ask for the same scope.
//
// The aliases name their resources without a trailing slash, the form
// the SDKs' own examples use ("https://management.azure.com/.default").
//
// Comparing is different from asking: whether two resources name the same
// API ignores case and trailing slashes (API), so an allow list entry
// matches either spelling; two requests share one token only when they
// spell the resource alike, since the token's aud is the resource as
// asked, case and slash included (serve's cache keys on it so).
package resources

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// DefaultSuffix turns a resource into the scope that asks for every
// permission the caller was granted on it.
const DefaultSuffix = "/.default"

// MaxLen bounds a resource or scope. Real ones are well under 200 bytes;
// the bound keeps a hostile value out of logs and cache keys.
const MaxLen = 512

// aliases are the resources people ask for most, by short name.
var aliases = map[string]string{
	"arm":        "https://management.azure.com",
	"graph":      "https://graph.microsoft.com",
	"vault":      "https://vault.azure.net",
	"storage":    "https://storage.azure.com",
	"sql":        "https://database.windows.net",
	"ossrdbms":   "https://ossrdbms-aad.database.windows.net",
	"servicebus": "https://servicebus.azure.net",
	"eventhubs":  "https://eventhubs.azure.net",
	"cosmos":     "https://cosmos.azure.com",
	"devops":     "499b84ac-1321-427f-aa17-267ca6975798",
}

// Default is the alias asked for when nothing is named: ARM, as az does.
const Default = "arm"

// Aliases lists the alias names, sorted, for help and completion.
func Aliases() []string {
	out := make([]string, 0, len(aliases))
	for k := range aliases {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Expand returns the resource an alias names (in any case), or word
// itself when it is not an alias.
func Expand(word string) string {
	if r, ok := aliases[strings.ToLower(word)]; ok {
		return r
	}
	return word
}

// ToScope turns a resource into its .default scope, keeping a trailing
// slash (see the package doc). It does not expand aliases: Expand first
// where a person typed the value.
func ToScope(resource string) string { return resource + DefaultSuffix }

// FromScope turns a scope into the v1 resource managed identity and az
// want: "https://vault.azure.net/.default" gives "https://vault.azure.net".
// A scope without the suffix is returned as it is.
func FromScope(scope string) string { return strings.TrimSuffix(scope, DefaultSuffix) }

// API is what compares two resources for the API they name: case and
// trailing slashes do not change it. Allow lists match by it.
func API(resource string) string { return strings.ToLower(strings.TrimRight(resource, "/")) }

// Validate checks a resource or a scope before it is used: not empty, at
// most MaxLen bytes, and only A-Z, a-z, 0-9 and . _ / : -, which is what
// the SDKs allow before a value goes to a developer tool's command line or
// into a URL. The error completes a sentence that starts with the value:
// `scope "x" ` + err.Error().
func Validate(s string) error {
	switch {
	case s == "":
		return errors.New("is empty")
	case len(s) > MaxLen:
		return fmt.Errorf("is longer than %d characters", MaxLen)
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("._/:-", r):
		default:
			return errors.New("has characters outside A-Z, a-z, 0-9 and . _ / : -")
		}
	}
	return nil
}
