package source

import (
	"errors"
	"net/http"
	"net/url"
	"runtime"
	"strings"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/httpx"
)

// managedVars are the variables managed identity looks at; the secret
// ones are masked wherever they are shown.
var managedVars = []struct {
	name   string
	secret bool
}{
	{envIdentityEndpoint, false},
	{envIdentityHeader, true},
	{envIdentityThumbprint, false},
	{envMSIEndpoint, false},
	{envMSISecret, true},
	{envIMDSEndpoint, false},
	{envPodIdentityHost, false},
	{envAzureClientID, false},
	{envDefaultIdentityID, false},
}

// Describe says what managed identity would do, sending nothing.
func (m *Managed) Describe(req chain.Request) chain.Description {
	p := m.plan()
	d := chain.Description{Warnings: p.warnings}
	for _, v := range managedVars {
		in := chain.Input{Kind: "variable", Name: v.name, State: "unset"}
		if val, ok := m.cfg.Env.Lookup(v.name); ok {
			in.State = "set"
			if val == "" {
				in.State = "set but empty"
			} else if v.secret {
				in.Value = Mask(val)
			} else {
				in.Value = val
			}
		}
		d.Inputs = append(d.Inputs, in)
	}
	if path := arcAgentPath(runtime.GOOS, m.cfg.Env); path != "" {
		himds := chain.Input{Kind: "file", Name: path, State: "not found"}
		if m.himds != nil && m.himds() {
			himds.State = "found"
		}
		d.Inputs = append(d.Inputs, himds)
	}
	for _, f := range []struct{ name, val string }{{"--client-id", m.cfg.ClientID}, {"--object-id", m.cfg.ObjectID}, {"--resource-id", m.cfg.ResourceID}} {
		if f.val != "" {
			d.Inputs = append(d.Inputs, chain.Input{Kind: "flag", Name: f.name, Value: f.val, State: "set"})
		}
	}

	d.Detail = p.kind.Title() + ", " + p.id.String()
	if p.err != nil {
		d.Verdict, d.Why = chain.WouldSkip, p.err.Error()
		return d
	}
	resource, err := managedResource(req)
	if err != nil {
		d.Verdict, d.Why = chain.WouldStop, err.Error()
		if errors.Is(err, chain.ErrUnavailable) {
			d.Verdict = chain.WouldSkip
		}
		return d
	}
	d.Verdict, d.Why = chain.WouldTry, p.why
	if m.cfg.ProbeIMDS && p.kind == ManagedIMDS {
		d.Why += "; a probe of " + p.host() + " decides first, and no answer within " + m.imdsTimeout().String() + " skips managed identity"
		d.Requests = append(d.Requests, chain.RequestInfo{Method: http.MethodGet, URL: rewriteIMDS(p.imdsTarget, imdsTokenURL)})
	}
	d.Requests = append(d.Requests, managedRequests(p, resource, m.cfg)...)
	return d
}

// managedRequests are the requests MSAL v1.10.1 sends for p, as
// RequestInfo with header names only.
func managedRequests(p managedPlan, resource string, cfg Config) []chain.RequestInfo {
	u, err := url.Parse(p.endpoint)
	if err != nil {
		return nil
	}
	q := u.Query()
	q.Set("resource", resource)
	method := http.MethodGet
	var headers []string
	idParam := map[string]string{"client_id": "client_id", "object_id": "object_id", "resource_id": "msi_res_id"}
	switch p.kind {
	case ManagedIMDS:
		q.Set("api-version", imdsAPIVersion)
		headers = []string{"Metadata", "X-Client-Sku", "X-Client-Ver", "X-Ms-Client-Request-Id"}
	case ManagedAppService:
		q.Set("api-version", appSvcAPIVersion)
		idParam["resource_id"] = "mi_res_id"
		headers = []string{"X-Identity-Header"}
	case ManagedAzureML:
		q.Set("api-version", mlAPIVersion)
		q.Set("clientid", cfg.Env.Get(envDefaultIdentityID))
		if p.id.kind == "client_id" {
			q.Set("clientid", p.id.value)
		}
		idParam = nil
		headers = []string{"Secret"}
	case ManagedCloudShell:
		// The resource goes in a form body, not the query.
		q.Del("resource")
		method = http.MethodPost
		headers = []string{"Content-Type", "Metadata"}
		idParam = nil
	case ManagedAzureArc:
		q.Set("api-version", arcAPIVersion)
		headers = []string{"Metadata"}
	case ManagedServiceFabric:
		q.Set("api-version", sfAPIVersion)
		headers = []string{"Accept", "Secret"}
		idParam = nil
	}
	if name, ok := idParam[p.id.kind]; ok && p.id.kind != "" {
		q.Set(name, p.id.value)
	}
	u.RawQuery = q.Encode()
	shown := httpx.RedactURL(u)
	out := []chain.RequestInfo{{Method: method, URL: shown, Headers: headers}}
	if p.kind == ManagedAzureArc {
		// The first answer is a 401 naming a key file; the second request
		// carries that file's contents.
		out = append(out, chain.RequestInfo{Method: method, URL: shown, Headers: []string{"Authorization", "Metadata"}})
	}
	return out
}

// CacheKey names who managed identity would answer as, and through what:
// "managed|<kind>|<endpoint host>|<id kind>=<id>|cred=<digest>", or
// "…|system|…" for the system-assigned identity.
//
// The digest covers the whole endpoint URL (its path and query too: Cloud
// Shell's may hold a secret) and every input that authenticates it, as for the other sources
// (credkey.go): a wrong IDENTITY_HEADER is sent and refused rather than
// answered from the cache, and another endpoint on the same host and port
// (serve restarted with its new secret, or in another mode) is asked
// afresh.
func (m *Managed) CacheKey(req chain.Request) (string, bool) {
	p := m.plan()
	if p.err != nil || req.Tenant != "" {
		return "", false
	}
	who := "system"
	if p.id.kind != "" {
		who = p.id.kind + "=" + p.id.value
	}
	return strings.Join([]string{"managed", string(p.kind), p.host(), who, managedCredential(p.endpoint, m.cfg.Env)}, "|"), true
}

// managedCredential digests the endpoint and what authenticates it or
// selects what it answers with, across every kind: App Service's and
// Service Fabric's IDENTITY_HEADER, Service Fabric's server thumbprint,
// Azure ML's MSI_SECRET and its default identity, Azure Arc's IMDS_ENDPOINT.
// Cloud Shell's and IMDS's only input is the endpoint.
// A variable that the detected kind does not read only costs a cache miss
// when it changes.
func managedCredential(endpoint string, e env.Env) string {
	return credentialDigest("managed", endpoint, e.Get(envIdentityHeader), e.Get(envIdentityThumbprint),
		e.Get(envMSISecret), e.Get(envDefaultIdentityID), e.Get(envIMDSEndpoint))
}

var (
	_ chain.Source    = (*Managed)(nil)
	_ chain.Describer = (*Managed)(nil)
	_ chain.Keyer     = (*Managed)(nil)
)
