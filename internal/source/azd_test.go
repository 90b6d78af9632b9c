package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
)

func TestParseAzdToken(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, out string
		want      time.Time
		wantErr   string
	}{
		{"ok", `{"token":"tok","expiresOn":"2099-01-01T00:00:00Z"}`, time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), ""},
		{"offset and fraction", `{"token":"tok","expiresOn":"2024-06-01T12:00:00.5+02:00"}`, time.Date(2024, 6, 1, 10, 0, 0, 5e8, time.UTC), ""},
		{"not JSON", `tok-secret`, time.Time{}, "is not JSON"},
		{"no token", `{"expiresOn":"2099-01-01T00:00:00Z"}`, time.Time{}, "no token"},
		{"bad time", `{"token":"tok-secret","expiresOn":"01/01/2099"}`, time.Time{}, "not an RFC 3339 time"},
		{"wrong type", `{"token":"tok-secret","expiresOn":5}`, time.Time{}, `field "expiresOn"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseAzdToken([]byte(c.out))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || strings.Contains(err.Error(), "secret") {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil || got.AccessToken != "tok" || !got.ExpiresOn.Equal(c.want) || got.TokenType != "Bearer" {
				t.Errorf("got %+v, %v", got, err)
			}
		})
	}
}

func TestAzureDevCLIEndToEnd(t *testing.T) {
	t.Parallel()
	log := toolLog(t)
	cfg := toolConfig(t, map[string]string{"FAKE_AZD_LOG": log, "FAKE_AZD_TOKEN": fakeSecretToken})
	src := NewAzureDevCLI(cfg)
	if src.Name() != chain.AzureDevCLI {
		t.Errorf("Name = %q", src.Name())
	}
	req := chain.Request{Scopes: []string{testVaultScope, "https://graph.microsoft.com/.default"}, Tenant: "contoso.example"}
	o := tryTool(src, req)
	if o.Status != chain.StatusOK || o.Token.AccessToken != fakeSecretToken || o.Token.Tenant != "contoso.example" ||
		!o.Token.ExpiresOn.Equal(time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("got %v %q %+v", o.Status, o.Reason, o.Token)
	}
	want := "args: auth token -o json --no-prompt --scope https://vault.azure.net/.default --scope https://graph.microsoft.com/.default --tenant-id contoso.example\n"
	if got := readToolLog(t, log); !strings.Contains(got, want) {
		t.Errorf("log:\n%s\nwant %q", got, want)
	}
	d := src.Describe(req)
	if d.Verdict != chain.WouldTry || d.Detail != "runs azd "+strings.TrimSuffix(strings.TrimPrefix(want, "args: "), "\n") {
		t.Errorf("describe: %+v", d)
	}
	if len(d.Warnings) != 1 || !strings.Contains(d.Warnings[0], "azd auth login") {
		t.Errorf("warnings %q", d.Warnings)
	}
}

func TestAzureDevCLICacheKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := NewAzureDevCLI(toolConfig(t, map[string]string{"AZD_CONFIG_DIR": dir}))
	req := chain.Request{Scopes: []string{testVaultScope}}
	k0, ok := src.CacheKey(req)
	if !ok || !strings.HasPrefix(k0, "azd||") {
		t.Fatalf("key %q %v", k0, ok)
	}
	os.MkdirAll(filepath.Join(dir, "auth", "msal"), 0o700)
	os.WriteFile(filepath.Join(dir, "auth", "msal", "cache.json"), []byte("alice"), 0o600)
	k1, _ := src.CacheKey(req)
	os.WriteFile(filepath.Join(dir, "auth", "msal", "cache.json"), []byte("bob"), 0o600)
	k2, _ := src.CacheKey(req)
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"auth":{"useAzCliAuth":"true"}}`), 0o600)
	k3, _ := src.CacheKey(req)
	if k0 == k1 || k1 == k2 || k2 == k3 {
		t.Errorf("keys did not follow the login: %q %q %q %q", k0, k1, k2, k3)
	}
	if d := src.Describe(req); len(d.Warnings) != 0 || d.Inputs[2].State != "readable" {
		t.Errorf("describe with a login: %+v", d)
	}
}
