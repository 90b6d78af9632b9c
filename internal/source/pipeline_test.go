package source

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/fakeazure"
)

// The rules that pick a CI, or none, from variables and flags.
func TestPipelineSettings(t *testing.T) {
	t.Parallel()
	ids := map[string]string{"AZURE_CLIENT_ID": testClientID, "AZURE_TENANT_ID": "tenant-1"}
	gh := map[string]string{ghURLVar: "https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0", ghTokenVar: "ghs_request-token-0001"}
	ado := map[string]string{adoURIVar: "https://dev.azure.com/contoso/p/_apis/distributedtask/hubs/build/plans/1/jobs/2/oidctoken", adoTokenVar: "ado-access-token-0001", adoConnVar: "conn-1"}
	with := func(ms ...map[string]string) map[string]string {
		out := map[string]string{}
		for _, m := range ms {
			maps.Copy(out, m)
		}
		return out
	}
	tests := []struct {
		name   string
		vars   map[string]string
		flags  Config
		kind   ciKind
		status chain.Status // StatusOK when the settings are usable
		want   string       // in the message, or in detail() when usable
	}{
		{"nothing: not in CI", ids, Config{}, 0, chain.StatusUnavailable, "not in a CI job"},
		{"GitHub", with(ids, gh), Config{}, ciGitHub, chain.StatusOK, "audience api://AzureADTokenExchange"},
		{"GitHub audience by flag", with(ids, gh, map[string]string{audienceVar: "api://var"}), Config{OIDCAudience: "api://flag"}, ciGitHub, chain.StatusOK, "audience api://flag"},
		{"GitHub audience by variable", with(ids, gh, map[string]string{audienceVar: "api://var"}), Config{}, ciGitHub, chain.StatusOK, "audience api://var"},
		{"GitHub without id-token permission", with(ids, map[string]string{ghActions: "true"}), Config{}, 0, chain.StatusUnavailable, "without an OIDC token"},
		{"GitHub with half the variables", with(ids, map[string]string{ghURLVar: gh[ghURLVar]}), Config{}, 0, chain.StatusUnavailable, ghTokenVar + " is not"},
		{"GitHub without client id", with(gh, map[string]string{"AZURE_TENANT_ID": "t"}), Config{}, ciGitHub, chain.StatusUnavailable, "no client id"},
		{"GitHub without tenant", with(gh, map[string]string{"AZURE_CLIENT_ID": "c"}), Config{}, ciGitHub, chain.StatusUnavailable, "no tenant id"},
		{"GitHub over plain http elsewhere", with(ids, gh, map[string]string{ghURLVar: "http://example.com/idtoken"}), Config{}, ciGitHub, chain.StatusFailed, "not an https URL"},
		{"GitHub over http on loopback", with(ids, gh, map[string]string{ghURLVar: "http://127.0.0.1:1/idtoken"}), Config{}, ciGitHub, chain.StatusOK, "GitHub"},
		{"Azure Pipelines", with(ado, map[string]string{adoClientVar: "c", adoTenantVar: "t"}), Config{}, ciAzurePipelines, chain.StatusOK, "service connection conn-1"},
		{"Azure Pipelines connection by flag", with(ado, ids), Config{ServiceConnectionID: "conn-2"}, ciAzurePipelines, chain.StatusOK, "service connection conn-2"},
		{"Azure Pipelines without the access token", with(ids, ado, map[string]string{adoTokenVar: ""}), Config{}, ciAzurePipelines, chain.StatusUnavailable, "SYSTEM_ACCESSTOKEN is not set"},
		{"Azure Pipelines without a connection", with(ids, ado, map[string]string{adoConnVar: ""}), Config{}, ciAzurePipelines, chain.StatusUnavailable, "no service connection"},
		{"variable", with(ids, gh, map[string]string{"CI_TOKEN": "a.b.c"}), Config{FederatedTokenEnv: "CI_TOKEN"}, ciVariable, chain.StatusOK, "$CI_TOKEN"},
		{"variable named by variable", with(ids, map[string]string{"CI_TOKEN": "a.b.c", tokenEnvVar: "CI_TOKEN"}), Config{}, ciVariable, chain.StatusOK, "$CI_TOKEN"},
		{"variable unset", ids, Config{FederatedTokenEnv: "CI_TOKEN"}, ciVariable, chain.StatusFailed, "CI_TOKEN named by --federated-token-env is not set"},
		{"variable empty", with(ids, map[string]string{"CI_TOKEN": " "}), Config{FederatedTokenEnv: "CI_TOKEN"}, ciVariable, chain.StatusFailed, "is empty"},
		{"variable name with a dollar", ids, Config{FederatedTokenEnv: "$CI_TOKEN"}, ciVariable, chain.StatusFailed, "not a variable name"},
		{"bad tenant", with(gh, map[string]string{"AZURE_CLIENT_ID": "c", "AZURE_TENANT_ID": "a/b"}), Config{}, ciGitHub, chain.StatusUnavailable, "AZURE_TENANT_ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.flags
			cfg.Env = env.Map(tt.vars)
			s, err := readPipelineSettings(cfg)
			if got := chain.StatusOf(err); got != tt.status {
				t.Fatalf("status %v (%v), want %v", got, err, tt.status)
			}
			if s.kind != tt.kind {
				t.Errorf("kind %d, want %d", s.kind, tt.kind)
			}
			text := s.detail()
			if err != nil {
				text = err.Error()
			}
			if !strings.Contains(text, tt.want) {
				t.Errorf("%q does not say %q", text, tt.want)
			}
			assertNoSecrets(t, "message", text+chain.HintOf(err), s.secrets()...)
		})
	}
}

