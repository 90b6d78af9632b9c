package source

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/httpx"
)

// pipelineVars are the variables the pipeline source looks at; the
// secret ones are masked wherever they are shown.
var pipelineVars = []struct {
	name   string
	secret bool
}{
	{ghActions, false},
	{ghURLVar, false},
	{ghTokenVar, true},
	{adoURIVar, false},
	{adoTokenVar, true},
	{adoConnVar, false},
	{adoClientVar, false},
	{adoTenantVar, false},
	{"AZURE_CLIENT_ID", false},
	{"AZURE_TENANT_ID", false},
	{tokenEnvVar, false},
	{audienceVar, false},
	{authorityVar, false},
}

// Describe implements chain.Describer: which CI the source sees, its
// variables (secrets masked) and the requests it would send. It sends
// nothing: the OIDC token is asked for only by GetToken.
func (p *Pipeline) Describe(req chain.Request) chain.Description {
	e := p.cfg.Env
	var d chain.Description
	for _, v := range pipelineVars {
		d.Inputs = append(d.Inputs, varInput(e, v.name, v.secret))
	}
	for _, f := range []struct{ name, val string }{
		{"--federated-token-env", p.cfg.FederatedTokenEnv},
		{"--service-connection-id", p.cfg.ServiceConnectionID},
		{"--oidc-audience", p.cfg.OIDCAudience},
	} {
		if f.val != "" {
			d.Inputs = append(d.Inputs, chain.Input{Kind: "flag", Name: f.name, Value: f.val, State: "set"})
		}
	}
	if name := firstSet(p.cfg.FederatedTokenEnv, e.Get(tokenEnvVar)); ValidVarName(name) {
		d.Inputs = append(d.Inputs, varInput(e, name, true))
	}

	set, err := readPipelineSettings(p.cfg)
	if err != nil {
		d.Verdict, d.Why = verdictOf(err), whyNot(err)
		return d
	}
	d.Detail = set.detail()
	tenant, err := requestTenant(e, set.tenant, req)
	if err != nil {
		d.Verdict, d.Why = chain.WouldSkip, whyNot(err)
		return d
	}
	d.Verdict = chain.WouldTry
	switch set.kind {
	case ciVariable:
		c, err := readFederatedClaims(set.token, "the federated token in $"+set.tokenVar)
		if err != nil {
			d.Verdict, d.Why = chain.WouldStop, whyNot(err)
			return d
		}
		now := p.cfg.Clock()
		if !c.ExpiresAt.IsZero() && !c.ExpiresAt.After(now) {
			d.Verdict = chain.WouldStop
			d.Why = fmt.Sprintf("the federated token in $%s expired at %s; a token in a variable cannot be renewed", set.tokenVar, c.ExpiresAt.UTC().Format(time.RFC3339))
			return d
		}
		d.Why = fmt.Sprintf("$%s holds a token from issuer %s for subject %q", set.tokenVar, c.Issuer, c.Subject)
		if !c.ExpiresAt.IsZero() {
			d.Why += fmt.Sprintf(", valid for another %s", c.ExpiresAt.Sub(now).Round(time.Second))
		}
		if !slices.Contains(c.Audience, DefaultOIDCAudience) {
			d.Warnings = append(d.Warnings, fmt.Sprintf("the token's audience is %q, not %s: the federated credential must name the same audience", c.Audience, DefaultOIDCAudience))
		}
	case ciGitHub:
		d.Why = fmt.Sprintf("GitHub Actions offers an OIDC token (%s and %s are set); it is asked for with audience %s and exchanged as app %s", ghURLVar, ghTokenVar, set.audience, set.clientID)
	case ciAzurePipelines:
		d.Why = fmt.Sprintf("Azure Pipelines offers an OIDC token for service connection %s; it is exchanged as app %s", set.connectionID, set.clientID)
		if set.audience != DefaultOIDCAudience {
			d.Warnings = append(d.Warnings, "the audience applies to GitHub Actions only: Azure DevOps always issues tokens for "+DefaultOIDCAudience)
		}
	}
	if set.kind != ciVariable {
		if r, err := oidcRequest(context.Background(), set); err == nil {
			d.Requests = append(d.Requests, chain.RequestInfo{Method: r.Method, URL: httpx.RedactURL(r.URL), Headers: httpx.HeaderNames(r.Header)})
		}
	}
	d.Requests = append(d.Requests, entraRequests(set.host, tenant, "")...)
	return d
}

// verdictOf is what the chain does with a source's configuration error.
func verdictOf(err error) chain.Verdict {
	if chain.StatusOf(err) == chain.StatusUnavailable {
		return chain.WouldSkip
	}
	return chain.WouldStop
}
