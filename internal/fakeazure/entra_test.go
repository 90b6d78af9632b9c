package fakeazure

import (
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	secretClient  = "11111111-1111-4111-8111-111111111111"
	certClient    = "22222222-2222-4222-8222-222222222222"
	fedClient     = "33333333-3333-4333-8333-333333333333"
	publicClient  = "44444444-4444-4444-8444-444444444444"
	anyFedClient  = "55555555-5555-4555-8555-555555555555"
	unknownClient = "99999999-9999-4999-8999-999999999999"
	testTenant    = "aaaabbbb-0000-4000-8000-cccccccccccc"
)

func TestEntraOpenIDConfiguration(t *testing.T) {
	e := startEntra(t, EntraOptions{Tenants: []string{testTenant}})
	c := e.Client()

	status, _, body, raw := do(t, c, newReq(t, "GET", e.Authority(testTenant)+"/v2.0/.well-known/openid-configuration", nil))
	wantStatus(t, status, 200, raw)
	for field, want := range map[string]string{
		"issuer":                 e.URL() + "/" + testTenant + "/v2.0",
		"token_endpoint":         e.TokenURL(testTenant),
		"authorization_endpoint": e.Authority(testTenant) + "/oauth2/v2.0/authorize",
		"jwks_uri":               e.Authority(testTenant) + "/discovery/v2.0/keys",
	} {
		if body[field] != want {
			t.Errorf("%s = %v, want %s", field, body[field], want)
		}
	}

	status, _, body, raw = do(t, c, newReq(t, "GET", e.URL()+"/organizations/v2.0/.well-known/openid-configuration", nil))
	wantStatus(t, status, 200, raw)
	if body["issuer"] != e.URL()+"/{tenantid}/v2.0" {
		t.Errorf("organizations issuer = %v, want the {tenantid} template", body["issuer"])
	}

	status, _, body, raw = do(t, c, newReq(t, "GET", e.URL()+"/nosuchtenant/v2.0/.well-known/openid-configuration", nil))
	wantStatus(t, status, 400, raw)
	wantAADSTS(t, body, "invalid_request", 90002)
	if !strings.Contains(body["error_description"].(string), "Tenant 'nosuchtenant' not found") {
		t.Errorf("error_description = %v", body["error_description"])
	}
}