func startGitHub(t *testing.T) *fakeazure.GitHubOIDC {
	t.Helper()
	m, err := sharedMinter()
	if err != nil {
		t.Fatal(err)
	}
	g, err := fakeazure.NewGitHubOIDC(fakeazure.GitHubOIDCOptions{Minter: m})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	return g
}

// A GitHub Actions job gets a token, and asks GitHub anew for every
// exchange, so the assertion Entra ID sees is never an old one.
func TestPipelineGitHubFreshAssertionPerExchange(t *testing.T) {
	t.Parallel()
	e := newEntra(t, fakeazure.EntraOptions{})
	g := startGitHub(t)
	e.AddFederatedCredential(testClientID, g.Credential(DefaultOIDCAudience))
	src := NewPipeline(entraConfig(e, g.Env()))
	for i := range 3 {
		// Another scope each time, so MSAL's cache cannot answer.
		tok, err := src.GetToken(context.Background(), chain.Request{Scopes: []string{fmt.Sprintf("api://app-%d/.default", i)}})
		if err != nil {
			t.Fatalf("exchange %d: %v (%s)", i, err, chain.HintOf(err))
		}
		if tok.Identity != "app "+testClientID {
			t.Errorf("identity %q", tok.Identity)
		}
	}
	if n := g.Count(fakeazure.EndpointGitHubOIDC); n != 3 {
		t.Errorf("GitHub was asked %d times for 3 exchanges, want 3", n)
	}
	// MSAL's cache answers a scope it has: no new assertion is needed.
	if _, err := src.GetToken(context.Background(), chain.Request{Scopes: []string{"api://app-0/.default"}}); err != nil {
		t.Fatal(err)
	}
	if n := g.Count(fakeazure.EndpointGitHubOIDC); n != 3 {
		t.Errorf("a token MSAL had cost another OIDC request (%d)", n)
	}
	for _, r := range g.Requests() {
		if r.Method != "GET" || !strings.Contains(r.RawQuery, "audience=api%3A%2F%2FAzureADTokenExchange") || !r.Secret {
			t.Errorf("OIDC request %+v", r)
		}
	}
}

