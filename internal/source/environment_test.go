package source

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/fakeazure"
)

var scopeReq = chain.Request{Scopes: []string{testScope}}

func TestEnvironmentSecretColdTokenCostsTwoRequests(t *testing.T) {
	t.Parallel()
	e := newEntra(t, fakeazure.EntraOptions{RefreshIn: 30 * time.Minute})
	e.AddClientSecret(testClientID, testSecret)
	src := NewEnvironment(entraConfig(e, map[string]string{"AZURE_CLIENT_SECRET": testSecret}))

	o := chain.Try(context.Background(), src, scopeReq)
	if o.Status != chain.StatusOK {
		t.Fatalf("status %v: %s (%s)", o.Status, o.Reason, o.Hint)
	}
	if got := len(e.Requests()); got != 2 {
		t.Errorf("a cold token cost %d requests, want 2 (openid-configuration and token): %+v", got, e.Counts())
	}
	if e.Count(fakeazure.EndpointOpenID) != 1 || e.Count(fakeazure.EndpointToken) != 1 {
		t.Errorf("counts = %v", e.Counts())
	}
	if len(o.Requests) != 2 || o.Requests[0].Method != "GET" || o.Requests[1].Method != "POST" {
		t.Errorf("recorded requests = %+v", o.Requests)
	}
	tok := o.Token
	if tok.Identity != "app "+testClientID || tok.Tenant != e.TenantID() || tok.TokenType != "Bearer" {
		t.Errorf("token = %+v", tok)
	}
	if d := time.Until(tok.ExpiresOn); d < 50*time.Minute || d > 70*time.Minute {
		t.Errorf("ExpiresOn in %v, want about an hour", d)
	}
	if d := time.Until(tok.RefreshOn); d < 20*time.Minute || d > 40*time.Minute {
		t.Errorf("RefreshOn in %v, want about 30 minutes", d)
	}
	if rq := e.Requests()[1]; rq.Credential != "secret" || rq.GrantType != "client_credentials" {
		t.Errorf("token request = %+v", rq)
	}

	// The same source answers a second call from MSAL's memory.
	if _, err := src.GetToken(context.Background(), scopeReq); err != nil {
		t.Fatal(err)
	}
	if got := len(e.Requests()); got != 2 {
		t.Errorf("a warm token cost %d more requests", got-2)
	}
}

func TestEnvironmentCertificates(t *testing.T) {
	t.Parallel()
	cases := []struct {
		file, password string
		sendChain      string
		wantX5C        bool
	}{
		{file: "rsa-pkcs8.pem"},
		{file: "rsa-pkcs1.pem"},
		{file: "rsa-nopass.pfx"},
		{file: "rsa-password.pfx", password: testCertPassword},
		{file: "rsa-legacy.pfx", password: testCertPassword},
		{file: "chain.pem", sendChain: "TRUE", wantX5C: true},
		{file: "chain.pfx", password: testCertPassword, sendChain: "1", wantX5C: true},
		{file: "chain.pfx", password: testCertPassword, sendChain: "yes"},
	}
	for _, c := range cases {
		t.Run(c.file+"/"+c.sendChain, func(t *testing.T) {
			t.Parallel()
			cert, err := LoadCertificate(certFixture(c.file), c.password)
			if err != nil {
				t.Fatal(err)
			}
			e := newEntra(t, fakeazure.EntraOptions{})
			e.AddClientCert(testClientID, cert.Leaf)
			src := NewEnvironment(entraConfig(e, map[string]string{
				"AZURE_CLIENT_CERTIFICATE_PATH":       certFixture(c.file),
				"AZURE_CLIENT_CERTIFICATE_PASSWORD":   c.password,
				"AZURE_CLIENT_SEND_CERTIFICATE_CHAIN": c.sendChain,
			}))
			tok, err := src.GetToken(context.Background(), scopeReq)
			if err != nil {
				t.Fatalf("%v (%s)", err, chain.HintOf(err))
			}
			if tok.AccessToken == "" || tok.Identity != "app "+testClientID {
				t.Errorf("token = %+v", tok)
			}
			reqs := e.Requests()
			if len(reqs) != 2 {
				t.Fatalf("%d requests, want 2", len(reqs))
			}
			if reqs[1].Credential != "certificate" || reqs[1].X5C != c.wantX5C {
				t.Errorf("token request credential %q x5c %v, want certificate x5c %v", reqs[1].Credential, reqs[1].X5C, c.wantX5C)
			}
		})
	}
}

