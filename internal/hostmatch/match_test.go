package hostmatch

import (
	"strings"
	"testing"
)

func TestContainerRegistry(t *testing.T) {
	m, err := New(ContainerRegistry, "registry.contoso.example", "127.0.0.1:5000", "https://[::1]:5443/")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		server string
		want   string // "" for no match
	}{
		// The login servers, in every accepted spelling.
		{"myregistry.azurecr.io", "myregistry.azurecr.io"},
		{"MyRegistry.AzureCR.IO", "myregistry.azurecr.io"},
		{"https://myregistry.azurecr.io", "myregistry.azurecr.io"},
		{"HTTPS://myregistry.azurecr.io/", "myregistry.azurecr.io"},
		{"myregistry.azurecr.io/", "myregistry.azurecr.io"},
		{"my-registry-abc123.azurecr.io", "my-registry-abc123.azurecr.io"},
		{"gov.azurecr.us", "gov.azurecr.us"},
		{"china.azurecr.cn", "china.azurecr.cn"},

		// Look-alikes: suffix not anchored at the end, or more labels.
		{"evil.azurecr.io.attacker.example", ""},
		{"myregistry.azurecr.io.", ""},
		{"myregistry.azurecr.io.evil", ""},
		{"azurecr.io", ""},
		{".azurecr.io", ""},
		{"a.b.azurecr.io", ""},
		{"myregistry.eastus.data.azurecr.io", ""},
		{"myregistryazurecr.io", ""},
		{"myregistry-azurecr.io", ""},
		{"myregistry.azurecr.com", ""},
		{"myregistry.azurecr.de", ""},

		// Ports, userinfo, paths, queries, fragments, other schemes.
		{"myregistry.azurecr.io:443", ""},
		{"myregistry.azurecr.io:5000", ""},
		{"myregistry.azurecr.io:", ""},
		{"user@myregistry.azurecr.io", ""},
		{"myregistry.azurecr.io@evil.example", ""},
		{"https://user:pw@myregistry.azurecr.io", ""},
		{"evil.example/myregistry.azurecr.io", ""},
		{"myregistry.azurecr.io/v2/", ""},
		{"myregistry.azurecr.io//", ""},
		{"myregistry.azurecr.io?x=.azurecr.io", ""},
		{"myregistry.azurecr.io#frag", ""},
		{"http://myregistry.azurecr.io", ""},
		{"ftp://myregistry.azurecr.io", ""},
		{"//myregistry.azurecr.io", ""},
		{`evil.example\myregistry.azurecr.io`, ""},
		{"evil.example%2fmyregistry.azurecr.io", ""},

		// Bytes outside the host alphabet, Unicode look-alikes.
		{"myregistry.azurecr.io\n", ""},
		{" myregistry.azurecr.io", ""},
		{"myregistry\x00.azurecr.io", ""},
		{"my_registry.azurecr.io", ""},
		{"myregistry.azurecr.\u0456o", ""},                               // Cyrillic і
		{"\u212aeyvault.azurecr.io", ""},                                 // Kelvin sign, which ToLower folds to k
		{"myregistry\uff0eazurecr.io", ""},                               // fullwidth full stop
		{"xn--myrgistry-b1a.azurecr.io", "xn--myrgistry-b1a.azurecr.io"}, // punycode is a plain label
		{"-myregistry.azurecr.io", ""},
		{"myregistry-.azurecr.io", ""},
		{strings.Repeat("a", 64) + ".azurecr.io", ""},
		{strings.Repeat("a", 63) + ".azurecr.io", strings.Repeat("a", 63) + ".azurecr.io"},
		{"", ""},
		{"https://", ""},

		// What the user named, exactly, port included; nothing else.
		{"registry.contoso.example", "registry.contoso.example"},
		{"Registry.Contoso.Example", "registry.contoso.example"},
		{"registry.contoso.example:443", ""},
		{"x.registry.contoso.example", ""},
		{"127.0.0.1:5000", "127.0.0.1:5000"},
		{"https://127.0.0.1:5000/", "127.0.0.1:5000"},
		{"127.0.0.1", ""},
		{"127.0.0.1:5001", ""},
		{"127.0.0.1:05000", ""},
		{"[::1]:5443", "[::1]:5443"},
		{"[0:0::1]:5443", "[::1]:5443"},
		{"[::1]", ""},
		{"[fe80::1%eth0]:5443", ""},
		{"::1:5443", ""},
	} {
		got, ok := m.Match(tt.server)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Match(%q) = %q, %v; want %q, %v", tt.server, got, ok, tt.want, tt.want != "")
		}
	}
}

func TestRowsAnswerOnlyForTheirService(t *testing.T) {
	m, err := New(Service("another"))
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := m.Match("myregistry.azurecr.io"); ok {
		t.Errorf("a matcher for another service matched a registry: %q", got)
	}
}

func TestNamedHostsAreChecked(t *testing.T) {
	for _, named := range []string{
		"", "http://registry.example", "registry.example/path", "user@registry.example",
		"registry.example:0", "registry.example:65536", "registry.example:x",
		"registry..example", "registry.example.", "[::1", "[registry.example]:5000",
		strings.Repeat("a", 301),
	} {
		if _, err := New(ContainerRegistry, named); err == nil {
			t.Errorf("New(%q) accepted it", named)
		} else if strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "give a host name") {
			t.Errorf("New(%q) error does not say what to give: %v", named, err)
		}
	}
}

func TestRowsAreWellFormed(t *testing.T) {
	for _, r := range Rows {
		if (r.Host == "") == (r.Suffix == "") {
			t.Errorf("row %+v: set exactly one of Host and Suffix", r)
		}
		if r.Suffix != "" && !strings.HasPrefix(r.Suffix, ".") {
			t.Errorf("row %+v: a suffix starts with '.', or it would match look-alikes", r)
		}
		name := r.Host
		if name == "" {
			name = "x" + r.Suffix
		}
		if c, err := Canonical(name); err != nil || c != name {
			t.Errorf("row %+v is not in canonical form: %q, %v", r, c, err)
		}
	}
}
