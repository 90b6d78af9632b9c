package serve

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/aztoken/aztoken/internal/resources"
)

// verifyWithJWKS does what an app under test does: read the discovery
// document, fetch the JWKS it names, and verify the token's signature,
// issuer and lifetime with the key whose kid the token names.
func verifyWithJWKS(t *testing.T, s *Server, token string) jwt.MapClaims {
	t.Helper()
	c := loopbackClient()
	status, body := get(t, c, s.emu.DiscoveryURL(), nil)
	if status != 200 {
		t.Fatalf("discovery: %d %s", status, body)
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.Issuer, s.URL()+"/") {
		t.Errorf("issuer %s is not the emulator's URL %s", doc.Issuer, s.URL())
	}
	status, body = get(t, c, doc.JWKSURI, nil)
	if status != 200 {
		t.Fatalf("jwks: %d %s", status, body)
	}
	var set struct {
		Keys []struct{ Kty, Kid, N, E string } `json:"keys"`
	}
	if err := json.Unmarshal([]byte(body), &set); err != nil {
		t.Fatal(err)
	}
	keys := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if k.Kty != "RSA" || err1 != nil || err2 != nil {
			t.Fatalf("bad JWK %+v", k)
		}
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		if k := keys[kid]; k != nil {
			return k, nil
		}
		return nil, jwt.ErrTokenUnverifiable
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(doc.Issuer), jwt.WithExpirationRequired())
	if err != nil {
		t.Fatalf("the token does not verify against the JWKS: %v", err)
	}
	return claims
}

func TestEmulatedTokenVerifiesAgainstJWKS(t *testing.T) {
	s := start(t, Options{Emulate: &EmulatorOptions{Tenant: "contoso-test", AppID: "app-1", ObjectID: "obj-1", Roles: []string{"Reader", "Writer"}, Lifetime: 2 * time.Hour}})
	status, body := get(t, loopbackClient(), s.URL()+PathIMDS+"?api-version=2018-02-01&resource=https://graph.microsoft.com", map[string]string{"Metadata": "true"})
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	var resp struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil {
		t.Fatal(err)
	}
	claims := verifyWithJWKS(t, s, resp.AccessToken)
	want := map[string]any{"aud": "https://graph.microsoft.com", "tid": "contoso-test", "appid": "app-1", "oid": "obj-1", "iss": s.URL() + "/contoso-test/v2.0", EmulatedClaim: true}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("%s = %v, want %v", k, claims[k], v)
		}
	}
	if roles, _ := claims["roles"].([]any); len(roles) != 2 || roles[0] != "Reader" {
		t.Errorf("roles = %v", claims["roles"])
	}
	exp, _ := claims.GetExpirationTime()
	if d := time.Until(exp.Time); d < 119*time.Minute || d > 121*time.Minute {
		t.Errorf("lifetime %s, want 2h", d)
	}
	// The discovery documents are served at the root too.
	for _, p := range []string{"/.well-known/openid-configuration", "/discovery/v2.0/keys"} {
		if status, _ := get(t, loopbackClient(), s.URL()+p, nil); status != 200 {
			t.Errorf("GET %s: %d", p, status)
		}
	}
}

// A key given as a PEM file signs, so tokens verify across restarts.
func TestEmulatorKeyFile(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(key)
	files := map[string][]byte{
		"pkcs1.pem": pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
		"pkcs8.pem": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
		"enc.pem":   pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}}),
		"none.pem":  []byte("not a key\n"),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct{ file, wantErr string }{
		{"pkcs1.pem", ""},
		{"pkcs8.pem", ""},
		{"enc.pem", "encrypted"},
		{"none.pem", "openssl genrsa"},
		{"missing.pem", "reading the signing key failed"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			em, err := NewEmulator(EmulatorOptions{KeyFile: filepath.Join(dir, tc.file)}, nil)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tok, err := em.Token(context.Background(), "api://x", Identity{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := jwt.Parse(tok.AccessToken, func(*jwt.Token) (any, error) { return &key.PublicKey, nil }); err != nil {
				t.Errorf("a token does not verify with the file's key: %v", err)
			}
		})
	}
}

func TestEmulatorOptionsChecked(t *testing.T) {
	cases := []struct {
		name string
		o    EmulatorOptions
		want string
	}{
		{"short lifetime", EmulatorOptions{Lifetime: time.Minute}, "out of range"},
		{"bad tenant", EmulatorOptions{Tenant: "a/b"}, "emulated tenant"},
		// The one tenant rule (resources.ValidTenant) is bounded on every
		// path; the emulator's own check was not.
		{"tenant too long", EmulatorOptions{Tenant: strings.Repeat("a", 257)}, "at most 256"},
	}
	for _, tc := range cases {
		if _, err := NewEmulator(tc.o, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

// User-assigned identities get distinct ids that stay the same.
func TestEmulatorDerivedIDs(t *testing.T) {
	em, err := NewEmulator(EmulatorOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	claimsFor := func(id Identity) jwt.MapClaims {
		tok, err := em.Token(context.Background(), "api://x", id)
		if err != nil {
			t.Fatal(err)
		}
		c := jwt.MapClaims{}
		if _, _, err := jwt.NewParser().ParseUnverified(tok.AccessToken, c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	a, b := claimsFor(Identity{ObjectID: "o-1"}), claimsFor(Identity{ObjectID: "o-1"})
	if a["appid"] != b["appid"] || a["oid"] != "o-1" {
		t.Errorf("object id: %v vs %v", a, b)
	}
	if c := claimsFor(Identity{ObjectID: "o-2"}); c["appid"] == a["appid"] || !resources.IsGUID(c["appid"].(string)) {
		t.Errorf("two identities share appid %v", c["appid"])
	}
	if c := claimsFor(Identity{}); c["appid"] != DefaultEmulatorAppID || c["oid"] != DefaultEmulatorObjectID {
		t.Errorf("system-assigned: %v", c)
	}
}

// Each spelling of a resource gets a token whose aud is that spelling
// (issue 27.10): an app that compares aud exactly must not be handed the
// token a client before it asked for in other case.
func TestEmulatedAudienceIsEachClientsSpelling(t *testing.T) {
	s := start(t, Options{Emulate: &EmulatorOptions{}})
	for _, res := range []string{"https://Vault.Azure.net", "https://vault.azure.net", "https://VAULT.azure.net"} {
		status, body := get(t, loopbackClient(), s.URL()+PathIMDS+"?api-version=2018-02-01&resource="+res, map[string]string{"Metadata": "true"})
		if status != 200 {
			t.Fatalf("%s: %d %s", res, status, body)
		}
		var resp struct {
			AccessToken string `json:"access_token"`
			Resource    string `json:"resource"`
		}
		if err := json.Unmarshal([]byte(body), &resp); err != nil {
			t.Fatal(err)
		}
		if aud := verifyWithJWKS(t, s, resp.AccessToken)["aud"]; aud != res || resp.Resource != res {
			t.Errorf("asked %s: aud %v, resource %s", res, aud, resp.Resource)
		}
	}
}
