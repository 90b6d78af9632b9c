package source

import (
	"net"
	"net/url"
	"strings"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
)

// The variables each CI sets for its OIDC request, and ours.
const (
	ghURLVar   = "ACTIONS_ID_TOKEN_REQUEST_URL"
	ghTokenVar = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
	ghActions  = "GITHUB_ACTIONS"

	adoURIVar   = "SYSTEM_OIDCREQUESTURI"
	adoTokenVar = "SYSTEM_ACCESSTOKEN"
	// AzureCLI@2 and AzurePowerShell@5 set these for the service
	// connection they run under; azidentity's AzurePipelinesCredential
	// samples read them too.
	adoConnVar   = "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"
	adoClientVar = "AZURESUBSCRIPTION_CLIENT_ID"
	adoTenantVar = "AZURESUBSCRIPTION_TENANT_ID"

	tokenEnvVar = "AZTOKEN_FEDERATED_TOKEN_ENV"
	audienceVar = "AZTOKEN_OIDC_AUDIENCE"
)

// DefaultOIDCAudience is the audience Entra ID's federated credentials
// expect unless told otherwise.
const DefaultOIDCAudience = "api://AzureADTokenExchange"

// ciKind is where the pipeline source gets its federated token.
type ciKind int

const (
	ciGitHub ciKind = iota + 1
	ciAzurePipelines
	ciVariable
)

// pipelineSettings is what the pipeline source read from its variables
// and flags.
type pipelineSettings struct {
	kind             ciKind
	tenant, clientID string
	host             string
	// requestURL and requestToken are the CI's OIDC endpoint and the
	// bearer token that authorizes asking it (GitHub, Azure Pipelines).
	requestURL, requestToken string
	connectionID             string // Azure Pipelines' service connection
	audience                 string // asked of GitHub
	// tokenVar and token are the variable named by --federated-token-env
	// and its value.
	tokenVar, token string
}

// secrets are the values no message may show.
func (s pipelineSettings) secrets() []string { return []string{s.requestToken, s.token} }

// ciName names the CI in messages.
func (s pipelineSettings) ciName() string {
	switch s.kind {
	case ciGitHub:
		return "GitHub Actions"
	case ciAzurePipelines:
		return "Azure Pipelines"
	}
	return "the CI"
}

// urlVar names the variable that holds the CI's OIDC endpoint.
func (s pipelineSettings) urlVar() string {
	if s.kind == ciAzurePipelines {
		return adoURIVar
	}
	return ghURLVar
}

// origin says where the assertion comes from, without secrets: it tells
// MSAL clients apart and is part of the cache key. GitHub's and Azure
// DevOps' request URLs name the run's plan and job, so a token is never
// shared between jobs, even on a self-hosted runner whose cache lives on.
func (s pipelineSettings) origin() string {
	switch s.kind {
	case ciGitHub:
		return "github|" + s.requestURL + "|" + s.audience
	case ciAzurePipelines:
		return "azure-pipelines|" + s.requestURL + "|" + s.connectionID
	}
	return "variable|" + s.tokenVar
}

// detail is explain's one-line description of the flavour.
func (s pipelineSettings) detail() string {
	switch s.kind {
	case ciGitHub:
		return "GitHub Actions OIDC, audience " + s.audience
	case ciAzurePipelines:
		return "Azure Pipelines OIDC, service connection " + s.connectionID
	}
	return "federated token in $" + s.tokenVar
}

const pipelineHint = "inside GitHub Actions give the job `permissions: id-token: write` and set AZURE_CLIENT_ID and AZURE_TENANT_ID; inside Azure Pipelines run in an AzureCLI@2 task (or pass --service-connection-id) with SYSTEM_ACCESSTOKEN mapped; in any other CI pass --federated-token-env with the variable holding its OIDC token"

// readPipelineSettings finds the CI: a variable named by
// --federated-token-env first (the user asked for it), then GitHub
// Actions, then Azure Pipelines. Missing variables make the source
// unavailable, so laptops, VMs and pods never notice it; a named variable
// that is unset stops the chain, like an unreadable token file.
func readPipelineSettings(cfg Config) (pipelineSettings, error) {
	e := cfg.Env
	var s pipelineSettings
	s.audience = firstSet(cfg.OIDCAudience, e.Get(audienceVar), DefaultOIDCAudience)
	name := firstSet(cfg.FederatedTokenEnv, e.Get(tokenEnvVar))
	ghURL, ghToken := e.Get(ghURLVar), e.Get(ghTokenVar)
	switch {
	case name != "":
		if err := readTokenVariable(e, name, &s); err != nil {
			return s, err
		}
	case ghURL != "" || ghToken != "":
		if ghURL == "" || ghToken == "" {
			have, lack := ghURLVar, ghTokenVar
			if ghURL == "" {
				have, lack = lack, have
			}
			return s, chain.Unavailable("GitHub sets both when the job has `permissions: id-token: write`; do not set either by hand",
				"%s is set but %s is not", have, lack)
		}
		s.kind, s.requestURL, s.requestToken = ciGitHub, ghURL, ghToken
		s.clientID, s.tenant = e.Get("AZURE_CLIENT_ID"), e.Get("AZURE_TENANT_ID")
	case e.Get(adoURIVar) != "":
		if err := readAzurePipelines(cfg, &s); err != nil {
			return s, err
		}
	case strings.EqualFold(e.Get(ghActions), "true"):
		return s, chain.Unavailable("add `permissions: id-token: write` to the workflow or the job (GitHub gives no OIDC token to pull requests from forks)",
			"this is a GitHub Actions job without an OIDC token: %s and %s are not set", ghURLVar, ghTokenVar)
	default:
		return s, chain.Unavailable(pipelineHint, "not in a CI job that offers an OIDC token (no %s, no %s, no --federated-token-env)", ghURLVar, adoURIVar)
	}
	if err := needIDs(s); err != nil {
		return s, err
	}
	if s.kind != ciVariable {
		if err := checkRequestURL(s); err != nil {
			return s, err
		}
	}
	host, err := entraHost(e, s.tenant)
	if err != nil {
		return s, err
	}
	s.host = host
	return s, nil
}

