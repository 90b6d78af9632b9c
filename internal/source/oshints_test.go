package source

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/fakeazure"
	"github.com/aztoken/aztoken/internal/httpx"
)

// The advice for a certificate no trusted authority signed, and for a
// connection that fails, names what works on this OS: SSL_CERT_FILE only
// where Go reads it (not Windows, not macOS), the OS's own trust store
// otherwise, and HTTPS_PROXY where Go ignores the system's proxy.
func TestConnectionHintsPerOS(t *testing.T) {
	t.Parallel()
	e := newEntra(t, fakeazure.EntraOptions{})
	cfg := entraConfig(e, map[string]string{"AZURE_CLIENT_SECRET": testSecret})
	cfg.NewHTTPClient = func(o httpx.Options) *http.Client {
		o.TLS = &tls.Config{RootCAs: x509.NewCertPool()} // trusts nothing
		return httpx.NewClient(o)
	}
	_, err := NewEnvironment(cfg).GetToken(context.Background(), scopeReq)
	if !strings.Contains(err.Error(), "not signed by a trusted authority") {
		t.Fatalf("err = %v, want an untrusted certificate", err)
	}
	refused := entraConfig(e, map[string]string{"AZURE_CLIENT_SECRET": testSecret, "AZURE_AUTHORITY_HOST": "https://127.0.0.1:1"})
	_, rerr := NewEnvironment(refused).GetToken(context.Background(), scopeReq)

	tlsHint, connHint := chain.HintOf(err), chain.HintOf(rerr)
	want := map[string][2][]string{ // OS: what the TLS hint and the connection hint must say
		"windows": {{"Windows certificate store", "certutil", "not read on Windows"}, {"HTTPS_PROXY", "Windows proxy settings"}},
		"darwin":  {{"keychain", "security add-trusted-cert", "not read on macOS"}, {"HTTPS_PROXY", "System Settings"}},
		"linux":   {{"system trust store or SSL_CERT_FILE"}, {"HTTPS_PROXY"}},
	}[runtime.GOOS]
	for _, s := range want[0] {
		if !strings.Contains(tlsHint, s) {
			t.Errorf("TLS hint %q lacks %q", tlsHint, s)
		}
	}
	for _, s := range want[1] {
		if !strings.Contains(connHint, s) {
			t.Errorf("connection hint %q lacks %q", connHint, s)
		}
	}
	if runtime.GOOS != "linux" && strings.Contains(tlsHint, "or SSL_CERT_FILE") {
		t.Errorf("TLS hint %q tells %s users to set SSL_CERT_FILE, which Go does not read there", tlsHint, runtime.GOOS)
	}
}