func TestEnvironmentUsernamePassword(t *testing.T) {
	t.Parallel()
	e := newEntra(t, fakeazure.EntraOptions{})
	e.AddUser(testClientID, "ada@example.com", testPassword)
	src := NewEnvironment(entraConfig(e, map[string]string{"AZURE_USERNAME": "ada@example.com", "AZURE_PASSWORD": testPassword}))
	tok, err := src.GetToken(context.Background(), chain.Request{Scopes: []string{"https://graph.microsoft.com/.default"}})
	if err != nil {
		t.Fatalf("%v (%s)", err, chain.HintOf(err))
	}
	if tok.Identity != "user ada@example.com" || tok.AccessToken == "" {
		t.Errorf("token = %+v", tok)
	}
	// The password flow asks for the user's realm first.
	want := map[string]int{fakeazure.EndpointOpenID: 1, fakeazure.EndpointUserRealm: 1, fakeazure.EndpointToken: 1}
	for ep, n := range want {
		if e.Count(ep) != n {
			t.Errorf("counts = %v, want %v", e.Counts(), want)
		}
	}
	if _, err := src.GetToken(context.Background(), chain.Request{Scopes: []string{"https://graph.microsoft.com/.default"}}); err != nil {
		t.Fatal(err)
	}
	if e.Count(fakeazure.EndpointToken) != 1 {
		t.Errorf("the second call was not answered from the cache: %v", e.Counts())
	}

	// A wrong password is Entra ID's refusal, after a request: the chain stops.
	e2 := newEntra(t, fakeazure.EntraOptions{})
	e2.AddUser(testClientID, "ada@example.com", "the-right-one")
	_, err = NewEnvironment(entraConfig(e2, map[string]string{"AZURE_USERNAME": "ada@example.com", "AZURE_PASSWORD": testPassword})).
		GetToken(context.Background(), scopeReq)
	if chain.StatusOf(err) != chain.StatusFailed || !strings.Contains(err.Error(), "AADSTS50126") || chain.HintOf(err) == "" {
		t.Errorf("wrong password: %v (%v, hint %q)", err, chain.StatusOf(err), chain.HintOf(err))
	}
	assertNoSecrets(t, "error", err.Error()+chain.HintOf(err), testPassword)
}

