package source

import (
	"fmt"
	"slices"
	"strings"
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

// ValidSubscription reports whether s uses only [A-Za-z0-9 _.-].
func ValidSubscription(s string) bool { return validChars(s, " _.-") }

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
	return "", fmt.Errorf("tenant %q is not the configured tenant %q and is not listed in AZURE_ADDITIONALLY_ALLOWED_TENANTS; add it there (or \"*\") to allow it", requested, configured)
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
