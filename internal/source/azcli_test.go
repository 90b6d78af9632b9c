package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
)

func TestParseAzToken(t *testing.T) {
	t.Parallel()
	east5 := time.FixedZone("XST", 5*3600)
	epoch := time.Unix(1700000000, 0).UTC()
	for _, c := range []struct {
		name    string
		out     string
		want    chain.Token
		wantErr string
	}{
		{"epoch number preferred", `{"accessToken":"tok","expires_on":1700000000,"expiresOn":"1999-01-01 00:00:00.000000","tenant":"t1","tokenType":"Bearer","subscription":"s"}`,
			chain.Token{AccessToken: "tok", TokenType: "Bearer", ExpiresOn: epoch, Tenant: "t1"}, ""},
		{"epoch string", `{"accessToken":"tok","expires_on":"1700000000"}`,
			chain.Token{AccessToken: "tok", TokenType: "Bearer", ExpiresOn: epoch}, ""},
		{"local expiresOn only, read in loc", `{"accessToken":"tok","expiresOn":"2023-11-15 03:13:20.123456","tokenType":"pop"}`,
			chain.Token{AccessToken: "tok", TokenType: "pop", ExpiresOn: time.Date(2023, 11, 14, 22, 13, 20, 123456000, time.UTC)}, ""},
		{"local expiresOn without fraction", `{"accessToken":"tok","expiresOn":"2023-11-15 03:13:20"}`,
			chain.Token{AccessToken: "tok", TokenType: "Bearer", ExpiresOn: time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)}, ""},
		{"null and zero epoch fall back", `{"accessToken":"tok","expires_on":null,"expiresOn":"2023-11-15 03:13:20"}`,
			chain.Token{AccessToken: "tok", TokenType: "Bearer", ExpiresOn: time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC)}, ""},
		{"byte-order mark", "\xef\xbb\xbf" + `{"accessToken":"tok","expires_on":1700000000}`,
			chain.Token{AccessToken: "tok", TokenType: "Bearer", ExpiresOn: epoch}, ""},
		{"not JSON", `<html>tok-secret</html>`, chain.Token{}, "is not JSON"},
		{"no token", `{"expires_on":1700000000}`, chain.Token{}, "no accessToken"},
		{"no expiry", `{"accessToken":"tok-secret"}`, chain.Token{}, "neither expires_on nor expiresOn"},
		{"bad epoch", `{"accessToken":"tok-secret","expires_on":"soon"}`, chain.Token{}, `expires_on "soon"`},
		{"epoch of another type", `{"accessToken":"tok-secret","expires_on":true}`, chain.Token{}, "neither a number nor a string"},
		{"bad local time", `{"accessToken":"tok-secret","expiresOn":"11/15/2023 03:13"}`, chain.Token{}, "is not a time like"},
		{"token of another type", `{"accessToken":12}`, chain.Token{}, `field "accessToken"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseAzToken([]byte(c.out), east5)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || strings.Contains(err.Error(), "secret") {
					t.Fatalf("err = %v, want %q and no token", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.ExpiresOn.Equal(c.want.ExpiresOn) || got.AccessToken != c.want.AccessToken || got.TokenType != c.want.TokenType || got.Tenant != c.want.Tenant {
				t.Errorf("got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestAzureCLIEndToEnd(t *testing.T) {
	t.Parallel()
	log := toolLog(t)
	cfg := toolConfig(t, map[string]string{
		"FAKE_AZ_LOG": log, "FAKE_AZ_TOKEN": fakeSecretToken, "FAKE_AZ_EXPIRES": "4102444800", "FAKE_AZ_TENANT": "tenant-from-az",
	})
	src := NewAzureCLI(cfg)
	if src.Name() != chain.AzureCLI {
		t.Errorf("Name = %q", src.Name())
	}
	o := tryTool(src, chain.Request{Scopes: []string{testVaultScope}, Tenant: "contoso.example"})
	if o.Status != chain.StatusOK {
		t.Fatalf("got %v %q", o.Status, o.Reason)
	}
	if o.Token.AccessToken != fakeSecretToken || !o.Token.ExpiresOn.Equal(time.Unix(4102444800, 0)) || o.Token.Tenant != "tenant-from-az" || o.Token.TokenType != "Bearer" {
		t.Errorf("token %+v", o.Token)
	}
	if got := readToolLog(t, log); !strings.Contains(got, "args: account get-access-token -o json --resource https://vault.azure.net --tenant contoso.example\n") {
		t.Errorf("log:\n%s", got)
	}
}

// Old az gives only expiresOn, in its own local time: the fake runs in a
// zone 5 hours east of UTC, and the source reads it there.
func TestAzureCLIOldExpiresOn(t *testing.T) {
	t.Parallel()
	cfg := toolConfig(t, map[string]string{"FAKE_AZ_MODE": "ok-expireson-only", "FAKE_AZ_EXPIRES": "4102444800", "TZ": "XST-5",
		"FAKE_AZ_EXPIRES_LOCAL": "2100-01-01 05:00:00.000000", // for az.cmd: cmd has no date arithmetic
	})
	src := NewAzureCLI(cfg)
	src.loc = time.FixedZone("XST", 5*3600)
	o := tryTool(src, chain.Request{Scopes: []string{testVaultScope}})
	if o.Status != chain.StatusOK || !o.Token.ExpiresOn.Equal(time.Unix(4102444800, 0)) {
		t.Errorf("got %v %q, expiry %v", o.Status, o.Reason, o.Token.ExpiresOn)
	}
}

func TestAzureCLIDescribe(t *testing.T) {
	t.Parallel()
	log := toolLog(t)
	cfg := toolConfig(t, map[string]string{"FAKE_AZ_LOG": log})
	src := NewAzureCLI(cfg)
	req := chain.Request{Scopes: []string{testVaultScope}, Tenant: "contoso.example"}
	d := src.Describe(req)
	if d.Verdict != chain.WouldTry || d.Inputs[0].Value != filepath.Join(toolFakeBin(t), toolFile("az")) || d.Inputs[0].State != "found" {
		t.Errorf("describe: %+v", d)
	}
	if d.Detail != "runs az account get-access-token -o json --resource https://vault.azure.net --tenant contoso.example" {
		t.Errorf("detail %q", d.Detail)
	}
	if len(d.Warnings) != 1 || !strings.Contains(d.Warnings[0], "run `az login`") {
		t.Errorf("warnings %q", d.Warnings)
	}

	// A profile with an account: no warning, and the file shows as readable.
	dir := filepath.Join(t.TempDir(), "azcfg")
	os.MkdirAll(dir, 0o700)
	os.WriteFile(filepath.Join(dir, "azureProfile.json"), []byte("\xef\xbb\xbf"+`{"subscriptions":[{"id":"s"}]}`), 0o600)
	cfg = toolConfig(t, map[string]string{"FAKE_AZ_LOG": log, "AZURE_CONFIG_DIR": dir})
	d = NewAzureCLI(cfg).Describe(req)
	if len(d.Warnings) != 0 || d.Inputs[1].State != "set" || d.Inputs[2].Name != filepath.Join(dir, "azureProfile.json") || d.Inputs[2].State != "readable" {
		t.Errorf("describe with a profile: %+v", d)
	}
	// After az logout the profile stays, with no accounts.
	os.WriteFile(filepath.Join(dir, "azureProfile.json"), []byte(`{"subscriptions":[]}`), 0o600)
	if d = NewAzureCLI(cfg).Describe(req); len(d.Warnings) != 1 || !strings.Contains(d.Warnings[0], "no accounts") {
		t.Errorf("warnings after logout: %q", d.Warnings)
	}
	if got := readToolLog(t, log); got != "" {
		t.Errorf("Describe ran az:\n%s", got)
	}
}

func TestAzureCLICacheKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := toolConfig(t, map[string]string{"AZURE_CONFIG_DIR": dir})
	src := NewAzureCLI(cfg)
	req := chain.Request{Scopes: []string{testVaultScope}, Tenant: "contoso.example"}
	key := func() string {
		t.Helper()
		k, ok := src.CacheKey(req)
		if !ok {
			t.Fatal("CacheKey not ok")
		}
		return k
	}
	k0 := key()
	if !strings.HasPrefix(k0, "azure-cli|contoso.example|") || len(k0) != len("azure-cli|contoso.example|")+64 {
		t.Errorf("key %q", k0)
	}
	if key() != k0 {
		t.Error("the key changed with nothing changed")
	}
	profile := filepath.Join(dir, "azureProfile.json")
	os.WriteFile(profile, []byte(`{"subscriptions":[{"user":{"name":"alice@example.com"}}]}`), 0o600)
	k1 := key()
	if k1 == k0 {
		t.Error("logging in did not change the key")
	}
	os.WriteFile(profile, []byte(`{"subscriptions":[{"user":{"name":"bob@example.com"}}]}`), 0o600)
	k2 := key()
	if k2 == k1 {
		t.Error("logging in as someone else did not change the key")
	}
	if other, _ := src.CacheKey(chain.Request{Scopes: req.Scopes}); other == k2 || !strings.HasPrefix(other, "azure-cli||") {
		t.Errorf("the tenant is not in the key: %q", other)
	}
	// Without AZURE_CONFIG_DIR the login is under HOME.
	home := toolConfig(t, nil)
	hk, ok := NewAzureCLI(home).CacheKey(req)
	if !ok || hk == k2 {
		t.Errorf("HOME key %q %v", hk, ok)
	}
	if _, ok := src.CacheKey(chain.Request{Tenant: "bad/tenant"}); ok {
		t.Error("CacheKey ok for a tenant the source would refuse")
	}
}