func TestEnvironmentBadSecretFails(t *testing.T) {
	t.Parallel()
	e := newEntra(t, fakeazure.EntraOptions{})
	e.AddClientSecret(testClientID, "the-registered-secret")
	_, err := NewEnvironment(entraConfig(e, map[string]string{"AZURE_CLIENT_SECRET": testSecret})).GetToken(context.Background(), scopeReq)
	if chain.StatusOf(err) != chain.StatusFailed {
		t.Fatalf("status %v, want failed: %v", chain.StatusOf(err), err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "AADSTS7000215") || !strings.Contains(msg, "Invalid client secret provided.") {
		t.Errorf("message = %q", msg)
	}
	if strings.Contains(msg, "Trace ID") || strings.Contains(msg, "\n") {
		t.Errorf("message is not one sentence: %q", msg)
	}
	if !strings.Contains(chain.HintOf(err), "AZURE_CLIENT_SECRET") {
		t.Errorf("hint = %q", chain.HintOf(err))
	}
	var ee *EntraError
	if !errors.As(err, &ee) || ee.AADSTS != "AADSTS7000215" || ee.Status != 401 || ee.Code != "invalid_client" {
		t.Errorf("cause = %+v", ee)
	}
	assertNoSecrets(t, "error", msg+chain.HintOf(err), testSecret)
}

func TestEnvironmentEntraErrors(t *testing.T) {
	t.Parallel()
	t.Run("unknown tenant", func(t *testing.T) {
		t.Parallel()
		e := newEntra(t, fakeazure.EntraOptions{})
		_, err := NewEnvironment(entraConfig(e, map[string]string{"AZURE_TENANT_ID": "nobody.example", "AZURE_CLIENT_SECRET": testSecret})).
			GetToken(context.Background(), scopeReq)
		if chain.StatusOf(err) != chain.StatusFailed || !strings.Contains(err.Error(), "AADSTS90002") || !strings.Contains(chain.HintOf(err), "AZURE_TENANT_ID") {
			t.Errorf("%v (hint %q)", err, chain.HintOf(err))
		}
	})
	t.Run("unknown app", func(t *testing.T) {
		t.Parallel()
		e := newEntra(t, fakeazure.EntraOptions{})
		e.AddClientSecret("someone-else", testSecret)
		_, err := NewEnvironment(entraConfig(e, map[string]string{"AZURE_CLIENT_SECRET": testSecret})).GetToken(context.Background(), scopeReq)
		if !strings.Contains(err.Error(), "AADSTS700016") || !strings.Contains(chain.HintOf(err), "AZURE_CLIENT_ID") {
			t.Errorf("%v (hint %q)", err, chain.HintOf(err))
		}
	})
	t.Run("200 without access_token", func(t *testing.T) {
		t.Parallel()
		e := newEntra(t, fakeazure.EntraOptions{})
		e.AddClientSecret(testClientID, testSecret)
		e.SetFault(fakeazure.EndpointToken, fakeazure.Fault{NoAccessToken: true})
		o := chain.Try(context.Background(), NewEnvironment(entraConfig(e, map[string]string{"AZURE_CLIENT_SECRET": testSecret})), scopeReq)
		if o.Status != chain.StatusFailed || !strings.Contains(o.Reason, "without an access token") {
			t.Errorf("outcome = %v: %s", o.Status, o.Reason)
		}
	})
	t.Run("proxy page", func(t *testing.T) {
		t.Parallel()
		e := newEntra(t, fakeazure.EntraOptions{})
		e.SetFault(fakeazure.EndpointToken, fakeazure.Fault{Status: 502, HTML: true})
		_, err := NewEnvironment(entraConfig(e, map[string]string{"AZURE_CLIENT_SECRET": testSecret})).GetToken(context.Background(), scopeReq)
		if chain.StatusOf(err) != chain.StatusFailed || !strings.Contains(err.Error(), "HTTP 502") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		e := newEntra(t, fakeazure.EntraOptions{})
		e.SetFault(fakeazure.EndpointToken, fakeazure.Fault{Hang: true})
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		_, err := NewEnvironment(entraConfig(e, map[string]string{"AZURE_CLIENT_SECRET": testSecret})).GetToken(ctx, scopeReq)
		if chain.StatusOf(err) != chain.StatusTimedOut || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("status %v: %v", chain.StatusOf(err), err)
		}
		if !strings.Contains(err.Error(), strings.TrimPrefix(e.URL(), "https://")) {
			t.Errorf("the message does not name the host: %v", err)
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		e := newEntra(t, fakeazure.EntraOptions{})
		cfg := entraConfig(e, map[string]string{"AZURE_CLIENT_SECRET": testSecret, "AZURE_AUTHORITY_HOST": "https://127.0.0.1:1"})
		_, err := NewEnvironment(cfg).GetToken(context.Background(), scopeReq)
		if chain.StatusOf(err) != chain.StatusFailed || !strings.Contains(err.Error(), "could not connect to 127.0.0.1:1: connection refused") {
			t.Errorf("status %v: %v", chain.StatusOf(err), err)
		}
	})
}

func TestEnvironmentConfigurationSkips(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		vars map[string]string
		want string // in the message
	}{
		{"no tenant", map[string]string{"AZURE_TENANT_ID": "<unset>", "AZURE_CLIENT_SECRET": testSecret}, "AZURE_TENANT_ID is missing while AZURE_CLIENT_ID and AZURE_CLIENT_SECRET are set"},
		{"empty tenant", map[string]string{"AZURE_TENANT_ID": "", "AZURE_CLIENT_SECRET": testSecret}, "AZURE_TENANT_ID is missing while AZURE_CLIENT_ID and AZURE_CLIENT_SECRET are set"},
		{"no client", map[string]string{"AZURE_CLIENT_ID": "<unset>", "AZURE_CLIENT_SECRET": testSecret}, "AZURE_CLIENT_ID is missing while AZURE_TENANT_ID and AZURE_CLIENT_SECRET are set"},
		{"no tenant, no credential", map[string]string{"AZURE_TENANT_ID": "<unset>"}, "missing environment variable AZURE_TENANT_ID"},
		{"no credential", map[string]string{"AZURE_CLIENT_SECRET": ""}, "incomplete environment variable configuration. Only AZURE_TENANT_ID and AZURE_CLIENT_ID are set"},
		{"username only", map[string]string{"AZURE_USERNAME": "ada@example.com"}, "AZURE_PASSWORD is not"},
		{"http authority", map[string]string{"AZURE_CLIENT_SECRET": testSecret, "AZURE_AUTHORITY_HOST": "http://127.0.0.1:9"}, "not an https URL"},
		{"bad authority", map[string]string{"AZURE_CLIENT_SECRET": testSecret, "AZURE_AUTHORITY_HOST": "login.example"}, "is not a URL"},
		{"bad tenant", map[string]string{"AZURE_CLIENT_SECRET": testSecret, "AZURE_TENANT_ID": "a/b"}, "AZURE_TENANT_ID"},
		{"missing cert", map[string]string{"AZURE_CLIENT_CERTIFICATE_PATH": certFixture("nope.pem")}, "does not exist"},
		{"ec cert", map[string]string{"AZURE_CLIENT_CERTIFICATE_PATH": certFixture("ec-pkcs8.pem")}, "EC key"},
		{"encrypted pem", map[string]string{"AZURE_CLIENT_CERTIFICATE_PATH": certFixture("rsa-encrypted-pkcs8.pem"), "AZURE_CLIENT_CERTIFICATE_PASSWORD": "fixture-pem-pass"}, "encrypted PEM"},
		{"wrong pfx password", map[string]string{"AZURE_CLIENT_CERTIFICATE_PATH": certFixture("rsa-password.pfx"), "AZURE_CLIENT_CERTIFICATE_PASSWORD": testPassword}, "the certificate password is wrong"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEntra(t, fakeazure.EntraOptions{})
			_, err := NewEnvironment(entraConfig(e, c.vars)).GetToken(context.Background(), scopeReq)
			if chain.StatusOf(err) != chain.StatusUnavailable {
				t.Fatalf("status %v, want unavailable: %v", chain.StatusOf(err), err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("message %q does not contain %q", err, c.want)
			}
			if chain.HintOf(err) == "" {
				t.Errorf("no hint for %q", err)
			}
			// Half configured: a credential is there, so the user meant this
			// source, and the report leads with it.
			half := map[string]bool{"no tenant": true, "empty tenant": true, "no client": true, "username only": true,
				"missing cert": true, "ec cert": true, "encrypted pem": true, "wrong pfx password": true}[c.name]
			if chain.IsHalfConfigured(err) != half {
				t.Errorf("half configured = %v, want %v: %v", chain.IsHalfConfigured(err), half, err)
			}
			if n := len(e.Requests()); n != 0 {
				t.Errorf("a configuration error sent %d requests", n)
			}
			assertNoSecrets(t, "error", err.Error()+chain.HintOf(err), testSecret, testPassword, "fixture-pem-pass")
		})
	}
}

