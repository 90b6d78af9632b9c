package source

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/fakeazure"
)

// fakeJWT is shaped like a service account token; only exp matters here.
func fakeJWT(exp time.Time, tag string) string {
	return fedJWT("https://oidc.example/cluster-1", "system:serviceaccount:default:"+tag, exp)
}

// fedJWT is a federated token as Kubernetes projects it: an issuer, a
// subject and an expiry (the fake Entra does not check its signature).
func fedJWT(iss, sub string, exp time.Time) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256"}`)) + "." +
		enc([]byte(fmt.Sprintf(`{"iss":%q,"exp":%d,"sub":%q}`, iss, exp.Unix(), sub))) + "." +
		enc([]byte("signature-"+sub+exp.String()))
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestWorkloadToken(t *testing.T) {
	t.Parallel()
	e := newEntra(t, fakeazure.EntraOptions{})
	assertion := fakeJWT(time.Now().Add(time.Hour), "one")
	e.AddFederated(testClientID, assertion)
	file := filepath.Join(t.TempDir(), "token")
	writeFile(t, file, assertion+"\n")
	src := NewWorkload(entraConfig(e, map[string]string{"AZURE_FEDERATED_TOKEN_FILE": file}))

	o := chain.Try(context.Background(), src, scopeReq)
	if o.Status != chain.StatusOK {
		t.Fatalf("%v: %s (%s)", o.Status, o.Reason, o.Hint)
	}
	if len(e.Requests()) != 2 || e.Count(fakeazure.EndpointToken) != 1 {
		t.Errorf("a cold token cost %v, want openid + token", e.Counts())
	}
	if rq := e.Requests()[1]; rq.Credential != "assertion" {
		t.Errorf("token request = %+v", rq)
	}
	if o.Token.Identity != "app "+testClientID || o.Token.Tenant != e.TenantID() {
		t.Errorf("token = %+v", o.Token)
	}
	key, ok := src.CacheKey(scopeReq)
	if want := "workload-identity|" + e.URL() + "/|" + e.TenantID() + "|" + testClientID + "|federated|cred="; !ok || !strings.HasPrefix(key, want) {
		t.Errorf("CacheKey = %q, want %q and the federated identity's digest", key, want)
	}
	assertNoSecrets(t, "cache key", key, assertion)
}

// The cache key follows the federated token's issuer and subject: a
// rotated token for the same service account keeps the key, another
// account or cluster changes it, so its token is never served from the
// cache.
func TestWorkloadCacheKeyFollowsIssuerAndSubject(t *testing.T) {
	t.Parallel()
	exp := time.Now().Add(time.Hour)
	keyFor := func(content string) string {
		file := filepath.Join(t.TempDir(), "token")
		writeFile(t, file, content)
		src := NewWorkload(Config{Env: env.Map(map[string]string{
			"AZURE_TENANT_ID": "tenant-1", "AZURE_CLIENT_ID": testClientID, tokenFileVar: file,
		})})
		k, ok := src.CacheKey(scopeReq)
		if !ok {
			t.Fatalf("no cache key for %q", content)
		}
		assertNoSecrets(t, "cache key", k, content)
		return k
	}
	base := keyFor(fedJWT("https://oidc.example/c1", "system:serviceaccount:ns:app", exp))
	for name, tc := range map[string]struct {
		content string
		same    bool
	}{
		"rotated":        {fedJWT("https://oidc.example/c1", "system:serviceaccount:ns:app", exp.Add(time.Hour)), true},
		"other subject":  {fedJWT("https://oidc.example/c1", "system:serviceaccount:ns:other", exp), false},
		"other issuer":   {fedJWT("https://oidc.example/c2", "system:serviceaccount:ns:app", exp), false},
		"not a JWT":      {"opaque-assertion", false},
		"another opaque": {"opaque-assertion-2", false},
	} {
		if got := keyFor(tc.content); (got == base) != tc.same {
			t.Errorf("%s: key equal to the first = %v, want %v", name, got == base, tc.same)
		}
	}
	if keyFor("opaque-assertion") == keyFor("opaque-assertion-2") {
		t.Error("two opaque assertions share a key")
	}
}

// Kubernetes rotates the projected token; the source re-reads it once the
// copy it holds is 10 minutes old, and not before.
func TestWorkloadRereadsTheTokenFileAfterTenMinutes(t *testing.T) {
	t.Parallel()
	e := newEntra(t, fakeazure.EntraOptions{})
	first, second := fakeJWT(time.Now().Add(time.Hour), "first"), fakeJWT(time.Now().Add(2*time.Hour), "second")
	e.AddFederated(testClientID, first) // only the first is accepted for now
	file := filepath.Join(t.TempDir(), "token")
	writeFile(t, file, first)
	clock := &fakeClock{now: time.Now()}
	cfg := entraConfig(e, map[string]string{"AZURE_FEDERATED_TOKEN_FILE": file})
	cfg.Now = clock.Now
	src := NewWorkload(cfg)
	// Each call asks for another scope so that MSAL's token cache cannot
	// answer and the assertion is needed again.
	get := func(i int) error {
		_, err := src.GetToken(context.Background(), chain.Request{Scopes: []string{fmt.Sprintf("api://app-%d/.default", i)}})
		return err
	}
	if err := get(1); err != nil {
		t.Fatal(err)
	}
	writeFile(t, file, second)

	clock.Advance(9 * time.Minute)
	if err := get(2); err != nil {
		t.Fatalf("at 9 minutes the cached first token should still be sent: %v", err)
	}

	clock.Advance(2 * time.Minute)
	err := get(3)
	if err == nil || !strings.Contains(err.Error(), "AADSTS700213") {
		t.Fatalf("at 11 minutes the file should have been re-read (the fake accepts only the first token): %v", err)
	}
	assertNoSecrets(t, "error", err.Error()+chain.HintOf(err), first, second)

	e.AddFederated(testClientID, second)
	if err := get(4); err != nil {
		t.Fatalf("the re-read token was not sent: %v", err)
	}
	if n := e.Count(fakeazure.EndpointToken); n != 4 {
		t.Errorf("%d token requests, want 4", n)
	}
}

