package httpx

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/aztoken/aztoken/internal/resources"
)

// knownAuthorityHosts are the Entra ID hosts whose endpoints follow the
// one published pattern, so that asking for their OpenID configuration
// teaches a client nothing it could not have known: the hosts MSAL treats
// as trusted without instance discovery (its aadTrustedHostList), which
// msal-node ships metadata for instead of asking.
var knownAuthorityHosts = map[string]string{
	// host → cloud_instance_name, as each cloud's discovery documents say.
	"login.microsoftonline.com":        "microsoftonline.com",
	"login.windows.net":                "microsoftonline.com",
	"login.microsoft.com":              "microsoftonline.com",
	"sts.windows.net":                  "microsoftonline.com",
	"login.microsoftonline.us":         "microsoftonline.us",
	"login.usgovcloudapi.net":          "microsoftonline.us",
	"login-us.microsoftonline.com":     "microsoftonline.us",
	"login.partner.microsoftonline.cn": "partner.microsoftonline.cn",
	"login.chinacloudapi.cn":           "partner.microsoftonline.cn",
	"login.microsoftonline.de":         "microsoftonline.de",
	"login.sovcloud-identity.fr":       "sovcloud-identity.fr",
	"login.sovcloud-identity.de":       "sovcloud-identity.de",
	"login.sovcloud-identity.sg":       "sovcloud-identity.sg",
}

// KnownAuthorityHost reports whether host (a URL's host, port allowed
// only as :443) is a public or national Entra ID cloud whose endpoints
// aztoken knows without asking.
func KnownAuthorityHost(host string) bool {
	_, ok := knownAuthorityHosts[authorityHostName(host)]
	return ok
}

func authorityHostName(host string) string {
	return strings.ToLower(strings.TrimSuffix(host, ":443"))
}

// knownAuthorities answers, without sending anything, the two metadata
// requests MSAL makes before a token request to a known cloud: the
// tenant's OpenID configuration and, for the password grant, the user
// realm. MSAL Go v1.10.1 has no way to be given this metadata (its
// WithInstanceDiscovery(false) skips only instance discovery, and it skips
// that for these hosts anyway), so a cold token would cost two round trips
// to Entra ID instead of one.
//
// It sits above the recording transport: what it answers was never sent,
// so -v and probe do not show it. Every other request, and every request
// to any other host (ADFS, a custom AZURE_AUTHORITY_HOST, an unknown
// cloud), goes to the network as before.
type knownAuthorities struct{ base http.RoundTripper }

func (t *knownAuthorities) RoundTrip(req *http.Request) (*http.Response, error) {
	if body, ok := knownAnswer(req); ok {
		if req.Body != nil {
			req.Body.Close()
		}
		return &http.Response{
			Status:        "200 OK",
			StatusCode:    http.StatusOK,
			Proto:         "HTTP/1.1",
			ProtoMajor:    1,
			ProtoMinor:    1,
			Header:        http.Header{"Content-Type": {"application/json; charset=utf-8"}, "Content-Length": {strconv.Itoa(len(body))}},
			Body:          io.NopCloser(bytes.NewReader(body)),
			ContentLength: int64(len(body)),
			Request:       req,
		}, nil
	}
	return t.base.RoundTrip(req)
}

// knownAnswer returns the answer to req when it is a metadata request to
// a known cloud over https.
func knownAnswer(req *http.Request) ([]byte, bool) {
	u := req.URL
	if req.Method != http.MethodGet || u == nil || u.Scheme != "https" || u.User != nil {
		return nil, false
	}
	host := authorityHostName(u.Host)
	cloud, ok := knownAuthorityHosts[host]
	if !ok {
		return nil, false
	}
	segs := strings.Split(strings.TrimPrefix(u.EscapedPath(), "/"), "/")
	switch {
	case len(segs) == 4 && segs[1] == "v2.0" && segs[2] == ".well-known" && segs[3] == "openid-configuration" && resources.ValidTenant(segs[0]):
		return openIDConfiguration(host, cloud, segs[0]), true
	case len(segs) == 3 && segs[0] == "common" && segs[1] == "UserRealm":
		user, err := url.PathUnescape(segs[2])
		if err != nil || user == "" {
			return nil, false
		}
		return userRealm(user, cloud), true
	}
	return nil, false
}

// openIDConfiguration is the tenant's discovery document as Entra ID
// publishes it, reduced to what a client reads: every endpoint is
// https://host/tenant/..., and the issuer names the tenant, or carries
// the {tenantid} template for the multi-tenant aliases.
func openIDConfiguration(host, cloud, tenant string) []byte {
	base := "https://" + host + "/" + tenant
	issTenant := tenant
	switch strings.ToLower(tenant) {
	case "common", "organizations", "consumers":
		issTenant = "{tenantid}"
	}
	b, _ := json.Marshal(map[string]any{
		"issuer":                                "https://" + host + "/" + issTenant + "/v2.0",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"cloud_instance_name":                   cloud,
	})
	return b
}

// userRealm says the user's account is managed by Entra ID itself, so
// that MSAL sends the password grant straight to the token endpoint, as
// msal-node does (it never asks). A user of a federated domain (ADFS)
// therefore gets Entra ID's own refusal rather than a WS-Trust exchange;
// the resource-owner password grant is deprecated for them anyway.
func userRealm(user, cloud string) []byte {
	_, domain, _ := strings.Cut(user, "@")
	if domain == "" {
		domain = cloud
	}
	b, _ := json.Marshal(map[string]any{
		"ver":                 "1.0",
		"account_type":        "Managed",
		"domain_name":         domain,
		"cloud_instance_name": cloud,
		"cloud_audience_urn":  "urn:federation:MicrosoftOnline",
	})
	return b
}
