package source

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/resources"
)

// AllowedTenants parses AZURE_ADDITIONALLY_ALLOWED_TENANTS (";"-separated).
func AllowedTenants(v string) []string {
	var out []string
	for _, t := range strings.Split(v, ";") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// ResolveTenant applies the SDKs' tenant rule: a requested tenant other
// than the configured one is allowed only when it is listed in allowed (or
// allowed holds "*"), or when the configured tenant is empty or
// "organizations"/"common". It returns the tenant to use.
func ResolveTenant(configured, requested string, allowed []string) (string, error) {
	if requested == "" || strings.EqualFold(requested, configured) {
		return configured, nil
	}
	if !resources.ValidTenant(requested) {
		return "", fmt.Errorf("tenant %q is not %s", requested, resources.TenantRule)
	}
	switch strings.ToLower(configured) {
	case "", "organizations", "common":
		return requested, nil
	}
	if slices.Contains(allowed, "*") || slices.ContainsFunc(allowed, func(t string) bool { return strings.EqualFold(t, requested) }) {
		return requested, nil
	}
	return "", &TenantMismatchError{Configured: configured, Requested: requested}
}

// TenantMismatchError is a request for a tenant the source is not
// configured for and may not switch to. The SDKs compare tenants as text,
// case-insensitively, and so do we: a directory id and a domain name
// (00000000-… and contoso.onmicrosoft.com) may name the same directory,
// but only Entra ID can say so, and nothing is sent before this check.
type TenantMismatchError struct {
	Configured, Requested string
}

func (e *TenantMismatchError) Error() string {
	msg := fmt.Sprintf("tenant %q was requested, but this source is configured for tenant %q", e.Requested, e.Configured)
	switch reqID, confID := resources.IsGUID(e.Requested), resources.IsGUID(e.Configured); {
	case reqID && confID:
		msg += ", a different directory"
	case reqID != confID:
		msg += "; a domain name and a directory id may name the same directory, but that cannot be known without asking Entra ID, so they count as different tenants, as in the Azure SDKs"
	default:
		msg += "; two domain names may belong to the same directory, but that cannot be known without asking Entra ID, so they count as different tenants, as in the Azure SDKs"
	}
	return msg + "; it is not listed in AZURE_ADDITIONALLY_ALLOWED_TENANTS"
}

// Mask shows only the first few characters of a secret, enough to tell two
// apart without revealing either.
func Mask(secret string) string {
	if secret == "" {
		return ""
	}
	if len(secret) <= 8 {
		return "****"
	}
	return secret[:3] + "…(" + fmt.Sprint(len(secret)) + " chars)"
}

// oneScope is the rule of the sources that ask for a v1 resource (az,
// Azure PowerShell, managed identity): a request names exactly one scope,
// which becomes its resource. who names the source in the sentence.
func oneScope(req chain.Request, who string) (string, error) {
	if len(req.Scopes) != 1 {
		return "", chain.Failed(nil, "ask for one scope, such as https://management.azure.com/.default",
			"%s gives a token for exactly one scope, and %d were asked for", who, len(req.Scopes))
	}
	return req.Scopes[0], nil
}
