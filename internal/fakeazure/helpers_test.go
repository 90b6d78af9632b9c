package fakeazure

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/mint"
)

// One signing key and one client certificate serve the whole suite:
// RSA key generation is the slowest thing these tests would otherwise do.
var (
	minterOnce   sync.Once
	sharedMinter *mint.Minter
	certOnce     sync.Once
	sharedCert   *clientCert
)

func testMinter(t *testing.T) *mint.Minter {
	t.Helper()
	minterOnce.Do(func() {
		m, err := mint.New(nil, "")
		if err != nil {
			panic(err)
		}
		sharedMinter = m
	})
	return sharedMinter
}

// clientCert is a certificate credential as a test would write it to disk.
type clientCert struct {
	cert *x509.Certificate
	key  *rsa.PrivateKey
	pem  []byte // CERTIFICATE then PRIVATE KEY
}

func testClientCert(t *testing.T) *clientCert {
	t.Helper()
	certOnce.Do(func() { sharedCert = newClientCert("fakeazure test client") })
	return sharedCert
}

func newClientCert(cn string) *clientCert {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		panic(err)
	}
	p := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	p = append(p, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})...)
	return &clientCert{cert: cert, key: key, pem: p}
}

func startEntra(t *testing.T, opts EntraOptions) *Entra {
	t.Helper()
	if opts.Minter == nil {
		opts.Minter = testMinter(t)
	}
	e, err := NewEntra(opts)
	if err != nil {
		t.Fatalf("NewEntra: %v", err)
	}
	t.Cleanup(e.Close)
	return e
}

func startManaged(t *testing.T, opts ManagedOptions) *Managed {
	t.Helper()
	if opts.Minter == nil {
		opts.Minter = testMinter(t)
	}
	m, err := NewManaged(opts)
	if err != nil {
		t.Fatalf("NewManaged: %v", err)
	}
	t.Cleanup(m.Close)
	return m
}

// do sends req and returns the status, headers and decoded JSON body
// (nil when the body is not JSON) plus the raw body.
func do(t *testing.T, c *http.Client, req *http.Request) (int, http.Header, map[string]any, []byte) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading %s %s: %v", req.Method, req.URL, err)
	}
	var body map[string]any
	if json.Unmarshal(raw, &body) != nil {
		body = nil
	}
	return resp.StatusCode, resp.Header, body, raw
}

func newReq(t *testing.T, method, url string, body io.Reader, headers ...string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if method == http.MethodPost && body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return req
}

// setEnv sets every variable in env for the test's duration, plus the
// ones MSAL reads that would otherwise leak in from the developer's shell.
func setEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, k := range append(ManagedEnvVars, "MSAL_FORCE_REGION", "REGION_NAME") {
		t.Setenv(k, "")
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

var resourceSeq atomic.Int64

// uniqueResource names a resource no other test (or run, with -count)
// uses, because MSAL's managed identity client caches tokens
// process-wide by resource.
func uniqueResource(t *testing.T) string {
	name := strings.Trim(nonWord.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	return fmt.Sprintf("https://%s-%d.fakeazure.test/", name, resourceSeq.Add(1))
}

// claimsOf verifies tok with m and returns its claims.
func claimsOf(t *testing.T, m *mint.Minter, tok string) map[string]any {
	t.Helper()
	c, err := Verify(m, tok)
	if err != nil {
		t.Fatalf("token does not verify: %v", err)
	}
	return c
}

func wantClaim(t *testing.T, claims map[string]any, name string, want any) {
	t.Helper()
	if got := claims[name]; got != want {
		t.Errorf("claim %s = %v, want %v", name, got, want)
	}
}

func wantStatus(t *testing.T, got, want int, raw []byte) {
	t.Helper()
	if got != want {
		t.Fatalf("status %d, want %d; body: %.300s", got, want, raw)
	}
}
