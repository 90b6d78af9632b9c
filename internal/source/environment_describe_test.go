package source

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/fakeazure"
)

func inputState(d chain.Description, name string) (value, state string) {
	for _, in := range d.Inputs {
		if in.Name == name {
			return in.Value, in.State
		}
	}
	return "", "absent"
}

func TestEnvironmentDescribe(t *testing.T) {
	t.Parallel()
	e := newEntra(t, fakeazure.EntraOptions{})
	host, tenant := e.URL()+"/", e.TenantID()
	soon := writeCert(t, t.TempDir(), time.Now().Add(3*24*time.Hour))
	cases := []struct {
		name     string
		vars     map[string]string
		verdict  chain.Verdict
		detail   string
		why      string
		requests []string
		warnings []string
	}{
		{name: "secret", vars: map[string]string{"AZURE_CLIENT_SECRET": testSecret},
			verdict: chain.WouldTry, detail: "client secret", why: "AZURE_CLIENT_SECRET are set",
			requests: []string{"GET " + host + tenant + "/v2.0/.well-known/openid-configuration", "POST " + host + tenant + "/oauth2/v2.0/token"}},
		{name: "secret and certificate", vars: map[string]string{"AZURE_CLIENT_SECRET": testSecret, "AZURE_CLIENT_CERTIFICATE_PATH": certFixture("rsa-pkcs8.pem")},
			verdict: chain.WouldTry, detail: "client secret", warnings: []string{"the secret wins"}},
		{name: "certificate", vars: map[string]string{"AZURE_CLIENT_CERTIFICATE_PATH": certFixture("rsa-password.pfx"), "AZURE_CLIENT_CERTIFICATE_PASSWORD": testCertPassword},
			verdict: chain.WouldTry, detail: "client certificate", why: "the certificate loads"},
		{name: "expired certificate", vars: map[string]string{"AZURE_CLIENT_CERTIFICATE_PATH": certFixture("expired.pem")},
			verdict: chain.WouldTry, detail: "client certificate", warnings: []string{"expired on 2020-02-01"}},
		{name: "certificate expiring soon", vars: map[string]string{"AZURE_CLIENT_CERTIFICATE_PATH": soon},
			verdict: chain.WouldTry, detail: "client certificate", warnings: []string{"in less than 7 days"}},
		{name: "wrong certificate password", vars: map[string]string{"AZURE_CLIENT_CERTIFICATE_PATH": certFixture("rsa-password.pfx"), "AZURE_CLIENT_CERTIFICATE_PASSWORD": testPassword},
			verdict: chain.WouldSkip, detail: "client certificate", why: "the certificate password is wrong"},
		{name: "password", vars: map[string]string{"AZURE_USERNAME": "ada@example.com", "AZURE_PASSWORD": testPassword},
			verdict: chain.WouldTry, detail: "username and password",
			requests: []string{"GET " + host + tenant + "/v2.0/.well-known/openid-configuration", "GET " + host + "common/UserRealm/ada@example.com?api-version=1.0", "POST " + host + tenant + "/oauth2/v2.0/token"}},
		{name: "nothing", vars: map[string]string{"AZURE_TENANT_ID": "<unset>"},
			verdict: chain.WouldSkip, why: "missing environment variable AZURE_TENANT_ID; to use a service principal, set"},
		{name: "http authority", vars: map[string]string{"AZURE_CLIENT_SECRET": testSecret, "AZURE_AUTHORITY_HOST": "http://127.0.0.1:1"},
			verdict: chain.WouldSkip, why: "not an https URL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := NewEnvironment(entraConfig(e, c.vars)).Describe(scopeReq)
			if d.Verdict != c.verdict || d.Detail != c.detail || !strings.Contains(d.Why, c.why) {
				t.Errorf("verdict %s, detail %q, why %q", d.Verdict, d.Detail, d.Why)
			}
			var reqs []string
			for _, r := range d.Requests {
				reqs = append(reqs, r.Method+" "+r.URL)
				if len(r.Headers) == 0 {
					t.Errorf("no header names for %s", r.URL)
				}
			}
			if c.requests != nil && strings.Join(reqs, "\n") != strings.Join(c.requests, "\n") {
				t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(reqs, "\n"), strings.Join(c.requests, "\n"))
			}
			if c.verdict == chain.WouldSkip && len(d.Requests) != 0 {
				t.Errorf("a skipped source lists requests: %v", reqs)
			}
			got := strings.Join(d.Warnings, "|")
			for _, w := range c.warnings {
				if !strings.Contains(got, w) {
					t.Errorf("warnings %q lack %q", got, w)
				}
			}
			if c.warnings == nil && got != "" {
				t.Errorf("unexpected warnings %q", got)
			}
			assertNoSecrets(t, "Describe", describeText(d), testSecret, testPassword, testCertPassword)
		})
	}
	if len(e.Requests()) != 0 {
		t.Error("Describe sent requests")
	}
}