func TestEnvironmentTenantRules(t *testing.T) {
	t.Parallel()
	const home, other = "home.example", "other.example"
	cases := []struct {
		configured, requested, allowed string
		want                           string // tenant used, "" when refused
	}{
		{home, "", "", home},
		{home, home, "", home},
		{home, "HOME.example", "", home},
		{home, other, "", ""},
		{home, other, "x.example;" + other, other},
		{home, other, " * ", other},
		{"organizations", other, "", other},
		{home, "bad/tenant", "*", ""},
	}
	for _, c := range cases {
		t.Run(c.configured+"→"+c.requested+"@"+c.allowed, func(t *testing.T) {
			t.Parallel()
			e := newEntra(t, fakeazure.EntraOptions{Tenants: []string{home, other}})
			e.AddClientSecret(testClientID, testSecret)
			src := NewEnvironment(entraConfig(e, map[string]string{
				"AZURE_TENANT_ID": c.configured, "AZURE_CLIENT_SECRET": testSecret,
				"AZURE_ADDITIONALLY_ALLOWED_TENANTS": c.allowed,
			}))
			req := chain.Request{Scopes: []string{testScope}, Tenant: c.requested}
			tok, err := src.GetToken(context.Background(), req)
			key, keyOK := src.CacheKey(req)
			if c.want == "" {
				// A refusal stops the chain: the next source would answer
				// for another identity than the one asked for.
				if chain.StatusOf(err) != chain.StatusFailed || keyOK {
					t.Fatalf("want a refusal that stops the chain, got %v (%v), key %q", err, chain.StatusOf(err), key)
				}
				if n := len(e.Requests()); n != 0 {
					t.Errorf("a refused tenant sent %d requests", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v (%s)", err, chain.HintOf(err))
			}
			if tok.Tenant != c.want {
				t.Errorf("token tenant %q, want %q", tok.Tenant, c.want)
			}
			reqs := e.Requests()
			if last := reqs[len(reqs)-1]; !strings.HasPrefix(last.Path, "/"+c.want+"/") {
				t.Errorf("token request went to %s, want tenant %s", last.Path, c.want)
			}
			if !keyOK || !strings.Contains(key, "|"+c.want+"|") {
				t.Errorf("cache key %q", key)
			}
		})
	}
}

// The cache key names who the token is for and a digest of the credential
// (never the credential): the same configuration gives the same key, a
// changed credential of each kind another one, so a wrong or rotated
// credential always reaches Entra ID.
func TestEnvironmentCacheKey(t *testing.T) {
	t.Parallel()
	e := newEntra(t, fakeazure.EntraOptions{})
	prefix := "environment|" + e.URL() + "/|" + e.TenantID() + "|" + testClientID + "|"
	pfx := map[string]string{"AZURE_CLIENT_CERTIFICATE_PATH": certFixture("rsa-password.pfx"), "AZURE_CLIENT_CERTIFICATE_PASSWORD": testCertPassword}
	cases := []struct {
		name         string
		vars, change map[string]string
		kind         string
	}{
		{"secret", map[string]string{"AZURE_CLIENT_SECRET": testSecret}, map[string]string{"AZURE_CLIENT_SECRET": testSecret + "x"}, "secret"},
		{"certificate", pfx, map[string]string{"AZURE_CLIENT_CERTIFICATE_PATH": certFixture("expired.pem"), "AZURE_CLIENT_CERTIFICATE_PASSWORD": ""}, "certificate"},
		{"certificate chain", pfx, map[string]string{"AZURE_CLIENT_SEND_CERTIFICATE_CHAIN": "true"}, "certificate"},
		{"certificate password", pfx, map[string]string{"AZURE_CLIENT_CERTIFICATE_PASSWORD": testCertPassword + "x"}, "certificate"},
		{"password", map[string]string{"AZURE_USERNAME": "ada@example.com", "AZURE_PASSWORD": testPassword}, map[string]string{"AZURE_PASSWORD": testPassword + "x"}, "password"},
		{"username", map[string]string{"AZURE_USERNAME": "ada@example.com", "AZURE_PASSWORD": testPassword}, map[string]string{"AZURE_USERNAME": "bob@example.com"}, "password"},
	}
	for _, c := range cases {
		key, ok := NewEnvironment(entraConfig(e, c.vars)).CacheKey(scopeReq)
		if !ok || !strings.HasPrefix(key, prefix+c.kind+"|cred=") {
			t.Errorf("%s: CacheKey = %q, %v; want %q and a credential digest", c.name, key, ok, prefix+c.kind)
		}
		if again, _ := NewEnvironment(entraConfig(e, c.vars)).CacheKey(scopeReq); again != key {
			t.Errorf("%s: the same configuration gave two keys", c.name)
		}
		changed := maps.Clone(c.vars)
		maps.Copy(changed, c.change)
		if other, ok := NewEnvironment(entraConfig(e, changed)).CacheKey(scopeReq); !ok || other == key {
			t.Errorf("%s: a changed credential kept the key %q (ok=%v)", c.name, other, ok)
		}
		assertNoSecrets(t, "cache key", key, testSecret, testPassword, testCertPassword)
	}
	// A certificate file replaced in place (same path, same size and
	// modification time) is another credential.
	path := filepath.Join(t.TempDir(), "cert.pem")
	first, err := os.ReadFile(certFixture("rsa-pkcs8.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, first, 0o600); err != nil {
		t.Fatal(err)
	}
	inPlace := map[string]string{"AZURE_CLIENT_CERTIFICATE_PATH": path}
	before, _ := NewEnvironment(entraConfig(e, inPlace)).CacheKey(scopeReq)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	second, err := os.ReadFile(certFixture("rsa-pkcs1.pem"))
	if err != nil || len(second) > len(first) {
		t.Fatalf("the second fixture must be no longer than the first: %v", err)
	}
	second = append(second, bytes.Repeat([]byte("\n"), len(first)-len(second))...)
	if err := os.WriteFile(path, second, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if after, ok := NewEnvironment(entraConfig(e, inPlace)).CacheKey(scopeReq); !ok || after == before {
		t.Errorf("a certificate file rewritten in place kept the key %q (ok=%v)", after, ok)
	}
	// Nothing configured, or a certificate that cannot be read: no key.
	for _, vars := range []map[string]string{{}, {"AZURE_CLIENT_CERTIFICATE_PATH": certFixture("missing.pem")}} {
		if key, ok := NewEnvironment(entraConfig(e, vars)).CacheKey(scopeReq); ok {
			t.Errorf("CacheKey(%v) = %q, want none", vars, key)
		}
	}
	if len(e.Requests()) != 0 {
		t.Error("CacheKey sent requests")
	}
}

// MSAL reads MSAL_FORCE_REGION from the process; with it, a token request
// would go to a regional host. The source must ignore it. Not parallel:
// it sets a process variable.
func TestEnvironmentIgnoresMSALForceRegion(t *testing.T) {
	t.Setenv("MSAL_FORCE_REGION", "westus2")
	e := newEntra(t, fakeazure.EntraOptions{})
	e.AddClientSecret(testClientID, testSecret)
	if _, err := NewEnvironment(entraConfig(e, map[string]string{"AZURE_CLIENT_SECRET": testSecret})).GetToken(context.Background(), scopeReq); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("MSAL_FORCE_REGION") != "westus2" {
		t.Fatal("setup")
	}
}

// A tenant named by domain and the configured one named by id (or two
// domains) may be one directory, but nothing offline can tell: the message
// says so, and the hint offers the configured id (issue 12.1).
func TestTenantMismatchWording(t *testing.T) {
	t.Parallel()
	const id = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	cases := []struct{ configured, requested, want, hint string }{
		{id, "contoso.onmicrosoft.com", "cannot be known without asking Entra ID", "--tenant " + id},
		{"contoso.onmicrosoft.com", id, "cannot be known without asking Entra ID", "--tenant contoso.onmicrosoft.com"},
		{"contoso.com", "contoso.onmicrosoft.com", "two domain names may belong to the same directory", "AZURE_ADDITIONALLY_ALLOWED_TENANTS"},
		{id, "00000000-0000-0000-0000-000000000001", "a different directory", "AZURE_ADDITIONALLY_ALLOWED_TENANTS"},
	}
	for _, c := range cases {
		_, err := requestTenant(env.FromList(nil), c.configured, chain.Request{Tenant: c.requested})
		if chain.StatusOf(err) != chain.StatusFailed {
			t.Errorf("%s vs %s: status %v, want failed", c.configured, c.requested, chain.StatusOf(err))
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s vs %s: %q does not say %q", c.configured, c.requested, err, c.want)
		}
		if h := chain.HintOf(err); !strings.Contains(h, c.hint) {
			t.Errorf("%s vs %s: hint %q does not say %q", c.configured, c.requested, h, c.hint)
		}
	}
}
