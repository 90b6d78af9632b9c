package fakeazure

import (
	"net/http"
	"net/url"
	"strings"
)

// openID answers the tenant's OpenID configuration. Every URL in it is on
// the host the client asked for, as with the real service: the fake's own
// address, or a cloud's name that the client dials at the fake. MSAL only
// accepts an issuer whose scheme and host:port match the authority.
func (e *Entra) openID(x *exchange) reply {
	tenant := x.r.PathValue("tenant")
	if _, ok := e.resolveTenant(tenant); !ok {
		return e.errUnknownTenant(x.r, tenant)
	}
	// Real Entra names the tenant in the issuer, except for the
	// multi-tenant aliases, whose issuer carries a {tenantid} template.
	issTenant := tenant
	switch strings.ToLower(tenant) {
	case "common", "organizations":
		issTenant = "{tenantid}"
	}
	origin := "https://" + x.r.Host
	base := origin + "/" + tenant
	return jsonReply(http.StatusOK, map[string]any{
		"issuer":                                origin + "/" + issTenant + "/v2.0",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"userinfo_endpoint":                     origin + "/oidc/userinfo",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "nbf", "name", "oid", "tid", "preferred_username", "ver"},
		"request_uri_parameter_supported":       false,
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"tenant_region_scope":                   "NA",
		"cloud_instance_name":                   "microsoftonline.com",
		"cloud_graph_host_name":                 "graph.windows.net",
		"msgraph_host":                          "graph.microsoft.com",
	})
}

// discovery answers instance discovery for the fake's own host. MSAL
// sends it to login.microsoftonline.com unless the authority host is a
// known cloud, so MSAL never reaches this; clients that take the
// discovery host from configuration can.
func (e *Entra) discovery(x *exchange) reply {
	tenant := "common"
	if ae := x.r.URL.Query().Get("authorization_endpoint"); ae != "" {
		if u, err := url.Parse(ae); err == nil {
			if first, _, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/"); first != "" {
				tenant = first
			}
		}
	}
	host := e.core.srv.Listener.Addr().String()
	return jsonReply(http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": e.URL() + "/" + tenant + "/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata": []map[string]any{{
			"preferred_network": host,
			"preferred_cache":   host,
			"aliases":           []string{host},
		}},
	})
}

// userRealm answers the home realm discovery MSAL's public client makes
// before a password grant. Every user is "Managed" (cloud-only), which
// sends MSAL straight to the password grant rather than to WS-Trust.
func (e *Entra) userRealm(x *exchange) reply {
	username := x.r.PathValue("username")
	_, domain, _ := strings.Cut(username, "@")
	return jsonReply(http.StatusOK, map[string]any{
		"ver":                 "1.0",
		"account_type":        "Managed",
		"domain_name":         domain,
		"cloud_instance_name": "microsoftonline.com",
		"cloud_audience_urn":  "urn:federation:MicrosoftOnline",
	})
}

// jwks answers the keys that verify the fake's tokens.
func (e *Entra) jwks(x *exchange) reply {
	tenant := x.r.PathValue("tenant")
	if _, ok := e.resolveTenant(tenant); !ok {
		return e.errUnknownTenant(x.r, tenant)
	}
	return reply{status: http.StatusOK, header: jsonHeader(), body: e.minter.JWKS()}
}