func TestPipelineAzureDevOps(t *testing.T) {
	t.Parallel()
	e := newEntra(t, fakeazure.EntraOptions{})
	m, err := sharedMinter()
	if err != nil {
		t.Fatal(err)
	}
	d, err := fakeazure.NewAzureDevOpsOIDC(fakeazure.AzureDevOpsOIDCOptions{Minter: m})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	const conn = "5f3c8d3e-1f2a-4b6c-9d7e-0a1b2c3d4e5f"
	d.AddServiceConnection(conn, "deploy")
	e.AddFederatedCredential(testClientID, d.Credential("deploy"))
	vars := d.Env(conn)
	vars[adoClientVar], vars[adoTenantVar] = testClientID, e.TenantID()
	vars["AZURE_CLIENT_ID"] = "<unset>"
	src := NewPipeline(entraConfig(e, vars))
	o := chain.Try(context.Background(), src, scopeReq)
	if o.Status != chain.StatusOK {
		t.Fatalf("%v: %s (%s)", o.Status, o.Reason, o.Hint)
	}
	rq := d.Requests()
	if len(rq) != 1 || rq[0].Method != "POST" || !strings.Contains(rq[0].RawQuery, "serviceConnectionId="+conn) ||
		!strings.Contains(rq[0].RawQuery, "api-version=7.1") || !slices.Contains(rq[0].HeaderNames, "X-Tfs-Fedauthredirect") {
		t.Errorf("OIDC requests %+v", rq)
	}
	// The outcome records the OIDC request, as -v and probe show it.
	// MSAL reads the openid-configuration first, then asks for the
	// assertion just before the token request.
	if len(o.Requests) != 3 || !strings.Contains(o.Requests[1].URL, "/oidctoken?") || o.Requests[1].Status != 200 {
		t.Errorf("outcome requests %+v", o.Requests)
	}
}

// Each refusal names the fix, and no message or hint ever holds the
// job's request token or the assertion.
func TestPipelineFailuresNameTheFixWithoutSecrets(t *testing.T) {
	t.Parallel()
	e := newEntra(t, fakeazure.EntraOptions{})
	g := startGitHub(t)
	fc := g.Credential(DefaultOIDCAudience)
	fc.Subject = "repo:octo-org/octo-repo:environment:production"
	e.AddFederatedCredential(testClientID, fc)
	e.AddFederatedCredential("app-aud", g.Credential("api://custom"))
	assertion, err := g.Mint(DefaultOIDCAudience, false)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		vars   map[string]string
		flags  Config
		fault  *fakeazure.Fault
		status chain.Status
		msg    string
		hint   string
	}{
		{"403", nil, Config{}, &fakeazure.Fault{Status: 403}, chain.StatusFailed, "HTTP 403", "id-token: write"},
		{"401", map[string]string{ghTokenVar: "ghs_other-jobs-token-123"}, Config{}, nil, chain.StatusFailed, "HTTP 401", "its own job"},
		{"subject", nil, Config{}, nil, chain.StatusFailed, `matches the subject "` + fakeazure.GitHubSubject + `"`, "subject " + fakeazure.GitHubSubject},
		{"audience", map[string]string{"AZURE_CLIENT_ID": "app-aud"}, Config{}, nil, chain.StatusFailed, `audience "api://AzureADTokenExchange"`, "--oidc-audience"},
		{"stale", nil, Config{}, &fakeazure.Fault{AlreadyExpiredToken: true}, chain.StatusFailed, "expired at", "clock"},
		{"not JSON", nil, Config{}, &fakeazure.Fault{HTML: true}, chain.StatusFailed, "something other than JSON", ghURLVar},
		{"no token", nil, Config{}, &fakeazure.Fault{Body: `{"value":""}`}, chain.StatusFailed, "without a token", ghURLVar},
		{"variable subject", map[string]string{"CI_TOKEN": assertion}, Config{FederatedTokenEnv: "CI_TOKEN"}, nil, chain.StatusFailed, "AADSTS700213", "subject"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Faults are per fake, so each case has its own GitHub.
			g := g
			if tt.fault != nil {
				g = startGitHub(t)
				g.SetFault(fakeazure.EndpointGitHubOIDC, *tt.fault)
			}
			vars := g.Env()
			maps.Copy(vars, tt.vars)
			cfg := entraConfig(e, vars)
			cfg.FederatedTokenEnv = tt.flags.FederatedTokenEnv
			o := chain.Try(context.Background(), NewPipeline(cfg), scopeReq)
			if o.Status != tt.status || !strings.Contains(o.Reason, tt.msg) || !strings.Contains(o.Hint, tt.hint) {
				t.Errorf("%v: %q (hint %q); want %v, %q, %q", o.Status, o.Reason, o.Hint, tt.status, tt.msg, tt.hint)
			}
			text := o.Reason + " " + o.Hint
			assertNoSecrets(t, "outcome", text, g.RequestToken(), assertion, "ghs_other-jobs-token-123")
			if strings.Contains(text, "eyJ") {
				t.Errorf("a token in %q", text)
			}
		})
	}
}