func TestEnvironmentDescribeInputs(t *testing.T) {
	t.Parallel()
	e := newEntra(t, fakeazure.EntraOptions{})
	missing := filepath.Join(t.TempDir(), "gone.pem")
	d := NewEnvironment(entraConfig(e, map[string]string{
		"AZURE_CLIENT_SECRET":           testSecret,
		"AZURE_CLIENT_CERTIFICATE_PATH": missing,
		"AZURE_USERNAME":                "",
	})).Describe(scopeReq)
	cases := []struct{ name, value, state string }{
		{"AZURE_CLIENT_ID", testClientID, "set"},
		{"AZURE_CLIENT_SECRET", Mask(testSecret), "set"},
		{"AZURE_USERNAME", "", "set but empty"},
		{"AZURE_PASSWORD", "", "unset"},
		{missing, "", "missing"},
		{"AZURE_CLIENT_CERTIFICATE_PATH", missing, "set"},
	}
	for _, c := range cases {
		if v, s := inputState(d, c.name); v != c.value || s != c.state {
			t.Errorf("%s: %q (%s), want %q (%s)", c.name, v, s, c.value, c.state)
		}
	}
}

// Every error path and explain page, with every kind of secret set: none
// of the secrets may appear, nor the assertion, nor a token.
func TestNoSecretsInErrorsOrDescriptions(t *testing.T) {
	t.Parallel()
	e := newEntra(t, fakeazure.EntraOptions{})
	e.AddClientSecret(testClientID, "another-registered-secret")
	e.AddUser(testClientID, "ada@example.com", "another-registered-password")
	dir := t.TempDir()
	assertion := fakeJWT(time.Now().Add(-time.Hour), "secret-subject")
	tokenFile := filepath.Join(dir, "token")
	writeFile(t, tokenFile, assertion)
	e.AddFederated(testClientID, "a-different-assertion")

	// A working source, for a token to look for.
	good := newEntra(t, fakeazure.EntraOptions{})
	good.AddClientSecret(testClientID, testSecret)
	tok, err := NewEnvironment(entraConfig(good, map[string]string{"AZURE_CLIENT_SECRET": testSecret})).GetToken(context.Background(), scopeReq)
	if err != nil {
		t.Fatal(err)
	}
	secrets := []string{testSecret, testPassword, testCertPassword, "fixture-pem-pass", assertion, tok.AccessToken}

	envs := []map[string]string{
		{"AZURE_CLIENT_SECRET": testSecret},
		{"AZURE_CLIENT_SECRET": testSecret, "AZURE_AUTHORITY_HOST": "http://127.0.0.1:1"},
		{"AZURE_CLIENT_CERTIFICATE_PATH": certFixture("rsa-password.pfx"), "AZURE_CLIENT_CERTIFICATE_PASSWORD": testPassword},
		{"AZURE_CLIENT_CERTIFICATE_PATH": certFixture("rsa-password.pfx"), "AZURE_CLIENT_CERTIFICATE_PASSWORD": testCertPassword},
		{"AZURE_CLIENT_CERTIFICATE_PATH": certFixture("rsa-encrypted-pkcs8.pem"), "AZURE_CLIENT_CERTIFICATE_PASSWORD": "fixture-pem-pass"},
		{"AZURE_USERNAME": "ada@example.com", "AZURE_PASSWORD": testPassword},
		{"AZURE_FEDERATED_TOKEN_FILE": tokenFile},
	}
	for _, vars := range envs {
		cfg := entraConfig(e, vars)
		for _, s := range []chain.Source{NewEnvironment(cfg), NewWorkload(cfg)} {
			o := chain.Try(context.Background(), s, scopeReq)
			text := o.Reason + " " + o.Hint
			for _, r := range o.Requests {
				text += " " + r.URL + " " + strings.Join(r.Headers, ",")
			}
			assertNoSecrets(t, s.Name()+" outcome", text, secrets...)
			d := s.(chain.Describer).Describe(scopeReq)
			assertNoSecrets(t, s.Name()+" description", describeText(d), secrets...)
			if k, ok := s.(chain.Keyer).CacheKey(scopeReq); ok {
				assertNoSecrets(t, s.Name()+" cache key", k, secrets...)
			}
		}
	}
}