// wantAADSTS checks an Entra-shaped error body.
func wantAADSTS(t *testing.T, body map[string]any, code string, aadsts int) {
	t.Helper()
	if body == nil {
		t.Fatal("the error body is not JSON")
	}
	if body["error"] != code {
		t.Errorf("error = %v, want %s", body["error"], code)
	}
	desc, _ := body["error_description"].(string)
	if want := "AADSTS" + itoa(aadsts) + ": "; !strings.HasPrefix(desc, want) {
		t.Errorf("error_description = %q, want prefix %q", desc, want)
	}
	codes, _ := body["error_codes"].([]any)
	if len(codes) != 1 || codes[0] != float64(aadsts) {
		t.Errorf("error_codes = %v, want [%d]", body["error_codes"], aadsts)
	}
	for _, f := range []string{"trace_id", "correlation_id", "timestamp"} {
		if body[f] == nil {
			t.Errorf("error body lacks %s", f)
		}
	}
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

func TestEntraTokenGrants(t *testing.T) {
	cc := testClientCert(t)
	e := startEntra(t, EntraOptions{
		Tenants:   []string{testTenant, "contoso.onmicrosoft.com"},
		Secrets:   map[string]string{secretClient: "s3cret"},
		Certs:     map[string][]*x509.Certificate{certClient: {cc.cert}},
		Federated: map[string][]string{fedClient: {"the-federated-token"}},
		Users:     []User{{ClientID: publicClient, Username: "alice@contoso.com", Password: "pa55"}},
		Roles:     map[string][]string{secretClient: {"Data.Read"}},
		Claims:    map[string]any{"xms_tdbr": "EU", "aud": "must be overridden"},
	})
	form := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	const scope = "https://vault.azure.net/.default openid offline_access profile"
	tests := []struct {
		name       string
		tenant     string
		form       url.Values
		status     int
		code       string
		aadsts     int
		credential string
		claims     map[string]any
	}{
		{"secret", testTenant, form("grant_type", "client_credentials", "client_id", secretClient, "client_secret", "s3cret", "scope", scope),
			200, "", 0, "secret", map[string]any{"aud": "https://vault.azure.net", "appid": secretClient, "azp": secretClient, "tid": testTenant, "idtyp": "app", "xms_tdbr": "EU"}},
		{"secret at a domain tenant", "contoso.onmicrosoft.com", form("grant_type", "client_credentials", "client_id", secretClient, "client_secret", "s3cret", "scope", scope),
			200, "", 0, "secret", map[string]any{"tid": "contoso.onmicrosoft.com"}},
		{"wrong secret", testTenant, form("grant_type", "client_credentials", "client_id", secretClient, "client_secret", "nope", "scope", scope),
			401, "invalid_client", 7000215, "secret", nil},
		{"unknown client", testTenant, form("grant_type", "client_credentials", "client_id", unknownClient, "client_secret", "x", "scope", scope),
			400, "unauthorized_client", 700016, "secret", nil},
		{"unknown tenant", "nosuchtenant", form("grant_type", "client_credentials", "client_id", secretClient, "client_secret", "s3cret", "scope", scope),
			400, "invalid_request", 90002, "", nil},
		{"no credential", testTenant, form("grant_type", "client_credentials", "client_id", secretClient, "scope", scope),
			401, "invalid_client", 7000218, "", nil},
		{"no scope", testTenant, form("grant_type", "client_credentials", "client_id", secretClient, "client_secret", "s3cret"),
			400, "invalid_request", 900144, "", nil},
		{"scope without .default", testTenant, form("grant_type", "client_credentials", "client_id", secretClient, "client_secret", "s3cret", "scope", "https://vault.azure.net/secrets.read"),
			400, "invalid_scope", 1002012, "", nil},
		{"unsupported grant", testTenant, form("grant_type", "device_code", "client_id", secretClient),
			400, "unsupported_grant_type", 70003, "", nil},
		{"registered federated assertion", testTenant, form("grant_type", "client_credentials", "client_id", fedClient, "client_assertion", "the-federated-token", "client_assertion_type", ClientAssertionType, "scope", scope),
			200, "", 0, "assertion", map[string]any{"appid": fedClient}},
		{"wrong federated assertion", testTenant, form("grant_type", "client_credentials", "client_id", fedClient, "client_assertion", "another-token", "client_assertion_type", ClientAssertionType, "scope", scope),
			401, "invalid_client", 700213, "assertion", nil},
		{"any assertion for an unregistered client", testTenant, form("grant_type", "client_credentials", "client_id", anyFedClient, "client_assertion", "whatever", "client_assertion_type", ClientAssertionType, "scope", scope),
			200, "", 0, "assertion", map[string]any{"appid": anyFedClient}},
		{"wrong assertion type", testTenant, form("grant_type", "client_credentials", "client_id", anyFedClient, "client_assertion", "whatever", "client_assertion_type", "saml", "scope", scope),
			400, "invalid_request", 50027, "", nil},
		{"non-certificate assertion for a certificate client", testTenant, form("grant_type", "client_credentials", "client_id", certClient, "client_assertion", "not-a-jwt", "client_assertion_type", ClientAssertionType, "scope", scope),
			401, "invalid_client", 700027, "certificate", nil},
		{"password", testTenant, form("grant_type", "password", "client_id", publicClient, "username", "Alice@contoso.com", "password", "pa55", "scope", "https://graph.microsoft.com/User.Read openid profile offline_access"),
			200, "", 0, "password", map[string]any{"aud": "https://graph.microsoft.com", "upn": "alice@contoso.com", "unique_name": "alice@contoso.com", "scp": "User.Read", "idtyp": "user"}},
		{"wrong password", testTenant, form("grant_type", "password", "client_id", publicClient, "username", "alice@contoso.com", "password", "nope", "scope", scope),
			400, "invalid_grant", 50126, "password", nil},
		{"unknown user", testTenant, form("grant_type", "password", "client_id", publicClient, "username", "bob@contoso.com", "password", "pa55", "scope", scope),
			400, "invalid_grant", 50034, "password", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.Reset()
			req := newReq(t, "POST", e.TokenURL(tt.tenant), strings.NewReader(tt.form.Encode()))
			status, _, body, raw := do(t, e.Client(), req)
			wantStatus(t, status, tt.status, raw)
			if tt.status != 200 {
				wantAADSTS(t, body, tt.code, tt.aadsts)
			} else {
				if body["token_type"] != "Bearer" || body["expires_in"] != float64(3599) || body["ext_expires_in"] != float64(3599) {
					t.Errorf("token response = %v", body)
				}
				claims := claimsOf(t, e.Minter(), body["access_token"].(string))
				for k, v := range tt.claims {
					wantClaim(t, claims, k, v)
				}
				wantClaim(t, claims, "iss", e.URL()+"/"+claims["tid"].(string)+"/v2.0")
				for _, c := range []string{"oid", "sub", "iat", "nbf", "exp"} {
					if claims[c] == nil {
						t.Errorf("token lacks %s", c)
					}
				}
			}
			reqs := e.Requests()
			if len(reqs) != 1 {
				t.Fatalf("recorded %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Endpoint != EndpointToken || r.Credential != tt.credential || r.Status != tt.status {
				t.Errorf("record = %+v, want endpoint token, credential %q, status %d", r, tt.credential, tt.status)
			}
			if r.ClientID != tt.form.Get("client_id") || r.GrantType != tt.form.Get("grant_type") {
				t.Errorf("record client %q grant %q", r.ClientID, r.GrantType)
			}
		})
	}
}

func TestEntraRolesAndUserTokens(t *testing.T) {
	e := startEntra(t, EntraOptions{
		Secrets: map[string]string{secretClient: "s"},
		Roles:   map[string][]string{secretClient: {"Data.Read", "Data.Write"}},
		Users:   []User{{ClientID: publicClient, Username: "alice@contoso.com", Password: "p", Name: "Alice"}},
	})
	v := url.Values{"grant_type": {"client_credentials"}, "client_id": {secretClient}, "client_secret": {"s"}, "scope": {"api://app/.default"}}
	_, _, body, _ := do(t, e.Client(), newReq(t, "POST", e.TokenURL("common"), strings.NewReader(v.Encode())))
	claims := claimsOf(t, e.Minter(), body["access_token"].(string))
	roles, _ := claims["roles"].([]any)
	if len(roles) != 2 || roles[0] != "Data.Read" {
		t.Errorf("roles = %v", claims["roles"])
	}
	wantClaim(t, claims, "tid", DefaultTenantID) // common maps to the home tenant
	wantClaim(t, claims, "aud", "api://app")

	v = url.Values{"grant_type": {"password"}, "client_id": {publicClient}, "username": {"alice@contoso.com"}, "password": {"p"}, "scope": {"api://app/.default openid profile offline_access"}}
	_, _, body, raw := do(t, e.Client(), newReq(t, "POST", e.TokenURL(DefaultTenantID), strings.NewReader(v.Encode())))
	for _, f := range []string{"id_token", "client_info", "refresh_token", "scope"} {
		if body[f] == nil {
			t.Fatalf("password grant response lacks %s: %s", f, raw)
		}
	}
	wantClaim(t, claimsOf(t, e.Minter(), body["access_token"].(string)), "scp", "user_impersonation")
	idClaims := claimsOf(t, e.Minter(), body["id_token"].(string))
	wantClaim(t, idClaims, "aud", publicClient)
	wantClaim(t, idClaims, "preferred_username", "alice@contoso.com")
	wantClaim(t, idClaims, "name", "Alice")
	ci, err := base64.RawURLEncoding.DecodeString(body["client_info"].(string))
	if err != nil || !strings.Contains(string(ci), `"utid":"`+DefaultTenantID+`"`) {
		t.Errorf("client_info = %s (%v)", ci, err)
	}

	// The refresh token works once issued, and only for its client.
	rt := body["refresh_token"].(string)
	v = url.Values{"grant_type": {"refresh_token"}, "client_id": {publicClient}, "refresh_token": {rt}, "scope": {"api://other/.default openid"}}
	status, _, body, raw := do(t, e.Client(), newReq(t, "POST", e.TokenURL(DefaultTenantID), strings.NewReader(v.Encode())))
	wantStatus(t, status, 200, raw)
	wantClaim(t, claimsOf(t, e.Minter(), body["access_token"].(string)), "aud", "api://other")
	v.Set("client_id", secretClient)
	status, _, body, raw = do(t, e.Client(), newReq(t, "POST", e.TokenURL(DefaultTenantID), strings.NewReader(v.Encode())))
	wantStatus(t, status, 400, raw)
	wantAADSTS(t, body, "invalid_grant", 9002313)
}

func TestEntraCertificateAssertion(t *testing.T) {
	cc := testClientCert(t)
	other := newClientCert("an unregistered certificate")
	e := startEntra(t, EntraOptions{})
	e.AddClientCert(certClient, cc.cert)
	tokenURL := e.TokenURL(DefaultTenantID)

	sign := func(key *rsa.PrivateKey, thumbCert *x509.Certificate, method jwt.SigningMethod, claims jwt.MapClaims, x5c bool) string {
		tok := jwt.NewWithClaims(method, claims)
		sum := sha256.Sum256(thumbCert.Raw)
		tok.Header["x5t#S256"] = base64.StdEncoding.EncodeToString(sum[:])
		if x5c {
			tok.Header["x5c"] = []string{base64.StdEncoding.EncodeToString(thumbCert.Raw)}
		}
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := func() jwt.MapClaims {
		return jwt.MapClaims{"aud": tokenURL, "iss": certClient, "sub": certClient, "jti": "1",
			"nbf": time.Now().Unix(), "exp": time.Now().Add(10 * time.Minute).Unix()}
	}
	expired := good()
	expired["exp"] = time.Now().Add(-time.Hour).Unix()
	wrongAud := good()
	wrongAud["aud"] = "https://elsewhere.example/token"
	wrongIss := good()
	wrongIss["iss"] = "someone-else"

	tests := []struct {
		name      string
		assertion string
		status    int
		aadsts    int
		x5c       bool
	}{
		{"PS256 with x5c", sign(cc.key, cc.cert, jwt.SigningMethodPS256, good(), true), 200, 0, true},
		{"RS256 without x5c", sign(cc.key, cc.cert, jwt.SigningMethodRS256, good(), false), 200, 0, false},
		{"signed by another key", sign(other.key, cc.cert, jwt.SigningMethodPS256, good(), false), 401, 700027, false},
		{"unregistered certificate", sign(other.key, other.cert, jwt.SigningMethodPS256, good(), false), 401, 700027, false},
		{"expired", sign(cc.key, cc.cert, jwt.SigningMethodPS256, expired, false), 401, 700024, false},
		{"wrong audience", sign(cc.key, cc.cert, jwt.SigningMethodPS256, wrongAud, false), 401, 700027, false},
		{"wrong issuer", sign(cc.key, cc.cert, jwt.SigningMethodPS256, wrongIss, false), 401, 700023, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.Reset()
			v := url.Values{"grant_type": {"client_credentials"}, "client_id": {certClient}, "scope": {"api://x/.default"},
				"client_assertion": {tt.assertion}, "client_assertion_type": {ClientAssertionType}}
			status, _, body, raw := do(t, e.Client(), newReq(t, "POST", tokenURL, strings.NewReader(v.Encode())))
			wantStatus(t, status, tt.status, raw)
			if tt.status != 200 {
				wantAADSTS(t, body, "invalid_client", tt.aadsts)
			}
			r := e.Requests()[0]
			if r.Credential != "certificate" || r.X5C != tt.x5c {
				t.Errorf("record credential %q x5c %v, want certificate %v", r.Credential, r.X5C, tt.x5c)
			}
		})
	}
}

func TestEntraUserRealmDiscoveryAndJWKS(t *testing.T) {
	e := startEntra(t, EntraOptions{})
	c := e.Client()

	status, _, body, raw := do(t, c, newReq(t, "GET", e.URL()+"/common/UserRealm/alice@contoso.com?api-version=1.0", nil))
	wantStatus(t, status, 200, raw)
	if body["account_type"] != "Managed" || body["domain_name"] != "contoso.com" || body["cloud_audience_urn"] == nil {
		t.Errorf("user realm = %v", body)
	}

	q := url.Values{"api-version": {"1.1"}, "authorization_endpoint": {e.Authority("mytenant") + "/oauth2/v2.0/authorize"}}
	status, _, body, raw = do(t, c, newReq(t, "GET", e.URL()+"/common/discovery/instance?"+q.Encode(), nil))
	wantStatus(t, status, 200, raw)
	if body["tenant_discovery_endpoint"] != e.URL()+"/mytenant/v2.0/.well-known/openid-configuration" {
		t.Errorf("tenant_discovery_endpoint = %v", body["tenant_discovery_endpoint"])
	}

	// A token verifies against the served JWKS alone.
	e.AddClientSecret(secretClient, "s")
	v := url.Values{"grant_type": {"client_credentials"}, "client_id": {secretClient}, "client_secret": {"s"}, "scope": {"api://x/.default"}}
	_, _, body, _ = do(t, c, newReq(t, "POST", e.TokenURL(DefaultTenantID), strings.NewReader(v.Encode())))
	at := body["access_token"].(string)
	_, _, _, raw = do(t, c, newReq(t, "GET", e.Authority(DefaultTenantID)+"/discovery/v2.0/keys", nil))
	var set struct {
		Keys []struct{ Kid, N, E string }
	}
	if err := json.Unmarshal(raw, &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS %s: %v", raw, err)
	}
	k := set.Keys[0]
	n, _ := base64.RawURLEncoding.DecodeString(k.N)
	ev, _ := base64.RawURLEncoding.DecodeString(k.E)
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(ev).Int64())}
	tok, err := jwt.Parse(at, func(tok *jwt.Token) (any, error) {
		if tok.Header["kid"] != k.Kid {
			t.Errorf("token kid %v, JWKS kid %s", tok.Header["kid"], k.Kid)
		}
		return pub, nil
	}, jwt.WithValidMethods([]string{"RS256"}))
	if err != nil || !tok.Valid {
		t.Fatalf("token does not verify with the JWKS: %v", err)
	}
}

