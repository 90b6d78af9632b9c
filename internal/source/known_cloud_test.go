package source

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/fakeazure"
	"github.com/aztoken/aztoken/internal/httpx"
)

// cloudConfig is a Config whose authority is a real cloud's host name,
// dialled at the fake instead (httpx.Options.Resolve, honoured only under
// the loopback guard). The URL, the TLS server name and every layer above
// the dial are what production uses.
func cloudConfig(e *fakeazure.Entra, host string, vars map[string]string) Config {
	cfg := entraConfig(e, vars)
	all := map[string]string{"AZURE_AUTHORITY_HOST": "https://" + host + "/"}
	for k, v := range vars {
		all[k] = v
	}
	for _, k := range []string{"AZURE_TENANT_ID", "AZURE_CLIENT_ID"} {
		if _, ok := all[k]; !ok {
			all[k], _ = cfg.Env.Lookup(k)
		}
	}
	fake, _ := url.Parse(e.URL())
	pool := e.CertPool()
	cfg.Env = env.Map(all)
	cfg.NewHTTPClient = func(o httpx.Options) *http.Client {
		o.TLS = &tls.Config{RootCAs: pool}
		o.Resolve = map[string]string{host + ":443": fake.Host}
		return httpx.NewClient(o)
	}
	return cfg
}

// On the public and national clouds a cold token is one request, over one
// connection: the OpenID configuration (and, for the password grant, the
// user realm) is known without asking, and -v/probe show only the token
// request. Any other authority still discovers its endpoints.
func TestOneRequestPerColdTokenOnKnownClouds(t *testing.T) {
	t.Parallel()
	fedFile := filepath.Join(t.TempDir(), "token")
	assertion := fakeJWT(time.Now().Add(time.Hour), "known-cloud")
	writeFile(t, fedFile, assertion)
	kinds := []struct {
		name string
		vars map[string]string
		reg  func(*fakeazure.Entra)
		new  func(Config) chain.Source
	}{
		{"secret", map[string]string{"AZURE_CLIENT_SECRET": testSecret},
			func(e *fakeazure.Entra) { e.AddClientSecret(testClientID, testSecret) },
			func(c Config) chain.Source { return NewEnvironment(c) }},
		{"certificate", map[string]string{"AZURE_CLIENT_CERTIFICATE_PATH": certFixture("rsa-pkcs8.pem")},
			func(e *fakeazure.Entra) { e.AddClientCert(testClientID, loadFixtureLeaf(t, "rsa-pkcs8.pem")) },
			func(c Config) chain.Source { return NewEnvironment(c) }},
		{"password", map[string]string{"AZURE_USERNAME": "ada@contoso.com", "AZURE_PASSWORD": testPassword},
			func(e *fakeazure.Entra) { e.AddUser(testClientID, "ada@contoso.com", testPassword) },
			func(c Config) chain.Source { return NewEnvironment(c) }},
		{"workload", map[string]string{"AZURE_FEDERATED_TOKEN_FILE": fedFile},
			func(e *fakeazure.Entra) { e.AddFederated(testClientID, assertion) },
			func(c Config) chain.Source { return NewWorkload(c) }},
	}
	for _, host := range []string{"login.microsoftonline.com", "login.microsoftonline.us", "login.chinacloudapi.cn", "login.partner.microsoftonline.cn"} {
		for _, k := range kinds {
			t.Run(host+"/"+k.name, func(t *testing.T) {
				t.Parallel()
				e := newEntra(t, fakeazure.EntraOptions{})
				k.reg(e)
				o := chain.Try(context.Background(), k.new(cloudConfig(e, host, k.vars)), scopeReq)
				if o.Status != chain.StatusOK {
					t.Fatalf("%v: %s (%s)", o.Status, o.Reason, o.Hint)
				}
				if n := len(e.Requests()); n != 1 || e.Count(fakeazure.EndpointToken) != 1 {
					t.Errorf("a cold token cost %d requests (%v), want the token request alone", n, e.Counts())
				}
				if c := e.Connections(); c != 1 {
					t.Errorf("a cold token opened %d connections, want 1", c)
				}
				want := "https://" + host + "/" + e.TenantID() + "/oauth2/v2.0/token"
				if len(o.Requests) != 1 || o.Requests[0].URL != want || o.Requests[0].Status != 200 {
					t.Errorf("recorded requests %+v, want only POST %s", o.Requests, want)
				}
			})
		}
	}
}

// A custom authority (here the fake under its own address), ADFS or an
// unknown cloud keeps discovery: its endpoints are read from the server.
func TestDiscoveryKeptForOtherAuthorities(t *testing.T) {
	t.Parallel()
	e := newEntra(t, fakeazure.EntraOptions{})
	e.AddClientSecret(testClientID, testSecret)
	o := chain.Try(context.Background(), NewEnvironment(entraConfig(e, map[string]string{"AZURE_CLIENT_SECRET": testSecret})), scopeReq)
	if o.Status != chain.StatusOK {
		t.Fatalf("%v: %s", o.Status, o.Reason)
	}
	if e.Count(fakeazure.EndpointOpenID) != 1 || e.Count(fakeazure.EndpointToken) != 1 || len(o.Requests) != 2 {
		t.Errorf("requests %v, recorded %d; want openid-configuration and token, both shown", e.Counts(), len(o.Requests))
	}
}

func loadFixtureLeaf(t *testing.T, name string) *x509.Certificate {
	t.Helper()
	c, err := LoadCertificate(certFixture(name), "")
	if err != nil {
		t.Fatal(err)
	}
	return c.Leaf
}
