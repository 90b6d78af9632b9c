package source

import (
	"encoding/base64"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/aztoken/aztoken/internal/chain"
)

func decodeUTF16LE(t *testing.T, s string) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b)%2 != 0 {
		t.Fatalf("not base64 of UTF-16: %v", err)
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(u))
}

func TestPowerShellScript(t *testing.T) {
	t.Parallel()
	src := NewPowerShell(toolConfig(t, nil))
	args, resource, tenant, err := src.args(chain.Request{Scopes: []string{testVaultScope}, Tenant: "contoso.example"})
	if err != nil {
		t.Fatal(err)
	}
	if resource != "https://vault.azure.net" || tenant != "contoso.example" {
		t.Errorf("resource %q tenant %q", resource, tenant)
	}
	if strings.Join(args[:5], " ") != "-NoProfile -NonInteractive -OutputFormat Text -EncodedCommand" || len(args) != 6 {
		t.Fatalf("args %q", args)
	}
	script := decodeUTF16LE(t, args[5])
	for _, want := range []string{
		"ResourceUrl = 'https://vault.azure.net'",
		"$tenant = 'contoso.example'",
		"-MinimumVersion '2.2.0'",
		"[version]'2.17.0' -and $mod.Version -lt [version]'5.0.0'",
		"$params['AsSecureString'] = $true",
		"-is [System.Security.SecureString]",
		"ToUnixTimeSeconds()",
		pwshNoModule,
	} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %q", want)
		}
	}
	if strings.Contains(script, "{{") {
		t.Error("script has unfilled placeholders")
	}
	// Non-ASCII survives the round trip.
	if got := decodeUTF16LE(t, encodeUTF16LE("é€😀")); got != "é€😀" {
		t.Errorf("round trip %q", got)
	}
}

func TestParsePwshToken(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, out, wantErr, tenant string
	}{
		{"ok", `{"Token":"tok","ExpiresOn":1700000000,"TenantId":"t1"}`, "", "t1"},
		{"after noise, as a string", "WARNING: something\r\n" + `{"Token":"tok","ExpiresOn":"1700000000"}` + "\r\n", "", ""},
		{"no JSON", "Token : tok-secret\n", "holds no JSON line", ""},
		{"no token", `{"ExpiresOn":1700000000}`, "no Token", ""},
		{"no expiry", `{"Token":"tok-secret"}`, "ExpiresOn is not", ""},
		{"date expiry", `{"Token":"tok-secret","ExpiresOn":"2099-01-01T00:00:00Z"}`, "ExpiresOn is not", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := parsePwshToken([]byte(c.out))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || strings.Contains(err.Error(), "secret") {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil || got.AccessToken != "tok" || !got.ExpiresOn.Equal(time.Unix(1700000000, 0)) || got.Tenant != c.tenant {
				t.Errorf("got %+v, %v", got, err)
			}
		})
	}
}

func TestPowerShellEndToEnd(t *testing.T) {
	t.Parallel()
	log := toolLog(t)
	cfg := toolConfig(t, map[string]string{"FAKE_PWSH_LOG": log, "FAKE_PWSH_TOKEN": fakeSecretToken})
	src := NewPowerShell(cfg)
	if src.Name() != chain.PowerShell {
		t.Errorf("Name = %q", src.Name())
	}
	o := tryTool(src, chain.Request{Scopes: []string{testVaultScope}})
	if o.Status != chain.StatusOK || o.Token.AccessToken != fakeSecretToken || o.Token.Tenant != "00000000-0000-0000-0000-0000000000cc" ||
		!o.Token.ExpiresOn.Equal(time.Unix(4070908800, 0)) {
		t.Fatalf("got %v %q %+v", o.Status, o.Reason, o.Token)
	}
	if got := readToolLog(t, log); !strings.Contains(got, "args: -NoProfile -NonInteractive -OutputFormat Text -EncodedCommand ") {
		t.Errorf("log:\n%s", got)
	}
}

func TestPowerShellNoModule(t *testing.T) {
	t.Parallel()
	cfg := toolConfig(t, map[string]string{"FAKE_PWSH_MODE": "nomodule"})
	o := tryTool(NewPowerShell(cfg), chain.Request{Scopes: []string{testVaultScope}})
	if o.Status != chain.StatusUnavailable || o.Reason != "Az.Accounts module not installed: run Install-Module Az.Accounts" ||
		!strings.Contains(o.Hint, "Install-Module Az.Accounts") {
		t.Errorf("got %v %q %q", o.Status, o.Reason, o.Hint)
	}
}

func TestPowerShellDescribeAndCacheKey(t *testing.T) {
	t.Parallel()
	cfg := toolConfig(t, nil)
	src := NewPowerShell(cfg)
	req := chain.Request{Scopes: []string{testVaultScope}, Tenant: "contoso.example"}
	d := src.Describe(req)
	if d.Verdict != chain.WouldTry || !strings.Contains(d.Detail, "<script: Get-AzAccessToken -ResourceUrl https://vault.azure.net -TenantId contoso.example>") {
		t.Errorf("describe: %+v", d)
	}
	if len(d.Warnings) != 1 || !strings.Contains(d.Warnings[0], "Connect-AzAccount") {
		t.Errorf("warnings %q", d.Warnings)
	}
	k0, ok := src.CacheKey(req)
	if !ok || !strings.HasPrefix(k0, "powershell|contoso.example|") {
		t.Fatalf("key %q %v", k0, ok)
	}
	home := cfg.Env.Get("HOME")
	ctxFile := filepath.Join(home, ".Azure", "AzureRmContext.json")
	os.MkdirAll(filepath.Dir(ctxFile), 0o700)
	os.WriteFile(ctxFile, []byte(`{"DefaultContextKey":"alice"}`), 0o600)
	if k1, _ := src.CacheKey(req); k1 == k0 {
		t.Error("Connect-AzAccount did not change the key")
	}
	if d = src.Describe(req); len(d.Warnings) != 0 {
		t.Errorf("warnings with a login: %q", d.Warnings)
	}
}
