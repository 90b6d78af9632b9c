package resources

import (
	"errors"
	"strings"
	"unicode"
)

// The ids that say whom a token is from and for, checked here once for
// every path (get's flags, serve's clients, the emulator, the Entra ID
// fake's routes): a directory (tenant), an application, client or object
// id, and a user-assigned managed identity's resource id.

// maxTenant bounds a tenant: a directory id is 36 characters, a domain
// name at most 253.
const maxTenant = 256

// ValidTenant reports whether tenant is what Entra ID takes as a tenant
// in a URL's path: a directory id, a domain such as
// contoso.onmicrosoft.com, or common, organizations or consumers; that is,
// at most 256 of A-Z, a-z, 0-9, '.' and '-'.
func ValidTenant(tenant string) bool {
	return tenant != "" && len(tenant) <= maxTenant && onlyASCII(tenant, ".-")
}

// TenantRule says, in words for an error message, what ValidTenant takes.
const TenantRule = "a directory id or a domain name (at most 256 of A-Z, a-z, 0-9, '.' and '-')"

// IsGUID reports whether s has the 8-4-4-4-12 hexadecimal shape of
// Entra ID's ids: application, client, object and directory ids.
func IsGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// maxResourceID bounds an Azure resource id; ARM's own limit is far below.
const maxResourceID = 512

// CheckIdentityID checks a user-assigned managed identity's id of the given
// kind: "client_id" and "object_id" are GUIDs, "resource_id" is the
// identity's Azure resource id,
// /subscriptions/<id>/resourceGroups/<group>/providers/
// Microsoft.ManagedIdentity/userAssignedIdentities/<name>. A value of
// another shape can only come back from the endpoint as "identity not
// found", after a round trip, or end up in a URL as something else. The
// error completes a sentence that starts with the value.
func CheckIdentityID(kind, value string) error {
	switch kind {
	case "client_id", "object_id":
		if !IsGUID(value) {
			return errors.New("is not a GUID such as 00000000-0000-0000-0000-000000000000")
		}
	case "resource_id":
		if !validIdentityResourceID(value) {
			return errors.New("is not a user-assigned identity's resource id such as /subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>")
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
	return IsGUID(parts[2]) &&
		group != "" && len(group) <= 90 && onlyLetters(group, "._()-") &&
		name != "" && len(name) <= 128 && onlyASCII(name, "_-")
}

// onlyASCII: ASCII letters and digits, and the runes in extra.
func onlyASCII(s, extra string) bool {
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

// onlyLetters is onlyASCII with letters and digits of any script, as
// resource group names allow.
func onlyLetters(s, extra string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(extra, r) {
			return false
		}
	}
	return true
}
