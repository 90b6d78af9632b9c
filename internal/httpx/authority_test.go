package httpx

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/fakeazure"
)

func TestKnownAnswer(t *testing.T) {
	const tid = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	cases := []struct {
		method, url string
		want        bool
	}{
		{"GET", "https://login.microsoftonline.com/" + tid + "/v2.0/.well-known/openid-configuration", true},
		{"GET", "https://LOGIN.MicrosoftOnline.com:443/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration", true},
		{"GET", "https://login.microsoftonline.us/organizations/v2.0/.well-known/openid-configuration", true},
		{"GET", "https://login.chinacloudapi.cn/" + tid + "/v2.0/.well-known/openid-configuration", true},
		{"GET", "https://login.microsoftonline.com/common/UserRealm/ada%40contoso.com?api-version=1.0", true},
		// Anything else goes to the network.
		{"POST", "https://login.microsoftonline.com/" + tid + "/v2.0/.well-known/openid-configuration", false},
		{"GET", "http://login.microsoftonline.com/" + tid + "/v2.0/.well-known/openid-configuration", false},
		{"GET", "https://login.microsoftonline.com:8443/" + tid + "/v2.0/.well-known/openid-configuration", false},
		{"GET", "https://adfs.contoso.com/adfs/.well-known/openid-configuration", false},
		{"GET", "https://login.contoso.com/" + tid + "/v2.0/.well-known/openid-configuration", false},
		{"GET", "https://login.microsoftonline.com.evil.example/" + tid + "/v2.0/.well-known/openid-configuration", false},
		{"GET", "https://127.0.0.1:4443/" + tid + "/v2.0/.well-known/openid-configuration", false},
		{"GET", "https://login.microsoftonline.com/a%2Fb/v2.0/.well-known/openid-configuration", false},
		{"GET", "https://login.microsoftonline.com/" + tid + "/oauth2/v2.0/token", false},
		{"GET", "https://login.microsoftonline.com/common/discovery/instance?api-version=1.1", false},
		{"GET", "https://login.microsoftonline.com/common/UserRealm/", false},
		{"GET", "https://login.microsoftonline.com/x/y/v2.0/.well-known/openid-configuration", false},
	}
	for _, c := range cases {
		req, err := http.NewRequest(c.method, c.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, ok := knownAnswer(req)
		if ok != c.want {
			t.Errorf("%s %s: answered locally = %v, want %v", c.method, c.url, ok, c.want)
			continue
		}
		if ok && !json.Valid(body) {
			t.Errorf("%s: answer is not JSON: %s", c.url, body)
		}
	}
}

func TestOpenIDConfigurationShape(t *testing.T) {
	for tenant, iss := range map[string]string{
		"72f988bf-86f1-41af-91ab-2d7cd011db47": "https://login.microsoftonline.us/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
		"contoso.onmicrosoft.com":              "https://login.microsoftonline.us/contoso.onmicrosoft.com/v2.0",
		"organizations":                        "https://login.microsoftonline.us/{tenantid}/v2.0",
		"common":                               "https://login.microsoftonline.us/{tenantid}/v2.0",
	} {
		var doc map[string]any
		if err := json.Unmarshal(openIDConfiguration("login.microsoftonline.us", "microsoftonline.us", tenant), &doc); err != nil {
			t.Fatal(err)
		}
		base := "https://login.microsoftonline.us/" + tenant
		if doc["issuer"] != iss || doc["token_endpoint"] != base+"/oauth2/v2.0/token" ||
			doc["authorization_endpoint"] != base+"/oauth2/v2.0/authorize" || doc["jwks_uri"] != base+"/discovery/v2.0/keys" {
			t.Errorf("%s: %v", tenant, doc)
		}
	}
	var realm map[string]any
	if err := json.Unmarshal(userRealm("ada@contoso.com", "microsoftonline.com"), &realm); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"account_type": "Managed", "domain_name": "contoso.com", "cloud_instance_name": "microsoftonline.com", "cloud_audience_urn": "urn:federation:MicrosoftOnline"} {
		if realm[k] != want {
			t.Errorf("user realm %s = %v, want %s", k, realm[k], want)
		}
	}
}

// Through a client: the metadata answer is local and not recorded (it was
// never sent); the token request is sent, to the mapped loopback server,
// and recorded under the cloud's name.
func TestKnownAuthoritiesInClient(t *testing.T) {
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.Method+" "+r.Host+r.URL.Path)
		_, _ = io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	target, _ := url.Parse(srv.URL)
	Configure(env.Map(map[string]string{TestResolveEnv: "login.microsoftonline.us:80=" + target.Host}))
	t.Cleanup(func() { Configure(env.Map(nil)) })
	c := NewClient(Options{KnownAuthorities: true})
	rec := &chain.Recorder{}
	ctx := chain.WithRecorder(context.Background(), rec)
	do := func(method, u string) *http.Response {
		req, _ := http.NewRequestWithContext(ctx, method, u, strings.NewReader(""))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_, _ = io.ReadAll(resp.Body)
		return resp
	}
	if resp := do("GET", "https://login.microsoftonline.us/tenant-1/v2.0/.well-known/openid-configuration"); resp.StatusCode != 200 {
		t.Fatalf("local answer status %d", resp.StatusCode)
	}
	do("POST", "http://login.microsoftonline.us/tenant-1/oauth2/v2.0/token")
	if len(paths) != 1 || paths[0] != "POST login.microsoftonline.us/tenant-1/oauth2/v2.0/token" {
		t.Errorf("server saw %v, want only the token request", paths)
	}
	if got := rec.Requests(); len(got) != 1 || got[0].Method != "POST" {
		t.Errorf("recorded %+v, want only the request that was sent", got)
	}
}

// The mapping only ever points at loopback.
func TestParseResolve(t *testing.T) {
	got := parseResolve("login.microsoftonline.com:443=127.0.0.1:4443, Login.Microsoftonline.US:443=[::1]:5, x:443=10.0.0.1:443, bad, y:443=localhost:1")
	want := map[string]string{"login.microsoftonline.com:443": "127.0.0.1:4443", "login.microsoftonline.us:443": "[::1]:5"}
	if len(got) != len(want) {
		t.Fatalf("parseResolve = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("parseResolve[%s] = %q, want %q", k, got[k], v)
		}
	}
}

// The fakes' certificate must name every known cloud host, so that each
// can be tested through the production path.
func TestFakeCertificateNamesKnownHosts(t *testing.T) {
	for h := range knownAuthorityHosts {
		if !slices.Contains(fakeazure.CloudHosts, h) {
			t.Errorf("fakeazure.CloudHosts lacks %s", h)
		}
		if !KnownAuthorityHost(h) || !KnownAuthorityHost(strings.ToUpper(h)+":443") {
			t.Errorf("KnownAuthorityHost(%s) = false", h)
		}
	}
}
