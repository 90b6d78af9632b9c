package fakeazure

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var testUAMI = Identity{
	ClientID:   "66666666-6666-4666-8666-666666666666",
	ObjectID:   "77777777-7777-4777-8777-777777777777",
	ResourceID: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/uami",
}

func TestIMDS(t *testing.T) {
	m := startManaged(t, ManagedOptions{UserAssigned: []Identity{testUAMI}})
	sys := m.SystemAssigned()
	base := "http://" + IMDSAddr + IMDSPath // reaches the fake through Client's rewrite
	q := func(extra ...string) string {
		v := url.Values{"api-version": {IMDSAPIVersion}, "resource": {"https://management.azure.com/"}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return base + "?" + v.Encode()
	}
	tests := []struct {
		name     string
		url      string
		headers  []string
		status   int
		endpoint string
		errDesc  string // substring of error_description
		clientID string // of the identity the token is for
	}{
		{"probe", base, nil, 400, EndpointProbe, "Required metadata header not specified", ""},
		{"no Metadata header", q(), nil, 400, EndpointIMDS, "Required metadata header not specified", ""},
		{"X-Forwarded-For", q(), []string{"Metadata", "true", "X-Forwarded-For", "10.0.0.1"}, 403, EndpointIMDS, "X-Forwarded-For", ""},
		{"no api-version", base + "?resource=r", []string{"Metadata", "true"}, 400, EndpointIMDS, "api-version", ""},
		{"no resource", base + "?api-version=" + IMDSAPIVersion, []string{"Metadata", "true"}, 400, EndpointIMDS, "resource", ""},
		{"system-assigned", q(), []string{"Metadata", "true"}, 200, EndpointIMDS, "", sys.ClientID},
		{"by client_id", q("client_id", testUAMI.ClientID), []string{"Metadata", "true"}, 200, EndpointIMDS, "", testUAMI.ClientID},
		{"by object_id", q("object_id", strings.ToUpper(testUAMI.ObjectID)), []string{"Metadata", "true"}, 200, EndpointIMDS, "", testUAMI.ClientID},
		{"by msi_res_id", q("msi_res_id", testUAMI.ResourceID), []string{"Metadata", "true"}, 200, EndpointIMDS, "", testUAMI.ClientID},
		{"unknown identity", q("client_id", unknownClient), []string{"Metadata", "true"}, 400, EndpointIMDS, "Identity not found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m.Reset()
			status, _, body, raw := do(t, m.Client(), newReq(t, "GET", tt.url, nil, tt.headers...))
			wantStatus(t, status, tt.status, raw)
			if got := m.Requests(); len(got) != 1 || got[0].Endpoint != tt.endpoint {
				t.Fatalf("recorded %+v, want one %s request", got, tt.endpoint)
			}
			if tt.status != 200 {
				if desc, _ := body["error_description"].(string); body["error"] == nil || !strings.Contains(desc, tt.errDesc) {
					t.Errorf("error body %s, want error_description containing %q", raw, tt.errDesc)
				}
				return
			}
			for _, f := range []string{"expires_in", "expires_on", "ext_expires_in", "not_before", "access_token", "client_id", "resource", "token_type"} {
				if f != "access_token" && f != "token_type" && f != "client_id" && f != "resource" {
					if _, isString := body[f].(string); !isString {
						t.Errorf("%s = %#v, want a string", f, body[f])
					}
				}
				if body[f] == nil {
					t.Errorf("response lacks %s", f)
				}
			}
			if body["client_id"] != tt.clientID {
				t.Errorf("client_id = %v, want %s", body["client_id"], tt.clientID)
			}
			claims := claimsOf(t, m.Minter(), body["access_token"].(string))
			wantClaim(t, claims, "aud", "https://management.azure.com/")
			wantClaim(t, claims, "appid", tt.clientID)
			wantClaim(t, claims, "tid", DefaultTenantID)
			wantClaim(t, claims, "iss", "https://sts.windows.net/"+DefaultTenantID+"/")
		})
	}
}

