package cli

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/aztoken/aztoken/internal/resources"
	"github.com/aztoken/aztoken/internal/source"
	"github.com/aztoken/aztoken/internal/usage"
)

// The rules, written out once more as patterns, to check the helpers by.
var (
	scopeRule  = regexp.MustCompile(`^[A-Za-z0-9._/:-]+$`)
	tenantRule = regexp.MustCompile(`^[A-Za-z0-9.-]{1,256}$`)
)

// noControl fails the test when a message shown to users holds a control
// character: the helpers quote what users typed with %q.
func noControl(t *testing.T, what, msg string) {
	t.Helper()
	for _, r := range msg {
		if unicode.IsControl(r) {
			t.Fatalf("%s holds control character %U: %q", what, r, msg)
		}
	}
}

// FuzzScopesAndResource feeds --scope, --resource, a configured tenant,
// --tenant and AZURE_ADDITIONALLY_ALLOWED_TENANTS to the helpers that
// check them. scopes holds one --scope a line.
func FuzzScopesAndResource(f *testing.F) {
	f.Add("", "", "", "", "")
	f.Add("vault", "", "72f988bf-86f1-41af-91ab-2d7cd011db47", "contoso.onmicrosoft.com", "contoso.onmicrosoft.com;fabrikam.com")
	f.Add("", "https://graph.microsoft.com/.default\nhttps://graph.microsoft.com/User.Read", "organizations", "fabrikam.com", "")
	f.Add("https://x/;rm -rf", "", "t1", "t2", "*")
	f.Fuzz(func(t *testing.T, resource, scopes, configured, requested, allowedVar string) {
		var scopeList []string
		if scopes != "" {
			scopeList = strings.Split(scopes, "\n")
		}

		if v := resources.ValidTenant(requested); v != tenantRule.MatchString(requested) {
			t.Fatalf("ValidTenant(%q) = %v, against the rule", requested, v)
		}

		scope := resources.ToScope(resources.Expand(resource))
		got, err := scopesFor(scopeList, resource)
		if err != nil {
			if !errors.Is(err, usage.Err) {
				t.Fatalf("scopesFor returned %v (%T), want a usage error", err, err)
			}
			noControl(t, "scopesFor's error", err.Error())
			if limit := 512 + 10*max(len(resource), len(scopes)); len(err.Error()) > limit {
				t.Fatalf("scopesFor's error is %d bytes, over %d", len(err.Error()), limit)
			}
		} else {
			if len(got) == 0 {
				t.Fatal("scopesFor succeeded with no scopes")
			}
			for _, s := range got {
				if resources.Validate(s) != nil || !scopeRule.MatchString(s) {
					t.Fatalf("scopesFor let through %q", s)
				}
			}
			if resource != "" && !slices.Equal(got, []string{scope}) {
				t.Fatalf("scopesFor(--resource %q) = %q, want [%q]", resource, got, scope)
			}
		}

		allowed := source.AllowedTenants(allowedVar)
		for _, a := range allowed {
			if a == "" || a != strings.TrimSpace(a) || strings.Contains(a, ";") {
				t.Fatalf("AllowedTenants(%q) gave %q", allowedVar, allowed)
			}
		}
		tenant, err := source.ResolveTenant(configured, requested, allowed)
		if err != nil {
			noControl(t, "ResolveTenant's error", err.Error())
			if requested == "" || strings.EqualFold(requested, configured) {
				t.Fatalf("ResolveTenant refused %q, which needs no permission (configured %q): %v", requested, configured, err)
			}
			return
		}
		if tenant != configured && !resources.ValidTenant(tenant) {
			t.Fatalf("ResolveTenant(%q, %q) = %q, an invalid tenant", configured, requested, tenant)
		}
		if tenant != configured && tenant != requested {
			t.Fatalf("ResolveTenant(%q, %q) = %q, neither of them", configured, requested, tenant)
		}
		if !strings.EqualFold(tenant, configured) {
			open := slices.Contains([]string{"", "organizations", "common"}, strings.ToLower(configured))
			listed := slices.Contains(allowed, "*") || slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(a, tenant) })
			if !open && !listed {
				t.Fatalf("ResolveTenant let %q replace configured %q without AZURE_ADDITIONALLY_ALLOWED_TENANTS (%q)", tenant, configured, allowedVar)
			}
		}
	})
}
