package tenantdiscovery

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/aztoken/aztoken/internal/httpx"
	"github.com/aztoken/aztoken/internal/resources"
)

// ResourceTenantHeader is Azure DevOps' answer header naming the
// organization's tenant(s).
const ResourceTenantHeader = "X-VSS-ResourceTenant"

// nilTenant is what Azure DevOps sends for an organization backed by
// Microsoft accounts rather than an Entra ID tenant.
const nilTenant = "00000000-0000-0000-0000-000000000000"

// Source says where a tenant was found.
type Source string

const (
	FromChallenge      Source = "WWW-Authenticate authorization_uri"
	FromResourceTenant Source = ResourceTenantHeader
)

// FromHeader reads a service's answer: the Bearer challenge's
// authorization_uri first (the service's own statement of where to
// authenticate), then X-VSS-ResourceTenant.
func FromHeader(h http.Header) (string, Source, bool) {
	if t, ok := FromChallenges(h.Values("WWW-Authenticate")); ok {
		return t, FromChallenge, true
	}
	if t, ok := FromResourceTenantValues(h.Values(ResourceTenantHeader)); ok {
		return t, FromResourceTenant, true
	}
	return "", "", false
}

// FromChallenges returns the tenant of the first Bearer challenge, among
// WWW-Authenticate values (each may hold several challenges), whose
// authorization_uri is an https URL on a known Entra ID host with a tenant
// id as its first path segment.
func FromChallenges(values []string) (string, bool) {
	for _, v := range values {
		for _, c := range ParseChallenges(v) {
			if !strings.EqualFold(c.Scheme, "Bearer") {
				continue
			}
			if t, ok := TenantFromAuthority(c.Params["authorization_uri"]); ok {
				return t, true
			}
		}
	}
	return "", false
}

// TenantFromAuthority returns the tenant id in an authority URL such as
// https://login.microsoftonline.com/<tenant-id> (a path after the tenant,
// such as /oauth2/authorize, is allowed). Anything else, including an
// authority on a host that is not a known Entra ID cloud, a port other
// than 443, user information, or a tenant that is not a GUID, gives false.
func TenantFromAuthority(raw string) (string, bool) {
	if raw == "" || len(raw) > 2048 {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.User != nil || u.Opaque != "" || !httpx.KnownAuthorityHost(u.Host) {
		return "", false
	}
	if p := u.Port(); p != "" && p != "443" {
		return "", false
	}
	first, _, _ := strings.Cut(strings.TrimPrefix(u.EscapedPath(), "/"), "/")
	return tenantID(first)
}

// FromResourceTenantValues reads X-VSS-ResourceTenant: a comma-separated
// list of tenant ids. The first id that is not the nil GUID wins; an
// organization backed by Microsoft accounts sends only the nil GUID, and
// then there is no tenant to ask for (the chain's default applies).
func FromResourceTenantValues(values []string) (string, bool) {
	for _, v := range values {
		for _, f := range strings.Split(v, ",") {
			if t, ok := tenantID(strings.TrimSpace(f)); ok {
				return t, true
			}
		}
	}
	return "", false
}

// tenantID accepts a GUID other than the nil one, in lower case.
func tenantID(s string) (string, bool) {
	if !resources.IsGUID(s) {
		return "", false
	}
	s = strings.ToLower(s)
	if s == nilTenant {
		return "", false
	}
	return s, true
}