func TestEntraRecordsNoSecretValues(t *testing.T) {
	e := startEntra(t, EntraOptions{Secrets: map[string]string{secretClient: "s3cret-value"}})
	v := url.Values{"grant_type": {"client_credentials"}, "client_id": {secretClient}, "client_secret": {"s3cret-value"}, "scope": {"api://x/.default"}}
	do(t, e.Client(), newReq(t, "POST", e.TokenURL(DefaultTenantID), strings.NewReader(v.Encode()), "client-request-id", "abc"))
	do(t, e.Client(), newReq(t, "GET", e.Authority(DefaultTenantID)+"/v2.0/.well-known/openid-configuration?client_secret=s3cret-value&x=1", nil))
	do(t, e.Client(), newReq(t, "GET", e.URL()+"/no/such/path", nil))

	reqs := e.Requests()
	if len(reqs) != 3 {
		t.Fatalf("recorded %d requests, want 3", len(reqs))
	}
	if !slices.Contains(reqs[0].FormKeys, "client_secret") || !slices.Contains(reqs[0].HeaderNames, "Client-Request-Id") {
		t.Errorf("form keys %v, header names %v", reqs[0].FormKeys, reqs[0].HeaderNames)
	}
	if strings.Contains(reqs[1].RawQuery, "s3cret-value") || !strings.Contains(reqs[1].RawQuery, "x=1") {
		t.Errorf("raw query %q keeps the secret or loses the rest", reqs[1].RawQuery)
	}
	if reqs[2].Endpoint != EndpointUnknown || reqs[2].Status != 404 {
		t.Errorf("unknown path recorded as %+v", reqs[2])
	}
	for _, r := range reqs {
		if strings.Contains(r.RawQuery+strings.Join(r.FormKeys, "")+r.Scope, "s3cret-value") {
			t.Errorf("a record holds the secret: %+v", r)
		}
	}
	if got := e.Counts(); got[EndpointToken] != 1 || got[EndpointOpenID] != 1 || got[EndpointUnknown] != 1 {
		t.Errorf("counts = %v", got)
	}
	e.Reset()
	if len(e.Requests()) != 0 || e.Count(EndpointToken) != 0 {
		t.Error("Reset kept records")
	}

	// A wrong method is the fake's answer too, and is recorded.
	status, hdr, _, raw := do(t, e.Client(), newReq(t, "GET", e.TokenURL(DefaultTenantID), nil))
	wantStatus(t, status, http.StatusMethodNotAllowed, raw)
	if hdr.Get("Allow") != "POST" || e.Count(EndpointToken) != 1 {
		t.Errorf("Allow %q, token count %d", hdr.Get("Allow"), e.Count(EndpointToken))
	}
}
