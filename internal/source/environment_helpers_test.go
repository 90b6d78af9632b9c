package source

import (
	"crypto/tls"
	"maps"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/fakeazure"
	"github.com/aztoken/aztoken/internal/httpx"
	"github.com/aztoken/aztoken/internal/mint"
)

// A forgotten AZURE_AUTHORITY_HOST must fail loudly, never reach Entra ID.
// An init, not a TestMain: other files of this package have tests too.
func init() { httpx.RestrictToLoopback() }

const (
	testClientID = "00000000-aaaa-4bbb-8ccc-000000000001"
	testScope    = "https://vault.azure.net/.default"
	// Secrets the tests look for in every message. They are long enough
	// that Mask shows only a prefix.
	testSecret       = "s3cret-VALUE-never-shown-1"
	testPassword     = "p4ssword-VALUE-never-shown-2"
	testCertPassword = "fixture-pfx-pass"
)

// sharedMinter spares each fake an RSA key generation, the slowest part
// of starting one.
var sharedMinter = sync.OnceValues(func() (*mint.Minter, error) { return mint.New(nil, "") })

func newEntra(t *testing.T, opts fakeazure.EntraOptions) *fakeazure.Entra {
	t.Helper()
	if opts.Minter == nil {
		m, err := sharedMinter()
		if err != nil {
			t.Fatal(err)
		}
		opts.Minter = m
	}
	e, err := fakeazure.NewEntra(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// entraConfig is a Config whose clients trust the fake's CA and keep
// httpx's guard, with the fake as the authority host.
func entraConfig(e *fakeazure.Entra, vars map[string]string) Config {
	all := map[string]string{
		"AZURE_AUTHORITY_HOST": e.URL(),
		"AZURE_TENANT_ID":      e.TenantID(),
		"AZURE_CLIENT_ID":      testClientID,
	}
	maps.Copy(all, vars)
	for k, v := range all {
		if v == "<unset>" {
			delete(all, k)
		}
	}
	pool := e.CertPool()
	return Config{
		Env: env.Map(all),
		NewHTTPClient: func(o httpx.Options) *http.Client {
			o.TLS = &tls.Config{RootCAs: pool}
			return httpx.NewClient(o)
		},
	}
}

func certFixture(name string) string {
	return filepath.Join("..", "..", "testdata", "certs", name)
}

// fakeClock is a settable clock for Config.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// assertNoSecrets fails when any secret appears in text.
func assertNoSecrets(t *testing.T, where, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s shows a secret %q: %s", where, s, text)
		}
	}
}

// describeText flattens a Description for secret checks.
func describeText(d chain.Description) string {
	var b strings.Builder
	for _, in := range d.Inputs {
		b.WriteString(in.Kind + " " + in.Name + "=" + in.Value + " (" + in.State + ")\n")
	}
	b.WriteString(string(d.Verdict) + " " + d.Why + " " + d.Detail + "\n")
	for _, r := range d.Requests {
		b.WriteString(r.Method + " " + r.URL + " " + strings.Join(r.Headers, ",") + "\n")
	}
	b.WriteString(strings.Join(d.Warnings, "\n"))
	return b.String()
}
