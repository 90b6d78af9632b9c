// Package source holds the credential sources of the chain, one file each:
// environment, workload identity, pipeline (a CI's OIDC token), managed
// identity, and the developer tools az, azd and pwsh. Each is a small type
// with one job that reads its inputs from the Config it is given, never
// from the process itself; New (factory.go) builds one by its name in
// chain.Order.
package source

import (
	"net/http"
	"time"

	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/httpx"
)

// Config is what every source may read.
type Config struct {
	// Env is the environment, read once by the caller. The developer-tool
	// sources hand it whole to az, azd and pwsh, and look for them on its
	// PATH.
	Env env.Env

	// ClientID, ObjectID and ResourceID select a user-assigned managed
	// identity (the --client-id, --object-id and --resource-id flags).
	ClientID, ObjectID, ResourceID string

	// FederatedTokenEnv names the variable holding a CI's federated token
	// (--federated-token-env); ServiceConnectionID is the Azure Pipelines
	// service connection (--service-connection-id); OIDCAudience is the
	// audience asked of GitHub Actions (--oidc-audience). The pipeline
	// source falls back to variables for each.
	FederatedTokenEnv, ServiceConnectionID, OIDCAudience string

	// ProbeIMDS asks managed identity to check, before asking IMDS for a
	// token, that something answers there at all. It is set when managed
	// identity is one of several sources, as in the SDKs' default chain.
	ProbeIMDS bool
	// IMDSTimeout bounds that probe (--imds-timeout, default 1s).
	IMDSTimeout time.Duration

	// CLITimeout bounds each run of az, azd or pwsh (--cli-timeout, 10s).
	CLITimeout time.Duration

	// NewHTTPClient builds HTTP clients; nil means httpx.NewClient. Tests
	// leave it nil: the loopback guard lives in httpx.
	NewHTTPClient func(httpx.Options) *http.Client

	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// HTTPClient builds a client with the given options.
func (c Config) HTTPClient(o httpx.Options) *http.Client {
	if c.NewHTTPClient != nil {
		return c.NewHTTPClient(o)
	}
	return httpx.NewClient(o)
}

// Clock returns the current time.
func (c Config) Clock() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// DefaultAuthorityHost is Entra ID's public cloud.
const DefaultAuthorityHost = "https://login.microsoftonline.com/"
