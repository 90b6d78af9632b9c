package hostmatch

import "testing"

func TestAzureRepos(t *testing.T) {
	m, err := New(AzureRepos)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		host string
		want string // "" for no match
	}{
		{"dev.azure.com", "dev.azure.com"},
		{"DEV.Azure.com", "dev.azure.com"},
		{"contoso.visualstudio.com", "contoso.visualstudio.com"},
		{"Contoso.VisualStudio.com", "contoso.visualstudio.com"},

		{"dev.azure.com:443", ""},
		{"dev.azure.com:8443", ""},
		{"contoso.visualstudio.com:443", ""},
		{"dev.azure.com.evil.example", ""},
		{"evil-dev.azure.com", ""},
		{"x.dev.azure.com", ""},
		{"azure.com", ""},
		{"visualstudio.com", ""},
		{"a.b.visualstudio.com", ""},
		{"contoso.visualstudio.com.evil.example", ""},
		{"contosovisualstudio.com", ""},
		{"user@dev.azure.com", ""},
		{"dev.azure.com@evil.example", ""},
		{"dev.azure.com/contoso", ""},
		{"http://dev.azure.com", ""},
		{"dev.azure.com.", ""},
		{"dev\u2024azure.com", ""}, // one dot leader, not a full stop
		// Another service's hosts are not Azure Repos'.
		{"myregistry.azurecr.io", ""},
	} {
		got, ok := m.Match(tt.host)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Match(%q) = %q, %v; want %q, %v", tt.host, got, ok, tt.want, tt.want != "")
		}
	}
	acr, _ := New(ContainerRegistry)
	for _, h := range []string{"dev.azure.com", "contoso.visualstudio.com"} {
		if _, ok := acr.Match(h); ok {
			t.Errorf("the registry matcher matched %s", h)
		}
	}
}