func TestIMDSIdentityChoice(t *testing.T) {
	get := func(m *Managed) (int, map[string]any) {
		status, _, body, _ := do(t, m.Client(), newReq(t, "GET", m.EndpointURL(SourceIMDS)+"?api-version="+IMDSAPIVersion+"&resource=r", nil, "Metadata", "true"))
		return status, body
	}
	// No system identity and one user-assigned: IMDS uses that one.
	m := startManaged(t, ManagedOptions{NoSystemAssigned: true, UserAssigned: []Identity{{ClientID: testUAMI.ClientID}}})
	if status, body := get(m); status != 200 || body["client_id"] != testUAMI.ClientID {
		t.Errorf("single user-assigned identity: %d %v", status, body)
	}
	// Two, and no selector: IMDS cannot choose.
	m = startManaged(t, ManagedOptions{NoSystemAssigned: true, UserAssigned: []Identity{{ClientID: "a"}, {ClientID: "b"}}})
	if status, body := get(m); status != 400 || !strings.Contains(body["error_description"].(string), "Multiple user assigned identities") {
		t.Errorf("two user-assigned identities: %d %v", status, body)
	}
	// None at all.
	m = startManaged(t, ManagedOptions{NoSystemAssigned: true})
	if status, body := get(m); status != 400 || body["error_description"] != "Identity not found" {
		t.Errorf("no identity: %d %v", status, body)
	}
}

func TestAppService(t *testing.T) {
	m := startManaged(t, ManagedOptions{Secret: "hdr", UserAssigned: []Identity{testUAMI}})
	u := m.EndpointURL(SourceAppService)
	q := "?api-version=" + AppServiceAPIVersion + "&resource=https%3A%2F%2Fvault.azure.net"
	tests := []struct {
		name     string
		url      string
		headers  []string
		status   int
		clientID string
	}{
		{"no header", u + q, nil, 400, ""},
		{"wrong header", u + q, []string{"X-IDENTITY-HEADER", "nope"}, 401, ""},
		{"old api-version", u + "?api-version=2017-09-01&resource=r", []string{"X-IDENTITY-HEADER", "hdr"}, 400, ""},
		{"system-assigned", u + q, []string{"X-IDENTITY-HEADER", "hdr"}, 200, m.SystemAssigned().ClientID},
		{"client_id", u + q + "&client_id=" + testUAMI.ClientID, []string{"X-IDENTITY-HEADER", "hdr"}, 200, testUAMI.ClientID},
		{"object_id", u + q + "&object_id=" + testUAMI.ObjectID, []string{"X-IDENTITY-HEADER", "hdr"}, 200, testUAMI.ClientID},
		{"mi_res_id", u + q + "&mi_res_id=" + url.QueryEscape(testUAMI.ResourceID), []string{"X-IDENTITY-HEADER", "hdr"}, 200, testUAMI.ClientID},
		{"unknown", u + q + "&client_id=" + unknownClient, []string{"X-IDENTITY-HEADER", "hdr"}, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body, raw := do(t, m.Client(), newReq(t, "GET", tt.url, nil, tt.headers...))
			wantStatus(t, status, tt.status, raw)
			if tt.status != 200 {
				if body["statusCode"] != float64(tt.status) || body["message"] == nil {
					t.Errorf("error body %s", raw)
				}
				return
			}
			exp, _ := body["expires_on"].(string)
			if n, err := strconv.ParseInt(exp, 10, 64); err != nil || n < time.Now().Unix() {
				t.Errorf("expires_on = %#v, want a future epoch in a string", body["expires_on"])
			}
			if body["client_id"] != tt.clientID || body["resource"] != "https://vault.azure.net" {
				t.Errorf("response %s", raw)
			}
			wantClaim(t, claimsOf(t, m.Minter(), body["access_token"].(string)), "aud", "https://vault.azure.net")
		})
	}
}

func TestCloudShell(t *testing.T) {
	m := startManaged(t, ManagedOptions{})
	u := m.EndpointURL(SourceCloudShell)
	form := strings.NewReader("resource=https%3A%2F%2Fmanagement.core.windows.net%2F")

	status, _, _, raw := do(t, m.Client(), newReq(t, "GET", u, nil, "Metadata", "true"))
	wantStatus(t, status, 405, raw)
	status, _, _, raw = do(t, m.Client(), newReq(t, "POST", u, strings.NewReader("resource=r")))
	wantStatus(t, status, 400, raw)
	status, _, _, raw = do(t, m.Client(), newReq(t, "POST", u, strings.NewReader("x=1"), "Metadata", "true"))
	wantStatus(t, status, 400, raw)

	status, _, body, raw := do(t, m.Client(), newReq(t, "POST", u, form, "Metadata", "true"))
	wantStatus(t, status, 200, raw)
	wantClaim(t, claimsOf(t, m.Minter(), body["access_token"].(string)), "aud", "https://management.core.windows.net/")
	last := m.Requests()[len(m.Requests())-1]
	if !slices.Equal(last.FormKeys, []string{"resource"}) || !last.Metadata || last.Resource != "https://management.core.windows.net/" {
		t.Errorf("record %+v", last)
	}
}

