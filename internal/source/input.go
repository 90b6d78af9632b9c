package source

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/aztoken/aztoken/internal/resources"
)

func validChars(s, extra string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune(extra, r):
		default:
			return false
		}
	}
	return true
}

// ValidTenant reports whether tenant uses only [A-Za-z0-9.-].
func ValidTenant(tenant string) bool { return validChars(tenant, ".-") }

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
	if !ValidTenant(requested) {
		return "", fmt.Errorf("tenant %q has characters outside A-Z, a-z, 0-9, '.' and '-'", requested)
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

// maxResourceID bounds an Azure resource id; ARM's own limit is far below.
const maxResourceID = 512

// CheckIdentityID checks the value of --client-id or --object-id (a GUID)
// or --resource-id (a user-assigned identity's Azure resource id,
// /subscriptions/<id>/resourceGroups/<group>/providers/
// Microsoft.ManagedIdentity/userAssignedIdentities/<name>). A value of
// another shape can only come back from the endpoint as "identity not
// found", after a round trip, or end up in a URL as something else. The
// error names what was expected; the caller echoes the value.
func CheckIdentityID(kind, value string) error {
	switch kind {
	case "client_id", "object_id":
		if !resources.IsGUID(value) {
			return fmt.Errorf("is not a GUID such as 00000000-0000-0000-0000-000000000000")
		}
	case "resource_id":
		if !validIdentityResourceID(value) {
			return fmt.Errorf("is not a user-assigned identity's resource id such as /subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>")
		}
	}
	return nil
}

func validIdentityResourceID(s string) bool {
	if len(s) > maxResourceID {
		return false
	}
	parts := strings.Split(s, "/")
	// "", subscriptions, <id>, resourceGroups, <group>, providers,
	// Microsoft.ManagedIdentity, userAssignedIdentities, <name>
	if len(parts) != 9 || parts[0] != "" {
		return false
	}
	fixed := map[int]string{1: "subscriptions", 3: "resourcegroups", 5: "providers", 6: "microsoft.managedidentity", 7: "userassignedidentities"}
	for i, want := range fixed {
		if strings.ToLower(parts[i]) != want {
			return false
		}
	}
	group, name := parts[4], parts[8]
	return resources.IsGUID(parts[2]) &&
		group != "" && len(group) <= 90 && validRunes(group, "._()-") &&
		name != "" && len(name) <= 128 && validChars(name, "_-")
}

// validRunes is validChars with letters of any script, as resource group
// names allow.
func validRunes(s, extra string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(extra, r) {
			return false
		}
	}
	return true
}