func readTokenVariable(e env.Env, name string, s *pipelineSettings) error {
	s.kind, s.tokenVar = ciVariable, name
	s.clientID, s.tenant = e.Get("AZURE_CLIENT_ID"), e.Get("AZURE_TENANT_ID")
	if !ValidVarName(name) {
		return chain.Failed(nil, "give the name of the variable, such as GITLAB_OIDC_TOKEN, without a $",
			"--federated-token-env %q is not a variable name", name)
	}
	v, ok := e.Lookup(name)
	s.token = strings.TrimSpace(v)
	if !ok || s.token == "" {
		state := "not set"
		if ok {
			state = "empty"
		}
		return chain.Failed(nil, "have the CI put its OIDC token there (GitLab: `id_tokens:` in the job with `aud: "+DefaultOIDCAudience+"`), or name another variable",
			"the variable %s named by --federated-token-env is %s", name, state)
	}
	return nil
}

func readAzurePipelines(cfg Config, s *pipelineSettings) error {
	e := cfg.Env
	s.kind, s.requestURL, s.requestToken = ciAzurePipelines, e.Get(adoURIVar), e.Get(adoTokenVar)
	s.connectionID = firstSet(cfg.ServiceConnectionID, e.Get(adoConnVar))
	// The service connection's own ids win: the OIDC token's subject is
	// that connection's, so only its app registration can accept it.
	s.clientID = firstSet(e.Get(adoClientVar), e.Get("AZURE_CLIENT_ID"))
	s.tenant = firstSet(e.Get(adoTenantVar), e.Get("AZURE_TENANT_ID"))
	switch {
	case s.requestToken == "":
		return chain.Unavailable("map the job's token into the step: `env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)`",
			"this is an Azure Pipelines job but %s is not set (secret variables reach a script only when mapped)", adoTokenVar)
	case s.connectionID == "":
		return chain.Unavailable("run aztoken in an AzureCLI@2 or AzurePowerShell@5 task, which sets "+adoConnVar+", or pass --service-connection-id with the service connection's id",
			"this is an Azure Pipelines job but no service connection is named (%s or --service-connection-id)", adoConnVar)
	}
	return nil
}

// needIDs checks for the app registration's ids, saying where each CI
// users usually keep them.
func needIDs(s pipelineSettings) error {
	where := map[ciKind]string{
		ciGitHub:         "set them in the job's `env:`, from `vars.AZURE_CLIENT_ID` and `vars.AZURE_TENANT_ID` (they are not secrets)",
		ciAzurePipelines: "AzureCLI@2 sets " + adoClientVar + " and " + adoTenantVar + "; outside it set AZURE_CLIENT_ID and AZURE_TENANT_ID",
		ciVariable:       "set AZURE_CLIENT_ID and AZURE_TENANT_ID to the app registration (or user-assigned identity) that trusts the CI's tokens",
	}[s.kind]
	switch {
	case s.clientID == "":
		return chain.Unavailable(where, "%s offers an OIDC token but no client id is set (AZURE_CLIENT_ID)", s.ciName())
	case s.tenant == "":
		return chain.Unavailable(where, "%s offers an OIDC token but no tenant id is set (AZURE_TENANT_ID)", s.ciName())
	}
	return nil
}

// checkRequestURL refuses to send the CI's request token anywhere but
// https, or plain http on loopback (a local fake or emulator).
func checkRequestURL(s pipelineSettings) error {
	name := s.urlVar()
	u, err := url.Parse(s.requestURL)
	if err != nil || u.Host == "" {
		return chain.Failed(nil, "the CI sets "+name+"; do not set it by hand", "%s is not a URL", name)
	}
	if strings.EqualFold(u.Scheme, "https") || (strings.EqualFold(u.Scheme, "http") && loopbackHost(u.Hostname())) {
		return nil
	}
	return chain.Failed(nil, "the CI sets "+name+" to an https URL; do not set it by hand",
		"%s is not an https URL, and the job's request token must not travel in clear text", name)
}

func loopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// ValidVarName reports whether s can name an environment variable, as
// POSIX shells and CI systems allow.
func ValidVarName(s string) bool {
	for i, r := range s {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return s != ""
}

func firstSet(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
