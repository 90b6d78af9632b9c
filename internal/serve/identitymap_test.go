package serve

import (
	"context"
	"strings"
	"testing"

	"github.com/aztoken/aztoken/internal/chain"
)

// honoursNone is an upstream that holds only its own identity.
type honoursNone struct{ upstream }

func (h *honoursNone) Token(ctx context.Context, resource string, id Identity) (chain.Token, error) {
	if !id.IsZero() {
		return chain.Token{}, ErrIdentityNotFound
	}
	return h.upstream.Token(ctx, resource, id)
}

// An identity the upstream cannot honour gets each protocol's own
// "identity not found" 400; one the user mapped gets the upstream's own
// token, and the access log says so.
func TestIdentityNotFoundAndMapped(t *testing.T) {
	log := &syncBuffer{}
	s := start(t, Options{Provider: &honoursNone{}, AccessLog: log, MapIdentities: []string{"client_id=AAAAAAAA-0000-4000-8000-000000000001", "mi_res_id=/subscriptions/0d9b4c4e-0000-4000-8000-000000000001/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/x"}})
	c := loopbackClient()
	app := func(q string) (int, string) {
		return get(t, c, s.URL()+PathAppService+"?api-version=2019-08-01&resource=https://vault.azure.net"+q, map[string]string{secretHeader: testSecret})
	}
	imds := func(q string) (int, string) {
		return get(t, c, s.URL()+PathIMDS+"?api-version=2018-02-01&resource=https://vault.azure.net"+q, map[string]string{"Metadata": "true"})
	}
	const other = "0d9b4c4e-0000-4000-8000-00000000bbbb"
	for _, q := range []string{"&client_id=" + other, "&object_id=" + other, "&principal_id=" + other, "&mi_res_id=/subscriptions/0d9b4c4e-0000-4000-8000-000000000001/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/other"} {
		if status, body := app(q); status != 400 || !strings.Contains(body, `"message":"No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId.`) || strings.Contains(body, tokenMarker) {
			t.Errorf("app service %s: %d %s", q, status, body)
		}
	}
	for _, q := range []string{"&client_id=" + other, "&object_id=" + other, "&msi_res_id=/subscriptions/0d9b4c4e-0000-4000-8000-000000000001/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/other", "&mi_res_id=/subscriptions/0d9b4c4e-0000-4000-8000-000000000001/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/other"} {
		if status, body := imds(q); status != 400 || !strings.Contains(body, `{"error":"invalid_request","error_description":"Identity not found (`) || !strings.Contains(body, "--map-identity") {
			t.Errorf("imds %s: %d %s", q, status, body)
		}
	}
	// Mapped, in any case: the upstream's own token (identity key "||").
	for _, q := range []string{"&client_id=aaaaaaaa-0000-4000-8000-000000000001", "&msi_res_id=/SUBSCRIPTIONS/0D9B4C4E-0000-4000-8000-000000000001/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.MANAGEDIDENTITY/USERASSIGNEDIDENTITIES/X"} {
		if status, body := imds(q); status != 200 || !strings.Contains(body, "||") {
			t.Errorf("mapped %s: %d %s", q, status, body)
		}
	}
	if !strings.Contains(log.String(), `identity="client_id=aaaaaaaa-0000-4000-8000-000000000001" note="mapped to the upstream's own identity"`) {
		t.Errorf("the access log does not say the identity was mapped:\n%s", log.String())
	}
	// The system-assigned identity is served as ever.
	if status, body := imds(""); status != 200 {
		t.Errorf("system-assigned: %d %s", status, body)
	}
}