func TestAzureML(t *testing.T) {
	m := startManaged(t, ManagedOptions{Secret: "mlsecret", UserAssigned: []Identity{testUAMI}})
	u := m.EndpointURL(SourceAzureML) + "?api-version=" + AzureMLAPIVersion + "&resource=r"
	tests := []struct {
		name     string
		url      string
		headers  []string
		status   int
		clientID string
	}{
		{"no secret", u, nil, 400, ""},
		{"wrong secret", u, []string{"secret", "x"}, 401, ""},
		{"empty clientid means system", u + "&clientid=", []string{"secret", "mlsecret"}, 200, m.SystemAssigned().ClientID},
		{"clientid", u + "&clientid=" + testUAMI.ClientID, []string{"secret", "mlsecret"}, 200, testUAMI.ClientID},
		{"unknown clientid", u + "&clientid=" + unknownClient, []string{"secret", "mlsecret"}, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body, raw := do(t, m.Client(), newReq(t, "GET", tt.url, nil, tt.headers...))
			wantStatus(t, status, tt.status, raw)
			if tt.status == 200 {
				wantClaim(t, claimsOf(t, m.Minter(), body["access_token"].(string)), "appid", tt.clientID)
				if _, ok := body["expires_on"].(string); !ok {
					t.Errorf("expires_on = %#v, want a string", body["expires_on"])
				}
			}
		})
	}
}

func TestServiceFabric(t *testing.T) {
	m := startManaged(t, ManagedOptions{Secret: "sfsecret"})
	u := m.EndpointURL(SourceServiceFabric)
	if !strings.HasPrefix(u, "https://127.0.0.1:") {
		t.Fatalf("Service Fabric URL %s is not https on loopback", u)
	}
	if tp := m.ServiceFabricThumbprint(); len(tp) != 40 || strings.ToUpper(tp) != tp {
		t.Errorf("thumbprint %q is not 40 upper-case hex digits", tp)
	}
	q := "?api-version=" + ServiceFabricAPIVersion + "&resource=r"

	status, _, body, raw := do(t, m.Client(), newReq(t, "GET", u+q, nil))
	wantStatus(t, status, 400, raw)
	if e, _ := body["error"].(map[string]any); e["code"] != "SecretHeaderNotFound" {
		t.Errorf("error body %s", raw)
	}
	status, _, _, raw = do(t, m.Client(), newReq(t, "GET", u+q, nil, "Secret", "x"))
	wantStatus(t, status, 401, raw)
	status, _, body, raw = do(t, m.Client(), newReq(t, "GET", u+q, nil, "Secret", "sfsecret"))
	wantStatus(t, status, 200, raw)
	if _, isNumber := body["expires_on"].(float64); !isNumber {
		t.Errorf("expires_on = %#v, want a number", body["expires_on"])
	}
	wantClaim(t, claimsOf(t, m.Minter(), body["access_token"].(string)), "aud", "r")

	// The plain server's URL is not the Service Fabric one.
	status, _, _, raw = do(t, m.Client(), newReq(t, "GET", m.URL()+"/nothing", nil))
	wantStatus(t, status, 404, raw)
}

func TestArc(t *testing.T) {
	m := startManaged(t, ManagedOptions{UserAssigned: []Identity{testUAMI}})
	u := m.EndpointURL(SourceArc) + "?api-version=" + ArcAPIVersion + "&resource=r"

	status, _, _, raw := do(t, m.Client(), newReq(t, "GET", u, nil))
	wantStatus(t, status, 400, raw) // Metadata is required on both rounds

	status, hdr, _, raw := do(t, m.Client(), newReq(t, "GET", u, nil, "Metadata", "true"))
	wantStatus(t, status, 401, raw)
	path, ok := strings.CutPrefix(hdr.Get("WWW-Authenticate"), "Basic realm=")
	if !ok || filepath.Dir(path) != m.ArcKeyDir() || filepath.Ext(path) != ".key" {
		t.Fatalf("WWW-Authenticate %q, want Basic realm=<%s/*.key>", hdr.Get("WWW-Authenticate"), m.ArcKeyDir())
	}
	key, err := os.ReadFile(path)
	if err != nil || len(key) == 0 || len(key) > 4096 {
		t.Fatalf("key file: %d bytes, %v", len(key), err)
	}

	status, _, _, raw = do(t, m.Client(), newReq(t, "GET", u, nil, "Metadata", "true", "Authorization", "Basic wrong"))
	wantStatus(t, status, 401, raw)

	status, _, body, raw := do(t, m.Client(), newReq(t, "GET", u+"&client_id="+testUAMI.ClientID, nil, "Metadata", "true", "Authorization", "Basic "+string(key)))
	wantStatus(t, status, 200, raw)
	if body["client_id"] != testUAMI.ClientID {
		t.Errorf("client_id echo = %v", body["client_id"])
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the used key file is still there (%v)", err)
	}
	// A key is good once.
	status, _, _, raw = do(t, m.Client(), newReq(t, "GET", u, nil, "Metadata", "true", "Authorization", "Basic "+string(key)))
	wantStatus(t, status, 401, raw)

	if got := m.Counts(); got[EndpointArcChallenge] != 2 || got[EndpointArc] != 3 {
		t.Errorf("counts = %v, want 2 challenges and 3 authorized requests", got)
	}
	for _, r := range m.Requests() {
		if r.Endpoint == EndpointArc && !r.Secret {
			t.Errorf("an authorized Arc request is recorded without its secret flag: %+v", r)
		}
	}

	// Close removes unused key files and the temporary directory.
	do(t, m.Client(), newReq(t, "GET", u, nil, "Metadata", "true"))
	m.Close()
	if _, err := os.Stat(m.ArcKeyDir()); !os.IsNotExist(err) {
		t.Errorf("Close left %s behind (%v)", m.ArcKeyDir(), err)
	}
}

