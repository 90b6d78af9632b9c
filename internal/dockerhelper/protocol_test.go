package dockerhelper

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestReadServerURL(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"myregistry.azurecr.io\n", "myregistry.azurecr.io", true},
		{"  https://myregistry.azurecr.io/\r\n", "https://myregistry.azurecr.io/", true},
		{"", "", false},
		{"\n", "", false},
		{strings.Repeat("a", maxRequest+1), "", false},
	} {
		got, err := ReadServerURL(strings.NewReader(tt.in))
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ReadServerURL(%.20q) = %q, %v", tt.in, got, err)
		}
	}
}

func TestCredentialsAreDockersShape(t *testing.T) {
	got := string(Credentials{ServerURL: "r.azurecr.io", Username: "u", Secret: "s<&>"}.Marshal())
	want := `{"ServerURL":"r.azurecr.io","Username":"u","Secret":"s\u003c\u0026\u003e"}` + "\n"
	if got != want {
		t.Errorf("got %s want %s", got, want)
	}
}

func TestSettingsRoundTrip(t *testing.T) {
	path := SettingsPath(filepath.Join(t.TempDir(), "config.json"))
	s, err := LoadSettings(path)
	if err != nil || len(s.Registries) != 0 {
		t.Fatalf("a missing file: %v, %v", s, err)
	}
	s.Registries["b.example:5000"] = Registry{Sources: []string{"env"}}
	s.Registries["a.azurecr.io"] = Registry{Tenant: "contoso.onmicrosoft.com"}
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := LoadSettings(path)
	if err != nil {
		t.Fatal(err)
	}
	if h := back.Hosts(); len(h) != 2 || h[0] != "a.azurecr.io" || back.Registries["b.example:5000"].Sources[0] != "env" {
		t.Errorf("read back %+v", back)
	}
}