// The cache key names the job's OIDC endpoint, or the issuer and subject
// of a token in a variable, and never a token.
func TestPipelineCacheKey(t *testing.T) {
	t.Parallel()
	g := startGitHub(t)
	tok1, err := g.Mint(DefaultOIDCAudience, false)
	if err != nil {
		t.Fatal(err)
	}
	tok2, err := g.Mint(DefaultOIDCAudience, false) // same issuer and subject, another token
	if err != nil {
		t.Fatal(err)
	}
	base := map[string]string{"AZURE_CLIENT_ID": testClientID, "AZURE_TENANT_ID": "tenant-1"}
	key := func(vars map[string]string, cfg Config) string {
		all := maps.Clone(base)
		maps.Copy(all, vars)
		cfg.Env = env.Map(all)
		k, ok := NewPipeline(cfg).CacheKey(scopeReq)
		if !ok {
			t.Fatalf("no key for %v", vars)
		}
		for _, s := range []string{g.RequestToken(), tok1, tok2} {
			if strings.Contains(k, s) {
				t.Fatalf("key %q holds a secret", k)
			}
		}
		return k
	}
	job1 := key(g.Env(), Config{})
	other := g.Env()
	other[ghURLVar] = strings.Replace(other[ghURLVar], "/jobs/", "/jobs/another-", 1)
	if job1 == key(other, Config{}) {
		t.Error("two jobs share a key")
	}
	if job1 == key(g.Env(), Config{OIDCAudience: "api://custom"}) {
		t.Error("another audience shares a key")
	}
	v1 := key(map[string]string{"CI_TOKEN": tok1}, Config{FederatedTokenEnv: "CI_TOKEN"})
	if v1 != key(map[string]string{"CI_TOKEN": tok2}, Config{FederatedTokenEnv: "CI_TOKEN"}) {
		t.Error("a new token for the same subject changed the key")
	}
	g2, err := fakeazure.NewGitHubOIDC(fakeazure.GitHubOIDCOptions{Subject: "repo:octo-org/other:ref:refs/heads/main", Minter: g.Minter()})
	if err != nil {
		t.Fatal(err)
	}
	defer g2.Close()
	tok3, err := g2.Mint(DefaultOIDCAudience, false)
	if err != nil {
		t.Fatal(err)
	}
	if v1 == key(map[string]string{"CI_TOKEN": tok3}, Config{FederatedTokenEnv: "CI_TOKEN"}) {
		t.Error("another subject shares a key")
	}
	if _, ok := NewPipeline(Config{Env: env.Map(base)}).CacheKey(scopeReq); ok {
		t.Error("a key outside CI")
	}
}

