package bench

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aztoken/aztoken/internal/fakeazure"
	"github.com/aztoken/aztoken/internal/source"
)

// The confidential clients the Entra fake knows: one with a secret, one
// with a certificate (the PKCS#12 fixture of testdata/certs, whose password
// protects nothing). The secret is made up, and still never printed: see
// redact.
const (
	benchClientID     = "5b0c3c1e-0000-4000-8000-00000000be4c"
	benchSecret       = "bench-secret-7f3e9a-not-a-real-one"
	benchCertClientID = "5b0c3c1e-0000-4000-8000-00000000ce47"
	benchCertFile     = "rsa-password.pfx"
	benchCertPassword = "fixture-pfx-pass"
	// benchScope is asked for by every program, so all ask for the same.
	benchScope = "https://management.azure.com/.default"
	// azToken is what the fake az prints, so a benchmark can tell whose
	// token a program printed.
	azToken = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.eyJhdWQiOiJiZW5jaC1heiJ9.bench-az-signature"
)

// basePath is what every child gets on PATH: /bin/sh, sleep and date for
// the fake tools, and no real az, azd or pwsh ahead of the fakes.
const basePath = "/usr/bin:/bin"

// newEntra starts an Entra fake that knows the bench client, and writes its
// CA certificate where SSL_CERT_FILE can name it.
func newEntra(b testing.TB) (*fakeazure.Entra, string) {
	b.Helper()
	e, err := fakeazure.NewEntra(fakeazure.EntraOptions{
		Secrets: map[string]string{benchClientID: benchSecret},
		Certs:   map[string][]*x509.Certificate{benchCertClientID: {benchCert(b)}},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(e.Close)
	ca := filepath.Join(b.TempDir(), "entra-ca.pem")
	if err := os.WriteFile(ca, e.CACertPEM(), 0o600); err != nil {
		b.Fatal(err)
	}
	return e, ca
}

// certsDir is testdata/certs at the module root.
func certsDir() string { return filepath.Join("..", "..", "testdata", "certs") }

// benchCert is the certificate of the bench's certificate client, read
// from its .pfx as aztoken reads it.
func benchCert(b testing.TB) *x509.Certificate {
	b.Helper()
	c, err := source.LoadCertificate(filepath.Join(certsDir(), benchCertFile), benchCertPassword)
	if err != nil {
		b.Fatal(err)
	}
	return c.Leaf
}

func newBlackhole(b testing.TB) *fakeazure.Blackhole {
	b.Helper()
	bh, err := fakeazure.NewBlackhole()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(bh.Close)
	return bh
}

// baseEnv is a child's whole environment: a HOME of its own (so no real
// az login or cache is read), aztoken's cache in cacheDir, the loopback
// guard on, and extra.
func baseEnv(home, cacheDir string, extra ...string) []string {
	env := []string{
		"PATH=" + basePath,
		"HOME=" + home,
		"LANG=C",
		"AZTOKEN_LOOPBACK_ONLY=1",
		"AZTOKEN_CACHE_DIR=" + cacheDir,
	}
	return append(env, extra...)
}

// secretEnv configures the environment source (aztoken's and the SDK's)
// for the bench client against e.
func secretEnv(e *fakeazure.Entra, caFile string) []string {
	return []string{
		"AZURE_TENANT_ID=" + e.TenantID(),
		"AZURE_CLIENT_ID=" + benchClientID,
		"AZURE_CLIENT_SECRET=" + benchSecret,
		"AZURE_AUTHORITY_HOST=" + e.URL(),
		"SSL_CERT_FILE=" + caFile,
	}
}

// certEnv configures the environment source for the certificate client
// against e: the PKCS#12 file and its password, no secret.
func certEnv(b testing.TB, e *fakeazure.Entra, caFile string) []string {
	b.Helper()
	path, err := filepath.Abs(filepath.Join(certsDir(), benchCertFile))
	if err != nil {
		b.Fatal(err)
	}
	return []string{
		"AZURE_TENANT_ID=" + e.TenantID(),
		"AZURE_CLIENT_ID=" + benchCertClientID,
		"AZURE_CLIENT_CERTIFICATE_PATH=" + path,
		"AZURE_CLIENT_CERTIFICATE_PASSWORD=" + benchCertPassword,
		"AZURE_AUTHORITY_HOST=" + e.URL(),
		"SSL_CERT_FILE=" + caFile,
	}
}

// laptopEnv is a developer's machine: IMDS routed but silent (bh), az on
// PATH and logged in, taking azDelay seconds to answer.
func laptopEnv(bins binaries, bh *fakeazure.Blackhole, azDelay string) []string {
	return []string{
		"PATH=" + bins.fakebin + ":" + basePath,
		"FAKE_AZ_MODE=ok",
		"FAKE_AZ_DELAY=" + azDelay,
		"FAKE_AZ_TOKEN=" + azToken,
		// aztoken's managed identity source honours this, as the Python
		// SDK does; the Go SDK's address is fixed, so sdkcred's dialer
		// moves it instead.
		"AZURE_POD_IDENTITY_AUTHORITY_HOST=" + bh.URL(),
		"SDKCRED_IMDS_ADDR=" + bh.Addr(),
	}
}

// homeDir returns a new empty directory for a child's HOME.
func homeDir(b testing.TB) string {
	b.Helper()
	return b.TempDir()
}

// redact hides the bench secret in a child's output before it is shown.
func redact(s string) string {
	return strings.ReplaceAll(s, benchSecret, "[secret]")
}