func TestWorkloadTokenFileProblemsStopTheChain(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	writeFile(t, empty, " \n")
	cases := []struct {
		name, file, want string
	}{
		{"missing", filepath.Join(dir, "nope"), "does not exist"},
		{"empty", empty, "is empty"},
		{"directory", dir, "is a directory, not a regular file"},
		{"set but empty", "", "AZURE_FEDERATED_TOKEN_FILE is set but empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEntra(t, fakeazure.EntraOptions{})
			src := NewWorkload(entraConfig(e, map[string]string{"AZURE_FEDERATED_TOKEN_FILE": c.file}))
			_, err := src.GetToken(context.Background(), scopeReq)
			if chain.StatusOf(err) != chain.StatusFailed || !strings.Contains(err.Error(), c.want) || chain.HintOf(err) == "" {
				t.Errorf("%v (%v, hint %q), want failed with %q", err, chain.StatusOf(err), chain.HintOf(err), c.want)
			}
			if e.Count(fakeazure.EndpointToken) != 0 {
				t.Error("a token request was sent without an assertion")
			}
			if d := src.Describe(scopeReq); d.Verdict != chain.WouldStop || !strings.Contains(d.Why, c.want) {
				t.Errorf("Describe: %s: %s", d.Verdict, d.Why)
			}
		})
	}
}

func TestWorkloadMissingVariablesSkip(t *testing.T) {
	t.Parallel()
	e := newEntra(t, fakeazure.EntraOptions{})
	cases := []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{"AZURE_CLIENT_ID": "<unset>", "AZURE_FEDERATED_TOKEN_FILE": "/x"}, "AZURE_CLIENT_ID"},
		{map[string]string{"AZURE_TENANT_ID": "", "AZURE_FEDERATED_TOKEN_FILE": "/x"}, "AZURE_TENANT_ID"},
		{map[string]string{}, "AZURE_FEDERATED_TOKEN_FILE"},
		{map[string]string{"AZURE_FEDERATED_TOKEN_FILE": "/x", "AZURE_AUTHORITY_HOST": "http://127.0.0.1:1/"}, "not an https URL"},
	}
	for _, c := range cases {
		src := NewWorkload(entraConfig(e, c.vars))
		_, err := src.GetToken(context.Background(), scopeReq)
		if chain.StatusOf(err) != chain.StatusUnavailable || !strings.Contains(err.Error(), c.want) || chain.HintOf(err) == "" {
			t.Errorf("%v: %v (%v)", c.vars, err, chain.StatusOf(err))
		}
		if _, ok := src.CacheKey(scopeReq); ok {
			t.Errorf("%v: a cache key without configuration", c.vars)
		}
		if d := src.Describe(scopeReq); d.Verdict != chain.WouldSkip {
			t.Errorf("%v: Describe verdict %s", c.vars, d.Verdict)
		}
	}
	if len(e.Requests()) != 0 {
		t.Error("requests were sent")
	}
}

func TestWorkloadDescribe(t *testing.T) {
	t.Parallel()
	e := newEntra(t, fakeazure.EntraOptions{})
	dir := t.TempDir()
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name, content, warning string
	}{
		{"fresh", fakeJWT(now.Add(time.Hour), "a"), ""},
		{"expired", fakeJWT(now.Add(-time.Minute), "b"), "expired at 2030-01-01T11:59:00Z"},
		{"not a jwt", "opaque-token", "is not a JWT"},
	}
	for _, c := range cases {
		file := filepath.Join(dir, c.name)
		writeFile(t, file, c.content)
		cfg := entraConfig(e, map[string]string{"AZURE_FEDERATED_TOKEN_FILE": file})
		cfg.Now = func() time.Time { return now }
		d := NewWorkload(cfg).Describe(chain.Request{Scopes: []string{testScope}})
		if d.Verdict != chain.WouldTry || d.Detail != "federated token" || len(d.Requests) != 2 {
			t.Errorf("%s: %+v", c.name, d)
		}
		got := strings.Join(d.Warnings, "|")
		if (c.warning == "") != (got == "") || !strings.Contains(got, c.warning) {
			t.Errorf("%s: warnings %q, want %q", c.name, got, c.warning)
		}
		if d.Requests[1].URL != e.URL()+"/"+e.TenantID()+"/oauth2/v2.0/token" {
			t.Errorf("%s: token URL %s", c.name, d.Requests[1].URL)
		}
		assertNoSecrets(t, "Describe", describeText(d), c.content)
	}
	if len(e.Requests()) != 0 {
		t.Error("Describe sent requests")
	}
}
