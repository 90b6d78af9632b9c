// Package chain runs credential sources in order and says what each did.
//
// It holds the Source interface, the order of the default chain with its
// aliases, the selection rules (AZURE_TOKEN_CREDENTIALS, --source, --exclude),
// the skip-or-stop rule, the Outcome of trying a source (what get, probe
// and serve -v report) and the Description of one without trying it (what
// explain reports). The chain names no source except in its order table; sources
// know nothing of the command line, of output formats or of the cache.
package chain

import (
	"context"
	"time"
)

// Source is one way of getting a token: the environment's service
// principal, workload identity, a CI job's OIDC token, managed identity,
// or a developer tool.
type Source interface {
	// Name is the canonical name from the order table, such as "environment".
	Name() string
	// GetToken acquires a token. An error that wraps ErrUnavailable (made
	// with Unavailable) lets the chain move on; any other error stops it.
	GetToken(ctx context.Context, req Request) (Token, error)
}

// Describer is implemented by sources that can say, without sending
// anything, what they would use and whether they would be tried.
type Describer interface {
	Describe(req Request) Description
}

// Keyer is implemented by sources whose tokens may be cached across runs.
// CacheKey says, without sending anything, who the source would answer as:
// its kind, authority, tenant, client or managed identity id, and for the
// developer tools a fingerprint of their login state, so that a new login
// is never answered from the cache with the old identity. ok is false when
// the source cannot tell (it is not configured, say).
type Keyer interface {
	CacheKey(req Request) (key string, ok bool)
}

// Request is what the caller asks for.
type Request struct {
	// Scopes are v2 scopes, such as "https://vault.azure.net/.default".
	Scopes []string
	// Tenant, when set, asks for a token from that tenant.
	Tenant string
}

// Token is an access token and what is known about it.
type Token struct {
	AccessToken string
	TokenType   string
	ExpiresOn   time.Time
	// RefreshOn is when the issuer suggests refreshing; zero when unknown.
	RefreshOn time.Time
	// Tenant is the tenant the token was issued in, where known.
	Tenant string
	// Subscription is the subscription the source is set to, where it
	// says (az does), for -o json's az-compatible "subscription".
	Subscription string
	// Identity is a non-secret description of who the token is for, such as
	// a client id, where the source knows it without decoding the token.
	Identity string
}

// Description is what explain shows for one source.
type Description struct {
	// Inputs are the things the source looks at: variables, files,
	// executables, each with what was found. Secrets are masked.
	Inputs []Input
	// Verdict is what the chain would do with this source.
	Verdict Verdict
	// Why says why, in a sentence.
	Why string
	// Detail names the flavour the source would use ("client secret", "IMDS").
	Detail string
	// Requests are the requests the source would send, secrets masked.
	Requests []RequestInfo
	// Warnings are things users trip over.
	Warnings []string
}

// Input is one thing a source looks at.
type Input struct {
	Kind  string `json:"kind"` // "variable", "file", "executable", "flag"
	Name  string `json:"name"`
	Value string `json:"value,omitempty"` // masked where secret
	State string `json:"state"`           // "set", "set but empty", "unset", "readable", "missing", "found", "not found"
}

// Verdict is what the chain would do with a source.
type Verdict string

const (
	WouldTry  Verdict = "try"
	WouldSkip Verdict = "skip"
	WouldStop Verdict = "stop"
)

// RequestInfo is a request a source made or would make: method, URL and
// the names of the headers it carries; or, for a developer tool (az, azd,
// pwsh), the command it ran and its exit code. Values that are secrets
// never appear.
type RequestInfo struct {
	Method  string   `json:"method,omitempty"`
	URL     string   `json:"url,omitempty"`
	Headers []string `json:"headers,omitempty"`
	Status  int      `json:"status,omitempty"`
	// Command is the command line a tool was run with, in place of Method
	// and URL; ExitCode its exit status, nil when it did not exit on its
	// own (killed at its deadline).
	Command  string `json:"command,omitempty"`
	ExitCode *int   `json:"exit_code,omitempty"`
	// Duration is how long the request took, zero when it was not sent.
	Duration time.Duration `json:"-"`
}