func TestParseIdentityMap(t *testing.T) {
	m, err := parseIdentityMap([]string{"*"})
	if err != nil || !m.maps(Identity{ObjectID: "x"}) || m.maps(Identity{}) {
		t.Errorf("* : %v %v", m, err)
	}
	for _, bad := range []string{"client_id", "client_id=", "tenant=x", "client_id=a b", "=x", "client_id=bbbb", "mi_res_id=/subscriptions/s/rg/x"} {
		if _, err := parseIdentityMap([]string{bad}); err == nil || !strings.Contains(err.Error(), "--map-identity") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if _, err := New(Options{Provider: &upstream{}, MapIdentities: []string{"bogus=1"}}); err == nil {
		t.Error("New accepted a bad --map-identity")
	}
}

// A parameter that names an identity in a spelling that is not the
// protocol's own, or one of its own given twice, is refused (issue
// 27.8): ignored, it would hand out the system-assigned identity's
// token to a client that asked for another.
func TestStrangeIdentityParametersAreRefused(t *testing.T) {
	s := start(t, Options{Provider: &upstream{}})
	c := loopbackClient()
	const res = "resource=https://vault.azure.net"
	const id = "0d9b4c4e-0000-4000-8000-000000000001"
	app := func(q string) (int, string) {
		return get(t, c, s.URL()+PathAppService+"?api-version=2019-08-01&"+res+q, map[string]string{secretHeader: testSecret})
	}
	imds := func(q string) (int, string) {
		return get(t, c, s.URL()+PathIMDS+"?api-version=2018-02-01&"+res+q, map[string]string{"Metadata": "true"})
	}
	shell := func(q string) (int, string) {
		return do(t, c, "POST", s.URL()+PathCloudShell+"/"+testSecret, res+q, map[string]string{"Metadata": "true", "Content-Type": "application/x-www-form-urlencoded"})
	}
	for _, tc := range []struct {
		name string
		ask  func(string) (int, string)
		q    string
		want string
	}{
		{"app service: CLIENT_ID", app, "&CLIENT_ID=" + id, "not a parameter of the App Service protocol"},
		{"app service: Client_Id", app, "&Client_Id=" + id, "not a parameter"},
		{"app service: clientid", app, "&clientid=" + id, "not a parameter"},
		{"app service: msi_res_id", app, "&msi_res_id=/x", "not a parameter"},
		{"app service: client-id", app, "&client-id=" + id, "not a parameter"},
		{"app service: client_id twice", app, "&client_id=" + id + "&client_id=" + id, "given 2 times"},
		{"imds: principal_id", imds, "&principal_id=" + id, "not a parameter of the IMDS protocol"},
		{"imds: Object_ID", imds, "&Object_ID=" + id, "not a parameter"},
		{"imds: msi_res_id twice", imds, "&msi_res_id=/a&msi_res_id=/b", "given 2 times"},
		{"cloud shell: client_id", shell, "&client_id=" + id, "system-assigned identity only"},
	} {
		status, body := tc.ask(tc.q)
		if status != 400 || !strings.Contains(body, tc.want) || strings.Contains(body, tokenMarker) {
			t.Errorf("%s: %d %s; want 400 with %q", tc.name, status, body, tc.want)
		}
	}
	// The protocols' own spellings, once each, still work.
	for name, ask := range map[string]func(string) (int, string){
		"app service principal_id": func(string) (int, string) { return app("&principal_id=" + id) },
		"imds mi_res_id": func(string) (int, string) {
			return imds("&mi_res_id=/subscriptions/0d9b4c4e-0000-4000-8000-000000000001/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/x")
		},
		"imds, an unrelated extra": func(string) (int, string) { return imds("&client_request_id=abc") },
	} {
		if status, body := ask(""); status != 200 {
			t.Errorf("%s: %d %s", name, status, body)
		}
	}
}

// An id a client sends passes the --client-id, --object-id and
// --resource-id rule before any provider is asked (issue 22.1): what a
// provider keeps per identity is only ever for a well-formed one.
func TestMalformedIdentityIDsAreRefused(t *testing.T) {
	up := &upstream{}
	s := start(t, Options{Provider: up})
	c := loopbackClient()
	for _, q := range []string{"client_id=not-a-guid", "object_id=1234", "principal_id=0d9b4c4e", "mi_res_id=/subscriptions/x/resourceGroups/g"} {
		status, body := get(t, c, s.URL()+PathAppService+"?api-version=2019-08-01&resource=https://vault.azure.net&"+q, map[string]string{secretHeader: testSecret})
		if status != 400 || !strings.Contains(body, "is not a") {
			t.Errorf("%s: %d %s; want 400 naming the id's shape", q, status, body)
		}
	}
	if n := up.calls.Load(); n != 0 {
		t.Errorf("the provider was asked %d times for malformed ids", n)
	}
	good := "mi_res_id=/subscriptions/0d9b4c4e-0000-4000-8000-000000000001/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/app"
	if status, body := get(t, c, s.URL()+PathAppService+"?api-version=2019-08-01&resource=https://vault.azure.net&"+good, map[string]string{secretHeader: testSecret}); status != 200 {
		t.Errorf("a well-formed resource id: %d %s", status, body)
	}
}
