package fakeazure

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aztoken/aztoken/internal/mint"
)

// The GitHub fake hands a token only for the job's request token, with
// the audience asked for, signed by its own key.
func TestGitHubOIDC(t *testing.T) {
	g, err := NewGitHubOIDC(GitHubOIDCOptions{Minter: testMinter(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	c := &http.Client{}
	get := func(aud, bearer string) (int, map[string]any, []byte) {
		u := g.RequestURL()
		if aud != "" {
			u += "&audience=" + url.QueryEscape(aud)
		}
		status, _, body, raw := do(t, c, newReq(t, http.MethodGet, u, nil, "Authorization", "Bearer "+bearer))
		return status, body, raw
	}

	status, body, raw := get("api://AzureADTokenExchange", g.RequestToken())
	wantStatus(t, status, 200, raw)
	claims := claimsOf(t, g.Minter(), body["value"].(string))
	wantClaim(t, claims, "iss", GitHubIssuer)
	wantClaim(t, claims, "sub", GitHubSubject)
	wantClaim(t, claims, "aud", "api://AzureADTokenExchange")

	status, body, _ = get("", g.RequestToken())
	if status != 200 || claimsOf(t, g.Minter(), body["value"].(string))["aud"] != "https://github.com/octo-org" {
		t.Errorf("without an audience GitHub's default is the owner's URL; got %d %v", status, body)
	}
	if status, _, raw := get("api://AzureADTokenExchange", "ghs_someone-else"); status != http.StatusUnauthorized {
		t.Errorf("a wrong request token got %d: %s", status, raw)
	}
	g.SetFault(EndpointGitHubOIDC, Fault{Status: http.StatusForbidden, Times: 1})
	if status, _, _ := get("api://AzureADTokenExchange", g.RequestToken()); status != http.StatusForbidden {
		t.Errorf("fault: got %d, want 403", status)
	}
	for _, r := range g.Requests() {
		if strings.Contains(r.RawQuery, g.RequestToken()) || !r.Secret {
			t.Errorf("recorded %+v", r)
		}
	}
}

// The Azure DevOps fake checks the access token, the API version and the
// service connection, and redirects to sign-in without the suppress header.
func TestAzureDevOpsOIDC(t *testing.T) {
	d, err := NewAzureDevOpsOIDC(AzureDevOpsOIDCOptions{Minter: testMinter(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	const conn = "5f3c8d3e-1f2a-4b6c-9d7e-0a1b2c3d4e5f"
	d.AddServiceConnection(conn, "deploy")
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(query, bearer string, suppress bool) (int, map[string]any, []byte) {
		h := []string{"Authorization", "Bearer " + bearer, "Content-Type", "application/json"}
		if suppress {
			h = append(h, "X-TFS-FedAuthRedirect", "Suppress")
		}
		status, _, body, raw := do(t, c, newReq(t, http.MethodPost, d.RequestURI()+"?"+query, nil, h...))
		return status, body, raw
	}
	ok := "api-version=7.1&serviceConnectionId=" + conn
	status, body, raw := post(ok, d.AccessToken(), true)
	wantStatus(t, status, 200, raw)
	claims := claimsOf(t, testMinter(t), body["oidcToken"].(string))
	wantClaim(t, claims, "sub", "sc://contoso/web/deploy")
	wantClaim(t, claims, "aud", "api://AzureADTokenExchange")
	if iss, _ := claims["iss"].(string); !strings.HasPrefix(iss, "https://vstoken.dev.azure.com/") {
		t.Errorf("iss = %q", iss)
	}
	for _, tc := range []struct {
		name, query, bearer string
		suppress            bool
		want                int
	}{
		{"wrong token", ok, "not-the-job-token", true, http.StatusUnauthorized},
		{"wrong token, no suppress header", ok, "not-the-job-token", false, http.StatusFound},
		{"unknown connection", "api-version=7.1&serviceConnectionId=00000000-0000-4000-8000-000000000000", d.AccessToken(), true, http.StatusNotFound},
		{"no connection", "api-version=7.1", d.AccessToken(), true, http.StatusBadRequest},
		{"old API version", "api-version=5.0&serviceConnectionId=" + conn, d.AccessToken(), true, http.StatusBadRequest},
	} {
		if status, _, raw := post(tc.query, tc.bearer, tc.suppress); status != tc.want {
			t.Errorf("%s: got %d, want %d: %s", tc.name, status, tc.want, raw)
		}
	}
}

// Entra's federated credentials match issuer, signature and time,
// subject and audience, each refusal with Entra ID's own code.
func TestEntraFederatedCredential(t *testing.T) {
	e := startEntra(t, EntraOptions{Tenants: []string{testTenant}})
	g, err := NewGitHubOIDC(GitHubOIDCOptions{Minter: testMinter(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	other, err := mint.New(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	const aud = "api://AzureADTokenExchange"
	e.AddFederatedCredential("app-ok", g.Credential(aud))
	wrongSub := g.Credential(aud)
	wrongSub.Subject = "repo:octo-org/octo-repo:environment:prod"
	e.AddFederatedCredential("app-sub", wrongSub)
	e.AddFederatedCredential("app-aud", g.Credential("api://other"))
	wrongIss := g.Credential(aud)
	wrongIss.Issuer = "https://gitlab.example.com"
	e.AddFederatedCredential("app-iss", wrongIss)
	wrongKey := g.Credential(aud)
	wrongKey.Key = other.PublicKey()
	e.AddFederatedCredential("app-key", wrongKey)

	fresh, err := g.Mint(aud, false)
	if err != nil {
		t.Fatal(err)
	}
	stale, err := g.Mint(aud, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, client, assertion string
		status, aadsts          int
	}{
		{"match", "app-ok", fresh, 200, 0},
		{"stale", "app-ok", stale, 401, 700024},
		{"not a JWT", "app-ok", "not-a-jwt", 401, 50027},
		{"subject", "app-sub", fresh, 401, 700213},
		{"audience", "app-aud", fresh, 401, 700212},
		{"issuer", "app-iss", fresh, 401, 700211},
		{"signature", "app-key", fresh, 401, 700027},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{
				"grant_type":            {"client_credentials"},
				"client_id":             {tc.client},
				"scope":                 {"https://vault.azure.net/.default"},
				"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
				"client_assertion":      {tc.assertion},
			}
			status, _, body, raw := do(t, e.Client(), newReq(t, http.MethodPost, e.TokenURL(testTenant), strings.NewReader(form.Encode())))
			wantStatus(t, status, tc.status, raw)
			if tc.aadsts != 0 {
				codes, _ := body["error_codes"].([]any)
				if len(codes) != 1 || codes[0] != float64(tc.aadsts) {
					t.Errorf("error_codes = %v, want [%d]: %s", codes, tc.aadsts, raw)
				}
			}
			if tc.name == "subject" && !strings.Contains(string(raw), GitHubSubject) {
				t.Errorf("the refusal does not quote the subject: %s", raw)
			}
		})
	}
}
