package resources

import (
	"strings"
	"testing"
)

func TestCheckIdentityID(t *testing.T) {
	t.Parallel()
	const rid = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/my-rg_(1).x/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-1_a"
	for _, tt := range []struct {
		kind, value string
		ok          bool
	}{
		{"client_id", "72f988bf-86f1-41af-91ab-2d7cd011db47", true},
		{"object_id", "72F988BF-86F1-41AF-91AB-2D7CD011DB47", true},
		{"client_id", "my-app", false},
		{"client_id", "72f988bf-86f1-41af-91ab-2d7cd011db47&resource=x", false},
		{"resource_id", rid, true},
		{"resource_id", strings.ToLower(rid), true},
		{"resource_id", "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id?x=1", false},
		{"resource_id", "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id", false},
		{"resource_id", "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm", false},
		{"resource_id", "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups//providers/Microsoft.ManagedIdentity/userAssignedIdentities/id", false},
		{"resource_id", rid + "/extra", false},
		{"resource_id", strings.Replace(rid, "id-1_a", strings.Repeat("n", 600), 1), false},
	} {
		if err := CheckIdentityID(tt.kind, tt.value); (err == nil) != tt.ok {
			t.Errorf("CheckIdentityID(%s, %.60q) = %v, want ok=%v", tt.kind, tt.value, err, tt.ok)
		}
	}
}

func TestValidTenant(t *testing.T) {
	for _, tt := range []struct {
		tenant string
		ok     bool
	}{
		{"72f988bf-86f1-41af-91ab-2d7cd011db47", true},
		{"contoso.onmicrosoft.com", true},
		{"organizations", true},
		{"", false},
		{"a/b", false},
		{"contoso.com?x=1", false},
		{"tenänt", false},
		{strings.Repeat("a", 256), true},
		{strings.Repeat("a", 257), false}, // bounded on every path, not only in the Entra ID fake
	} {
		if got := ValidTenant(tt.tenant); got != tt.ok {
			t.Errorf("ValidTenant(%.40q) = %v, want %v", tt.tenant, got, tt.ok)
		}
	}
}
