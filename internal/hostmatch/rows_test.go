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

func TestAzureArtifacts(t *testing.T) {
	m, err := New(AzureArtifacts)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		host string
		want string // "" for no match
	}{
		{"pkgs.dev.azure.com", "pkgs.dev.azure.com"},
		{"PKGS.dev.Azure.com", "pkgs.dev.azure.com"},
		{"https://pkgs.dev.azure.com", "pkgs.dev.azure.com"},
		{"contoso.pkgs.visualstudio.com", "contoso.pkgs.visualstudio.com"},

		{"http://pkgs.dev.azure.com", ""},
		{"pkgs.dev.azure.com:443", ""},
		{"pkgs.dev.azure.com.evil.example", ""},
		{"evil-pkgs.dev.azure.com", ""},
		{"x.pkgs.dev.azure.com", ""},
		{"a.b.pkgs.visualstudio.com", ""},
		{"pkgs.visualstudio.com", ""},
		{"contoso.pkgs.visualstudio.com.evil.example", ""},
		{"user@pkgs.dev.azure.com", ""},
		// Azure Repos' and the registry's hosts are not feeds, nor the
		// other way round.
		{"dev.azure.com", ""},
		{"contoso.visualstudio.com", ""},
		{"myregistry.azurecr.io", ""},
	} {
		got, ok := m.Match(tt.host)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Match(%q) = %q, %v; want %q, %v", tt.host, got, ok, tt.want, tt.want != "")
		}
	}
	repos, _ := New(AzureRepos)
	for _, h := range []string{"pkgs.dev.azure.com", "contoso.pkgs.visualstudio.com"} {
		if _, ok := repos.Match(h); ok {
			t.Errorf("the Azure Repos matcher matched %s", h)
		}
	}
}
