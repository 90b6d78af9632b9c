package source

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/httpx"
)

// The managed identity tests cannot share a TestMain with the other
// sources' tests; an init turns the loopback guard on just the same.
func init() { httpx.RestrictToLoopback() }

func TestDetectManaged(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		vars  map[string]string
		himds bool
		want  ManagedKind
	}{
		{"nothing", nil, false, ManagedIMDS},
		{"service fabric", map[string]string{"IDENTITY_ENDPOINT": "https://x", "IDENTITY_HEADER": "h", "IDENTITY_SERVER_THUMBPRINT": "t"}, false, ManagedServiceFabric},
		{"app service", map[string]string{"IDENTITY_ENDPOINT": "http://x", "IDENTITY_HEADER": "h"}, false, ManagedAppService},
		{"app service beats msi", map[string]string{"IDENTITY_ENDPOINT": "http://x", "IDENTITY_HEADER": "h", "MSI_ENDPOINT": "http://y"}, false, ManagedAppService},
		{"azure ml", map[string]string{"MSI_ENDPOINT": "http://y", "MSI_SECRET": "s"}, false, ManagedAzureML},
		{"cloud shell", map[string]string{"MSI_ENDPOINT": "http://y"}, false, ManagedCloudShell},
		{"cloud shell with empty secret", map[string]string{"MSI_ENDPOINT": "http://y", "MSI_SECRET": ""}, false, ManagedCloudShell},
		{"arc by variables", map[string]string{"IDENTITY_ENDPOINT": "http://x", "IMDS_ENDPOINT": "http://z"}, false, ManagedAzureArc},
		{"arc by agent", nil, true, ManagedAzureArc},
		{"msi beats arc agent", map[string]string{"MSI_ENDPOINT": "http://y"}, true, ManagedCloudShell},
		{"empty header is unset", map[string]string{"IDENTITY_ENDPOINT": "http://x", "IDENTITY_HEADER": ""}, false, ManagedIMDS},
		{"endpoint alone", map[string]string{"IDENTITY_ENDPOINT": "http://x"}, false, ManagedIMDS},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, why := detectManaged(env.Map(tc.vars), func() bool { return tc.himds })
			if got != tc.want {
				t.Fatalf("detectManaged = %s, want %s", got, tc.want)
			}
			if why == "" {
				t.Error("no reason given")
			}
		})
	}
}