// explain's view of each CI: the flavour, the requests, and no secret.
func TestPipelineDescribe(t *testing.T) {
	t.Parallel()
	g := startGitHub(t)
	tok, err := g.Mint(DefaultOIDCAudience, false)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{"AZURE_CLIENT_ID": testClientID, "AZURE_TENANT_ID": "tenant-1"}
	ado := map[string]string{adoURIVar: "https://dev.azure.com/contoso/p/_apis/distributedtask/hubs/build/plans/1/jobs/2/oidctoken", adoTokenVar: "ado-access-token-0001", adoConnVar: "conn-1"}
	tests := []struct {
		name     string
		vars     map[string]string
		cfg      Config
		verdict  chain.Verdict
		detail   string
		requests int
		first    string
	}{
		{"outside CI", ids, Config{}, chain.WouldSkip, "", 0, ""},
		{"GitHub", g.Env(), Config{}, chain.WouldTry, "GitHub Actions OIDC", 2, "GET " + g.RequestURL() + "&audience=api%3A%2F%2FAzureADTokenExchange"},
		{"Azure Pipelines", ado, Config{}, chain.WouldTry, "service connection conn-1", 2, "POST " + ado[adoURIVar] + "?api-version=7.1&serviceConnectionId=conn-1"},
		{"variable", map[string]string{"CI_TOKEN": tok}, Config{FederatedTokenEnv: "CI_TOKEN"}, chain.WouldTry, "$CI_TOKEN", 1, "POST https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token"},
		{"variable unset", nil, Config{FederatedTokenEnv: "CI_TOKEN"}, chain.WouldStop, "", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := maps.Clone(ids)
			maps.Copy(vars, tt.vars)
			cfg := tt.cfg
			cfg.Env = env.Map(vars)
			d := NewPipeline(cfg).Describe(scopeReq)
			if d.Verdict != tt.verdict || !strings.Contains(d.Detail, tt.detail) || len(d.Requests) != tt.requests {
				t.Fatalf("%s (%s) %q with %d requests; want %s, %q, %d", d.Verdict, d.Why, d.Detail, len(d.Requests), tt.verdict, tt.detail, tt.requests)
			}
			if tt.first != "" && d.Requests[0].Method+" "+d.Requests[0].URL != tt.first {
				t.Errorf("first request %s %s, want %s", d.Requests[0].Method, d.Requests[0].URL, tt.first)
			}
			assertNoSecrets(t, "Describe", describeText(d), g.RequestToken(), tok, ado[adoTokenVar])
		})
	}
}

// How the source answers each fault of the CI's OIDC endpoint: retried
// where the CI asks for it, otherwise one sentence, and never a hang past
// the caller's deadline.
func TestPipelineOIDCEndpointFaults(t *testing.T) {
	t.Parallel()
	e := newEntra(t, fakeazure.EntraOptions{})
	tests := []struct {
		name   string
		fault  fakeazure.Fault
		status chain.Status
		msg    string
	}{
		{"503 once, Retry-After", fakeazure.Fault{Status: 503, RetryAfter: "0", Times: 1}, chain.StatusOK, ""},
		{"429 once", fakeazure.Fault{Status: 429, RetryAfter: "0", Times: 1}, chain.StatusOK, ""},
		{"500 always", fakeazure.Fault{Status: 500, RetryAfter: "0"}, chain.StatusFailed, "(HTTP 500)"},
		{"404", fakeazure.Fault{Status: 404}, chain.StatusFailed, "(HTTP 404)"},
		{"redirect", fakeazure.Fault{RedirectTo: "http://127.0.0.1:1/elsewhere"}, chain.StatusFailed, "answered with a redirect (HTTP 302), which aztoken does not follow"},
		{"truncated JSON", fakeazure.Fault{TruncatedJSON: true}, chain.StatusFailed, "something other than JSON"},
		{"oversized", fakeazure.Fault{Oversized: 2 << 20}, chain.StatusFailed, "could not be read"},
		{"reset mid-body", fakeazure.Fault{ResetMidBody: true}, chain.StatusFailed, "could not be read"},
		{"hang", fakeazure.Fault{Hang: true}, chain.StatusTimedOut, "did not answer in time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := startGitHub(t)
			e.AddFederatedCredential(testClientID, g.Credential(DefaultOIDCAudience))
			g.SetFault(fakeazure.EndpointGitHubOIDC, tt.fault)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			o := chain.Try(ctx, NewPipeline(entraConfig(e, g.Env())), scopeReq)
			if o.Status != tt.status || !strings.Contains(o.Reason, tt.msg) {
				t.Errorf("%v: %q; want %v, %q", o.Status, o.Reason, tt.status, tt.msg)
			}
			assertNoSecrets(t, "outcome", o.Reason+o.Hint, g.RequestToken())
		})
	}
}
