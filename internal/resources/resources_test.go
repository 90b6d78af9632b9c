package resources

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestToScopeAndBack(t *testing.T) {
	for _, tt := range []struct {
		word, resource, scope string
	}{
		{"vault", "https://vault.azure.net", "https://vault.azure.net/.default"},
		{"ARM", "https://management.azure.com", "https://management.azure.com/.default"},
		{"devops", "499b84ac-1321-427f-aa17-267ca6975798", "499b84ac-1321-427f-aa17-267ca6975798/.default"},
		// A trailing slash is part of the resource: kept, as the identity
		// platform documents ("//.default") and az does.
		{"https://management.core.windows.net/", "https://management.core.windows.net/", "https://management.core.windows.net//.default"},
		{"https://contoso.com/api", "https://contoso.com/api", "https://contoso.com/api/.default"},
		{"api://my-app", "api://my-app", "api://my-app/.default"},
	} {
		t.Run(tt.word, func(t *testing.T) {
			r := Expand(tt.word)
			if r != tt.resource {
				t.Fatalf("Expand(%q) = %q, want %q", tt.word, r, tt.resource)
			}
			if got := ToScope(r); got != tt.scope {
				t.Fatalf("ToScope(%q) = %q, want %q", r, got, tt.scope)
			}
			if got := FromScope(tt.scope); got != tt.resource {
				t.Fatalf("FromScope(%q) = %q, want %q", tt.scope, got, tt.resource)
			}
		})
	}
	if got := FromScope("https://graph.microsoft.com/User.Read"); got != "https://graph.microsoft.com/User.Read" {
		t.Errorf("FromScope of a non-default scope changed it: %q", got)
	}
}

func TestAliases(t *testing.T) {
	names := Aliases()
	if !slices.IsSorted(names) || !slices.Contains(names, Default) || len(names) != len(aliases) {
		t.Fatalf("Aliases() = %q", names)
	}
	for _, n := range names {
		r := Expand(n)
		if err := Validate(ToScope(r)); err != nil {
			t.Errorf("alias %q gives scope %q, which %v", n, ToScope(r), err)
		}
		if strings.HasSuffix(r, "/") {
			t.Errorf("alias %q names %q: aliases name resources without a trailing slash", n, r)
		}
	}
}

func TestCompare(t *testing.T) {
	for _, tt := range []struct {
		a, b    string
		sameAPI bool
	}{
		{"https://vault.azure.net", "https://VAULT.azure.net", true},
		{"https://vault.azure.net", "https://vault.azure.net/", true},
		{"https://vault.azure.net", "https://vault.azure.net//", true},
		{"https://vault.azure.net", "https://graph.microsoft.com", false},
	} {
		if got := API(tt.a) == API(tt.b); got != tt.sameAPI {
			t.Errorf("API(%q) == API(%q) is %v, want %v", tt.a, tt.b, got, tt.sameAPI)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tt := range []struct {
		in, wantErr string
	}{
		{"https://vault.azure.net/.default", ""},
		{"499b84ac-1321-427f-aa17-267ca6975798", ""},
		{"api://x_y", ""},
		{"", "is empty"},
		{strings.Repeat("a", MaxLen), ""},
		{strings.Repeat("a", MaxLen+1), "longer than 512"},
		{"https://x/.default;rm -rf", "characters outside"},
		{"https://x/?a=b", "characters outside"},
		{"https://x/\n", "characters outside"},
		{"https://vault.azure.net/.défault", "characters outside"},
	} {
		err := Validate(tt.in)
		if (err == nil) != (tt.wantErr == "") || err != nil && !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("Validate(%q) = %v, want %q", tt.in, err, tt.wantErr)
		}
	}
}

// The rule, written out once more as a pattern, to check Validate by.
var rule = regexp.MustCompile(`^[A-Za-z0-9._/:-]{1,512}$`)

func FuzzRules(f *testing.F) {
	for _, s := range []string{"vault", "https://management.azure.com/", "a b", "x/.default", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := Validate(s) == nil; got != rule.MatchString(s) {
			t.Fatalf("Validate(%q) ok=%v, against the rule", s, got)
		}
		if FromScope(ToScope(s)) != s {
			t.Fatalf("FromScope(ToScope(%q)) = %q", s, FromScope(ToScope(s)))
		}
		if s != "" && Validate(s) == nil && Validate(ToScope(s)) != nil && len(ToScope(s)) <= MaxLen {
			t.Fatalf("ToScope(%q) made a valid resource invalid", s)
		}
		if API(s) != API(API(s)) {
			t.Fatalf("API of %q is not stable", s)
		}
	})
}