func TestResolveManagedID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     Config
		want    managedID
		wantErr string
	}{
		{"system", Config{Env: env.Map(nil)}, managedID{}, ""},
		{"client flag", Config{ClientID: "c1", Env: env.Map(nil)}, managedID{"client_id", "c1", "--client-id"}, ""},
		{"object flag", Config{ObjectID: "o1", Env: env.Map(nil)}, managedID{"object_id", "o1", "--object-id"}, ""},
		{"resource flag", Config{ResourceID: "/r", Env: env.Map(nil)}, managedID{"resource_id", "/r", "--resource-id"}, ""},
		{"AZURE_CLIENT_ID", Config{Env: env.Map(map[string]string{"AZURE_CLIENT_ID": "e1"})}, managedID{"client_id", "e1", "AZURE_CLIENT_ID"}, ""},
		{"flag beats AZURE_CLIENT_ID", Config{ObjectID: "o1", Env: env.Map(map[string]string{"AZURE_CLIENT_ID": "e1"})}, managedID{"object_id", "o1", "--object-id"}, ""},
		{"two flags", Config{ClientID: "c1", ResourceID: "/r", Env: env.Map(nil)}, managedID{}, "--client-id and --resource-id"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := resolveManagedID(tc.cfg)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || chain.StatusOf(err) != chain.StatusUnavailable {
					t.Fatalf("err = %v, want an unavailable error naming %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("resolveManagedID = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestCheckIDSupported(t *testing.T) {
	t.Parallel()
	client := managedID{"client_id", "c1", "--client-id"}
	object := managedID{"object_id", "o1", "--object-id"}
	fromEnv := managedID{"client_id", "e1", "AZURE_CLIENT_ID"}
	tests := []struct {
		kind    ManagedKind
		id      managedID
		wantErr string
	}{
		{ManagedIMDS, object, ""},
		{ManagedAppService, object, ""},
		{ManagedAzureArc, client, ""},
		{ManagedAzureML, client, ""},
		{ManagedAzureML, object, "client id only"},
		{ManagedCloudShell, client, "Cloud Shell"},
		{ManagedCloudShell, fromEnv, "AZURE_CLIENT_ID"},
		{ManagedServiceFabric, client, "Service Fabric"},
		{ManagedServiceFabric, managedID{}, ""},
	}
	for _, tc := range tests {
		err := checkIDSupported(tc.kind, tc.id)
		if tc.wantErr == "" {
			if err != nil {
				t.Errorf("%s with %v: %v", tc.kind, tc.id, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error()+chain.HintOf(err), tc.wantErr) || chain.StatusOf(err) != chain.StatusUnavailable {
			t.Errorf("%s with %v: err = %v, want unavailable mentioning %q", tc.kind, tc.id, err, tc.wantErr)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 12 ", 12 * time.Second, true},
		{"-3", 0, false},
		{"soon", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
	}
	for _, tc := range tests {
		got, ok := httpx.ParseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("httpx.ParseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestPodIdentityHost(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"http://127.0.0.1:2579", "http://127.0.0.1:2579"},
		{"127.0.0.1:2579", "http://127.0.0.1:2579"},
		{"https://nmi.local/", "https://nmi.local"},
		{"ftp://x", ""},
		{"http://", ""},
	}
	for _, tc := range tests {
		u, err := podIdentityHost(tc.in)
		if tc.want == "" {
			if err == nil || chain.StatusOf(err) != chain.StatusUnavailable {
				t.Errorf("podIdentityHost(%q) = %v, %v; want an unavailable error", tc.in, u, err)
			}
			continue
		}
		if err != nil || u.String() != tc.want {
			t.Errorf("podIdentityHost(%q) = %v, %v; want %s", tc.in, u, err, tc.want)
		}
	}
}

func TestMIRetryable(t *testing.T) {
	t.Parallel()
	for _, s := range []int{404, 410, 429, 500, 503, 511} {
		if !miRetryable(ManagedIMDS, s) {
			t.Errorf("IMDS %d not retried", s)
		}
	}
	for _, s := range []int{400, 401, 403} {
		if miRetryable(ManagedIMDS, s) {
			t.Errorf("IMDS %d retried", s)
		}
	}
	if miRetryable(ManagedAppService, 404) || !miRetryable(ManagedAppService, 503) {
		t.Error("App Service retries differ from MSAL's list")
	}
}

func TestManagedRequestRules(t *testing.T) {
	t.Parallel()
	m := NewManaged(Config{Env: env.Map(map[string]string{"AZURE_POD_IDENTITY_AUTHORITY_HOST": "http://127.0.0.1:1"})})
	m.himds = func() bool { return false }
	tests := []struct {
		name string
		req  chain.Request
		want chain.Status
		msg  string
	}{
		{"tenant", chain.Request{Scopes: []string{"https://vault.azure.net/.default"}, Tenant: "t1"}, chain.StatusUnavailable, "can't choose a tenant"},
		{"two scopes", chain.Request{Scopes: []string{"a", "b"}}, chain.StatusFailed, "exactly one scope"},
		{"no scope", chain.Request{}, chain.StatusFailed, "exactly one scope"},
		{"bad scope", chain.Request{Scopes: []string{"https://x/.default&client_id=evil"}}, chain.StatusFailed, "characters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &chain.Recorder{}
			_, err := m.GetToken(chain.WithRecorder(t.Context(), rec), tc.req)
			if chain.StatusOf(err) != tc.want || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v (%s), want %s mentioning %q", err, chain.StatusOf(err), tc.want, tc.msg)
			}
			if n := len(rec.Requests()); n != 0 {
				t.Fatalf("%d requests sent before the request was checked", n)
			}
		})
	}
}

func TestManagedCacheKey(t *testing.T) {
	t.Parallel()
	req := chain.Request{Scopes: []string{"https://vault.azure.net/.default"}}
	cred := func(endpoint string) string { return managedCredential(endpoint, env.Map(nil)) }
	tests := []struct {
		name string
		cfg  Config
		want string
		ok   bool
	}{
		{"imds system", Config{Env: env.Map(nil)}, "managed|imds|169.254.169.254|system|" + cred(imdsTokenURL), true},
		{"pod host", Config{Env: env.Map(map[string]string{"AZURE_POD_IDENTITY_AUTHORITY_HOST": "http://127.0.0.1:2579"}), ClientID: "c1"}, "managed|imds|127.0.0.1:2579|client_id=c1|" + cred("http://127.0.0.1:2579/metadata/identity/oauth2/token"), true},
		{"AZURE_CLIENT_ID", Config{Env: env.Map(map[string]string{"AZURE_CLIENT_ID": "e1"})}, "managed|imds|169.254.169.254|client_id=e1|" + cred(imdsTokenURL), true},
		{"two ids", Config{Env: env.Map(nil), ClientID: "a", ObjectID: "b"}, "", false},
	}
	for _, tc := range tests {
		m := NewManaged(tc.cfg)
		m.himds = func() bool { return false }
		got, ok := m.CacheKey(req)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: CacheKey = %q, %v; want %q, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// Every input that authenticates a managed identity endpoint, and the
// whole endpoint URL, changes the cache key: a wrong secret or another
// endpoint on the same host and port is asked, never answered from the
// cache. No secret appears in the key.
func TestManagedCacheKeyNamesEndpointAndCredential(t *testing.T) {
	t.Parallel()
	req := chain.Request{Scopes: []string{"https://vault.azure.net/.default"}}
	const appSvc, header = "http://127.0.0.1:41/msi/token", "right-identity-header-1"
	base := map[string]map[string]string{
		"app service":    {"IDENTITY_ENDPOINT": appSvc, "IDENTITY_HEADER": header},
		"service fabric": {"IDENTITY_ENDPOINT": "https://127.0.0.1:2377/metadata/identity/oauth2/token", "IDENTITY_HEADER": header, "IDENTITY_SERVER_THUMBPRINT": "AB12"},
		"azure ml":       {"MSI_ENDPOINT": "http://127.0.0.1:42/token", "MSI_SECRET": "right-msi-secret-1", "DEFAULT_IDENTITY_CLIENT_ID": "d1"},
		"cloud shell":    {"MSI_ENDPOINT": "http://127.0.0.1:43/cloudshell/serve-secret-1"},
		"arc":            {"IDENTITY_ENDPOINT": "http://127.0.0.1:40342/metadata/identity/oauth2/token", "IMDS_ENDPOINT": "http://127.0.0.1:40342"},
		"imds moved":     {"AZURE_POD_IDENTITY_AUTHORITY_HOST": "http://127.0.0.1:2579"},
	}
	changes := []struct {
		kind, name, value string
	}{
		{"app service", "IDENTITY_HEADER", "wrong-identity-header-2"},
		{"app service", "IDENTITY_ENDPOINT", "http://127.0.0.1:41/other/msi/token"},
		{"app service", "IDENTITY_ENDPOINT", appSvc + "?x=1"},
		{"service fabric", "IDENTITY_HEADER", "wrong-identity-header-2"},
		{"service fabric", "IDENTITY_SERVER_THUMBPRINT", "CD34"},
		{"azure ml", "MSI_SECRET", "wrong-msi-secret-2"},
		{"azure ml", "DEFAULT_IDENTITY_CLIENT_ID", "d2"},
		{"azure ml", "MSI_ENDPOINT", "http://127.0.0.1:42/other"},
		{"cloud shell", "MSI_ENDPOINT", "http://127.0.0.1:43/cloudshell/serve-secret-2"},
		{"arc", "IMDS_ENDPOINT", "http://127.0.0.1:40343"},
		{"arc", "IDENTITY_ENDPOINT", "http://127.0.0.1:40342/other"},
		{"imds moved", "AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:2580"},
	}
	key := func(vars map[string]string) string {
		m := NewManaged(Config{Env: env.Map(vars)})
		m.himds = func() bool { return false }
		k, ok := m.CacheKey(req)
		if !ok {
			t.Fatalf("CacheKey not ok for %v", vars)
		}
		return k
	}
	for _, c := range changes {
		before := key(base[c.kind])
		vars := map[string]string{}
		for k, v := range base[c.kind] {
			vars[k] = v
		}
		vars[c.name] = c.value
		after := key(vars)
		if before == after {
			t.Errorf("%s: changing %s to %q leaves the cache key %q", c.kind, c.name, c.value, before)
		}
		for _, secret := range []string{header, "right-msi-secret-1", "wrong-identity-header-2", "wrong-msi-secret-2", "serve-secret-"} {
			if strings.Contains(before+after, secret) {
				t.Errorf("%s: the cache key holds the secret %q", c.kind, secret)
			}
		}
	}
}

func TestManagedDescribe(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-identity-header-value"
	req := chain.Request{Scopes: []string{"https://vault.azure.net/.default"}}

	t.Run("app service", func(t *testing.T) {
		t.Parallel()
		m := NewManaged(Config{Env: env.Map(map[string]string{
			"IDENTITY_ENDPOINT": "http://127.0.0.1:41/msi/token", "IDENTITY_HEADER": secret,
			"MSI_ENDPOINT": "http://127.0.0.1:42/", "AZURE_CLIENT_ID": "e1",
		})})
		m.himds = func() bool { return false }
		d := m.Describe(req)
		text := miDescribeText(d)
		if strings.Contains(text, secret) {
			t.Fatalf("Describe shows IDENTITY_HEADER's value:\n%s", text)
		}
		if d.Verdict != chain.WouldTry || len(d.Requests) != 1 {
			t.Fatalf("verdict %s, %d requests; want try and 1", d.Verdict, len(d.Requests))
		}
		r := d.Requests[0]
		want := "http://127.0.0.1:41/msi/token?api-version=2019-08-01&client_id=e1&resource=https%3A%2F%2Fvault.azure.net"
		if r.Method != "GET" || r.URL != want || strings.Join(r.Headers, ",") != "X-Identity-Header" {
			t.Fatalf("request = %+v, want GET %s with X-Identity-Header", r, want)
		}
		for _, w := range []string{"AZURE_CLIENT_ID makes managed identity user-assigned", "both IDENTITY_ENDPOINT and MSI_ENDPOINT"} {
			if !strings.Contains(strings.Join(d.Warnings, "\n"), w) {
				t.Errorf("no warning %q in %q", w, d.Warnings)
			}
		}
	})

	t.Run("imds probe and pod host", func(t *testing.T) {
		t.Parallel()
		m := NewManaged(Config{ProbeIMDS: true, ResourceID: "/subs/x", Env: env.Map(map[string]string{"AZURE_POD_IDENTITY_AUTHORITY_HOST": "http://127.0.0.1:2579"})})
		m.himds = func() bool { return false }
		d := m.Describe(req)
		if len(d.Requests) != 2 {
			t.Fatalf("requests = %+v, want the probe and the token request", d.Requests)
		}
		if d.Requests[0].URL != "http://127.0.0.1:2579/metadata/identity/oauth2/token" || len(d.Requests[0].Headers) != 0 {
			t.Errorf("probe = %+v", d.Requests[0])
		}
		if !strings.Contains(d.Requests[1].URL, "msi_res_id=%2Fsubs%2Fx") || !strings.HasPrefix(d.Requests[1].URL, "http://127.0.0.1:2579/") {
			t.Errorf("token request = %+v", d.Requests[1])
		}
		if !strings.Contains(d.Why, "probe") || !strings.Contains(strings.Join(d.Warnings, "\n"), "AZURE_POD_IDENTITY_AUTHORITY_HOST moves IMDS") {
			t.Errorf("why %q, warnings %q", d.Why, d.Warnings)
		}
	})

	t.Run("unsupported id skips", func(t *testing.T) {
		t.Parallel()
		m := NewManaged(Config{ClientID: "c1", Env: env.Map(map[string]string{"MSI_ENDPOINT": "http://127.0.0.1:42/"})})
		m.himds = func() bool { return false }
		if d := m.Describe(req); d.Verdict != chain.WouldSkip || !strings.Contains(d.Why, "Cloud Shell") {
			t.Fatalf("verdict %s, why %q", d.Verdict, d.Why)
		}
	})

	t.Run("arc sends two requests", func(t *testing.T) {
		t.Parallel()
		m := NewManaged(Config{Env: env.Map(nil)})
		m.himds = func() bool { return true }
		d := m.Describe(req)
		if len(d.Requests) != 2 || !strings.HasPrefix(d.Requests[0].URL, "http://127.0.0.1:40342/") || d.Requests[1].Headers[0] != "Authorization" {
			t.Fatalf("requests = %+v", d.Requests)
		}
	})
}

func miDescribeText(d chain.Description) string {
	var b strings.Builder
	for _, in := range d.Inputs {
		b.WriteString(in.Name + "=" + in.Value + " " + in.State + "\n")
	}
	for _, r := range d.Requests {
		b.WriteString(r.Method + " " + r.URL + " " + strings.Join(r.Headers, ",") + "\n")
	}
	b.WriteString(d.Why + "\n" + d.Detail + "\n" + strings.Join(d.Warnings, "\n"))
	return b.String()
}

func TestMIBodyKind(t *testing.T) {
	t.Parallel()
	tests := []struct{ ctype, body, want string }{
		{"text/html", "<p>x</p>", "an HTML page"},
		{"", "<!DOCTYPE html><html>", "an HTML page"},
		{"application/json", `{"a":1}`, "JSON"},
		{"application/json", `{"access_token":"ey`, "incomplete JSON"},
		{"", "", "an empty body"},
		{"text/plain", "nope", "bytes of text"},
	}
	for _, tc := range tests {
		if got := miBodyKind(tc.ctype, []byte(tc.body)); !strings.HasPrefix(got, tc.want) && !strings.Contains(got, tc.want) {
			t.Errorf("miBodyKind(%q, %q) = %q, want %q", tc.ctype, tc.body, got, tc.want)
		}
	}
}

// Where Azure Arc's agent is looked for: MSAL's rule per OS.
func TestArcAgentPath(t *testing.T) {
	t.Parallel()
	pd := env.Map(map[string]string{"ProgramData": `C:\ProgramData`})
	for _, tc := range []struct {
		goos string
		e    env.Env
		want string
	}{
		{"windows", pd, filepath.Join(`C:\ProgramData`, "AzureConnectedMachineAgent", "himds.exe")},
		{"windows", env.Map(nil), filepath.Join("AzureConnectedMachineAgent", "himds.exe")}, // as MSAL: relative
		{"linux", pd, "/opt/azcmagent/bin/himds"},
		{"darwin", pd, ""},
		{"freebsd", pd, ""},
	} {
		if got := arcAgentPath(tc.goos, tc.e); got != tc.want {
			t.Errorf("arcAgentPath(%s) = %q, want %q", tc.goos, got, tc.want)
		}
	}
}
