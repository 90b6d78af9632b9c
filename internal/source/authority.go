package source

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/httpx"
	"github.com/aztoken/aztoken/internal/resources"
)

const authorityVar = "AZURE_AUTHORITY_HOST"

// authorityHost reads AZURE_AUTHORITY_HOST and returns it with exactly one
// trailing slash, or DefaultAuthorityHost when it is unset or empty. A host
// that is not an https URL is a configuration error: the client secret
// would travel in clear text, and MSAL refuses it anyway.
func authorityHost(e env.Env) (string, error) {
	raw := e.Get(authorityVar)
	if raw == "" {
		return DefaultAuthorityHost, nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", chain.Unavailable("set "+authorityVar+" to the cloud's login URL, such as https://login.microsoftonline.com/ or https://login.microsoftonline.us/",
			"%s=%q is not a URL such as https://login.microsoftonline.com/", authorityVar, raw)
	}
	if !strings.EqualFold(u.Scheme, "https") {
		return "", chain.Unavailable("use an https URL, such as https://login.microsoftonline.com/, or unset "+authorityVar,
			"%s=%q is not an https URL; Entra ID authorities must use https so that credentials are never sent in clear text", authorityVar, raw)
	}
	return strings.TrimRight(raw, "/") + "/", nil
}

// authorityFor joins a host from authorityHost and a tenant.
func authorityFor(host, tenant string) string { return host + tenant }

// openIDConfigURL and tokenURL are the requests MSAL sends for a tenant,
// for explain. The token URL is what Entra ID's discovery document names;
// MSAL reads it from there.
func openIDConfigURL(host, tenant string) string {
	return host + tenant + "/v2.0/.well-known/openid-configuration"
}

func tokenURL(host, tenant string) string { return host + tenant + "/oauth2/v2.0/token" }

// entraRequests are the requests MSAL sends for a cold token, for explain.
// On a known cloud the metadata is known without asking (httpx's
// KnownAuthorities), so only the token request goes out; elsewhere MSAL
// first reads the OpenID configuration and, for the password grant
// (username set), the user realm.
func entraRequests(host, tenant, username string) []chain.RequestInfo {
	var out []chain.RequestInfo
	if u, err := url.Parse(host); err != nil || !httpx.KnownAuthorityHost(u.Host) {
		out = append(out, chain.RequestInfo{Method: "GET", URL: openIDConfigURL(host, tenant), Headers: msalHeaders})
		if username != "" {
			out = append(out, chain.RequestInfo{Method: "GET",
				URL:     host + "common/UserRealm/" + url.PathEscape(username) + "?api-version=1.0",
				Headers: msalHeaders})
		}
	}
	return append(out, chain.RequestInfo{Method: "POST", URL: tokenURL(host, tenant), Headers: postHeaders()})
}

// msalHeaders are the header names MSAL puts on every request; a POST adds
// Content-Type.
var msalHeaders = []string{"Client-Request-Id", "Return-Client-Request-Id", "X-Client-Cpu", "X-Client-Os", "X-Client-Sku", "X-Client-Ver"}

func postHeaders() []string { return append([]string{"Content-Type"}, msalHeaders...) }

// requestTenant applies the tenant rule to a request. A refusal stops the
// chain, as in the SDKs: the user asked for a tenant, and falling through
// to the next source (their own az login, say) would hand back a token
// for an identity they did not ask for.
func requestTenant(e env.Env, configured string, req chain.Request) (string, error) {
	t, err := ResolveTenant(configured, req.Tenant, AllowedTenants(e.Get("AZURE_ADDITIONALLY_ALLOWED_TENANTS")))
	if err != nil {
		hint := "ask for the configured tenant (--tenant " + configured + ", or no --tenant), or list the requested one in AZURE_ADDITIONALLY_ALLOWED_TENANTS (\"*\" allows any)"
		var tm *TenantMismatchError
		if errors.As(err, &tm) && resources.IsGUID(configured) != resources.IsGUID(req.Tenant) {
			hint = "if " + req.Tenant + " is the same directory, ask for it by the configured id (--tenant " + configured + "); otherwise list it in AZURE_ADDITIONALLY_ALLOWED_TENANTS (\"*\" allows any)"
		}
		return "", chain.Failed(err, hint, "%s", err)
	}
	return t, nil
}

// validTenantVar checks AZURE_TENANT_ID before it becomes part of a URL.
func validTenantVar(tenant string) error {
	if !resources.ValidTenant(tenant) {
		return chain.Unavailable("set AZURE_TENANT_ID to the directory (tenant) id, a GUID, or a domain such as contoso.onmicrosoft.com",
			"AZURE_TENANT_ID=%q is not %s", tenant, resources.TenantRule)
	}
	return nil
}

// entraRequest checks a request against an Entra ID source's configured
// tenant and returns the tenant to ask, as the environment and workload
// sources both need before they send anything.
func entraRequest(e env.Env, configured string, req chain.Request) (string, error) {
	tenant, err := requestTenant(e, configured, req)
	if err != nil {
		return "", err
	}
	if len(req.Scopes) == 0 {
		return "", chain.Failed(nil, "pass a scope, such as --scope https://management.azure.com/.default", "no scope was requested")
	}
	return tenant, nil
}

// acquireByCredential asks for a token with a confidential client, naming
// the tenant only when it is not the one the client was built for.
func acquireByCredential(ctx context.Context, c *confidential.Client, scopes []string, tenant, configured string) (confidential.AuthResult, error) {
	var opts []confidential.AcquireByCredentialOption
	if tenant != configured {
		opts = append(opts, confidential.WithTenantID(tenant))
	}
	return c.AcquireTokenByCredential(ctx, scopes, opts...)
}

// entraHost checks the configured tenant and reads the authority host, the
// last steps of reading either Entra ID source's variables.
func entraHost(e env.Env, tenant string) (string, error) {
	if err := validTenantVar(tenant); err != nil {
		return "", err
	}
	return authorityHost(e)
}