func TestManagedEnv(t *testing.T) {
	m := startManaged(t, ManagedOptions{Secret: "sek"})
	for _, src := range []string{SourceIMDS, SourceAppService, SourceCloudShell, SourceAzureML, SourceServiceFabric, SourceArc} {
		env := m.Env(src)
		if len(env) != len(ManagedEnvVars) {
			t.Errorf("%s: Env sets %d variables, want all %d", src, len(env), len(ManagedEnvVars))
		}
		set := 0
		for _, v := range env {
			if v != "" {
				set++
			}
		}
		want := map[string]int{SourceIMDS: 1, SourceAppService: 2, SourceCloudShell: 1, SourceAzureML: 3, SourceServiceFabric: 3, SourceArc: 2}[src]
		if set != want {
			t.Errorf("%s: %d variables set, want %d: %v", src, set, want, env)
		}
	}
	if env := m.Env(SourceServiceFabric); env["IDENTITY_SERVER_THUMBPRINT"] != m.ServiceFabricThumbprint() || env["IDENTITY_HEADER"] != "sek" {
		t.Errorf("Service Fabric env %v", env)
	}
	if env := m.Env(SourceIMDS); env["AZURE_POD_IDENTITY_AUTHORITY_HOST"] != m.URL() {
		t.Errorf("IMDS env %v", env)
	}
}

func TestManagedRecordsHeaderNamesOnly(t *testing.T) {
	m := startManaged(t, ManagedOptions{Secret: "very-secret"})
	do(t, m.Client(), newReq(t, "GET", m.EndpointURL(SourceAppService)+"?api-version="+AppServiceAPIVersion+"&resource=r", nil, "X-IDENTITY-HEADER", "very-secret"))
	do(t, m.Client(), newReq(t, "GET", m.EndpointURL(SourceIMDS)+"?api-version="+IMDSAPIVersion+"&resource=r", nil, "Metadata", "true"))
	reqs := m.Requests()
	if len(reqs) != 2 {
		t.Fatalf("recorded %d requests", len(reqs))
	}
	if !reqs[0].Secret || reqs[0].Metadata || !slices.Contains(reqs[0].HeaderNames, "X-Identity-Header") {
		t.Errorf("App Service record %+v", reqs[0])
	}
	if reqs[1].Secret || !reqs[1].Metadata || reqs[1].Resource != "r" {
		t.Errorf("IMDS record %+v", reqs[1])
	}
	for _, r := range reqs {
		if strings.Contains(strings.Join(r.HeaderNames, " ")+r.RawQuery, "very-secret") {
			t.Errorf("record holds the secret: %+v", r)
		}
	}
	if m.Count(EndpointAppService) != 1 || m.Count(EndpointIMDS) != 1 {
		t.Errorf("counts %v", m.Counts())
	}
}

func TestLoopbackDialerRefusesTheNetwork(t *testing.T) {
	c := &http.Client{Transport: LoopbackTransport(nil, nil), Timeout: 2 * time.Second}
	for _, u := range []string{
		"http://" + IMDSAddr + IMDSPath, // no rewrite: must not reach the real IMDS
		"https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
		"http://10.1.2.3/",
		"http://[2001:db8::1]/",
	} {
		resp, err := c.Get(u)
		if err == nil {
			resp.Body.Close()
			t.Errorf("GET %s succeeded; the dialer must refuse it", u)
		} else if !strings.Contains(err.Error(), "only loopback addresses are allowed") {
			t.Errorf("GET %s: %v, want the loopback refusal", u, err)
		}
	}
}
