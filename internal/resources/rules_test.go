package resources

import (
	"strings"
	"testing"
)

func TestCheckWord(t *testing.T) {
	for _, tt := range []struct {
		word, want string // want: "" for accepted, else a part of the error
	}{
		{"vault", ""},
		{"VAULT", ""},
		{"https://vault.azure.net", ""},
		{"api://my-app", ""},
		{"499b84ac-1321-427f-aa17-267ca6975798", ""},
		{"keyvault", "did you mean vault?"},
		{"grpah", "did you mean graph?"},
		{"sotrage", "did you mean storage?"},
		{"management", "nor a resource URI"},
		{"xyzzy", "nor a resource URI such as https://vault.azure.net"},
		{"kv", "is neither an alias"},
	} {
		err := CheckWord(tt.word)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckWord(%q) = %v, want nil", tt.word, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("CheckWord(%q) = %v, want it to say %q", tt.word, err, tt.want)
		}
	}
	if err := CheckWord("xyzzy"); strings.Contains(err.Error(), "did you mean") {
		t.Errorf("no alias is near xyzzy, but: %v", err)
	}
}

func TestScopeResource(t *testing.T) {
	for _, tt := range []struct{ scope, resource, permission string }{
		{"https://vault.azure.net/.default", "https://vault.azure.net", ".default"},
		{"https://management.azure.com//.default", "https://management.azure.com/", ".default"},
		{"https://graph.microsoft.com/User.Read", "https://graph.microsoft.com", "User.Read"},
		{"https://contoso.com/api/access", "https://contoso.com/api", "access"},
		{"api://my-app/.default", "api://my-app", ".default"},
		{"499b84ac-1321-427f-aa17-267ca6975798/.default", "499b84ac-1321-427f-aa17-267ca6975798", ".default"},
		{"User.Read", "https://graph.microsoft.com", "User.Read"},
		{"https://vault.azure.net", "https://vault.azure.net", ""},
		{"https://vault.azure.net/", "https://vault.azure.net/", ""},
		{"api://my-app", "api://my-app", ""},
		{"499b84ac-1321-427f-aa17-267ca6975798", "499b84ac-1321-427f-aa17-267ca6975798", ""},
		{"openid", "", ""},
		{"offline_access", "", ""},
	} {
		r, p := ScopeResource(tt.scope)
		if r != tt.resource || p != tt.permission {
			t.Errorf("ScopeResource(%q) = %q, %q; want %q, %q", tt.scope, r, p, tt.resource, tt.permission)
		}
	}
}

func TestCheckScopes(t *testing.T) {
	for _, tt := range []struct {
		scopes []string
		want   string
	}{
		{[]string{"https://vault.azure.net/.default"}, ""},
		{[]string{"https://graph.microsoft.com/User.Read", "User.Read", "openid", "offline_access"}, ""},
		{[]string{"https://graph.microsoft.com/User.Read", "https://GRAPH.microsoft.com/Mail.Send"}, ""},
		{[]string{"https://vault.azure.net"}, `ask for "https://vault.azure.net/.default"`},
		{[]string{"https://vault.azure.net"}, "AADSTS1002012"},
		{[]string{"https://vault.azure.net/.default", "https://graph.microsoft.com/User.Read"}, "two resources (https://vault.azure.net and https://graph.microsoft.com)"},
		{[]string{"https://vault.azure.net/.default", "User.Read"}, "AADSTS70011"},
	} {
		err := CheckScopes(tt.scopes)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckScopes(%q) = %v, want nil", tt.scopes, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("CheckScopes(%q) = %v, want it to say %q", tt.scopes, err, tt.want)
		}
	}
}

func TestIsGUID(t *testing.T) {
	for s, want := range map[string]bool{
		"72f988bf-86f1-41af-91ab-2d7cd011db47": true,
		"72F988BF-86F1-41AF-91AB-2D7CD011DB47": true,
		"72f988bf86f141af91ab2d7cd011db47":     false,
		"72f988bf-86f1-41af-91ab-2d7cd011db4g": false,
		"contoso.onmicrosoft.com":              false,
		"":                                     false,
	} {
		if IsGUID(s) != want {
			t.Errorf("IsGUID(%q) = %v", s, !want)
		}
	}
}

// An application identity asks for <resource>/.default only (issue 21.7).
func TestCheckAppScopes(t *testing.T) {
	for _, tt := range []struct {
		scopes []string
		want   string // in the error; "" for none
	}{
		{[]string{"https://graph.microsoft.com/.default"}, ""},
		{[]string{"api://8c1f0a3e-0000-4000-8000-000000000001/.default"}, ""},
		{nil, ""},
		{[]string{"https://graph.microsoft.com/User.Read"}, `is a delegated permission, which only a signed-in user is granted; an application is granted application permissions and asks for "https://graph.microsoft.com/.default", or Entra ID refuses it (AADSTS1002012)`},
		{[]string{"https://graph.microsoft.com/.default", "offline_access"}, `"offline_access" is an OpenID scope`},
		{[]string{"https://vault.azure.net"}, "is not a resource's /.default scope"},
	} {
		err := CheckAppScopes(tt.scopes)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckAppScopes(%q) = %v, want nil", tt.scopes, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("CheckAppScopes(%q) = %v, want it to say %q", tt.scopes, err, tt.want)
		}
	}
}
