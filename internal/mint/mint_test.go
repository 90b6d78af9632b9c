package mint

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestMinter(t *testing.T) {
	m, err := New(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	same, err := New(m.key, "")
	if err != nil {
		t.Fatal(err)
	}
	if m.KeyID() == "" || same.KeyID() != m.KeyID() {
		t.Errorf("kid %q then %q: a key must always get the same kid", m.KeyID(), same.KeyID())
	}

	tok, err := m.Mint(map[string]any{"aud": "a", "exp": time.Now().Add(time.Minute).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	claims, err := verify(same, tok)
	if err != nil || claims["aud"] != "a" {
		t.Fatalf("Verify: %v %v", claims, err)
	}
	if _, err := m.Mint(nil); err == nil {
		t.Error("Mint(nil) should fail")
	}

	other, err := New(nil, "kid-2")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verify(other, tok); err == nil || !strings.Contains(err.Error(), "does not verify") {
		t.Errorf("a foreign key verified the token: %v", err)
	}

	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(other.JWKS(), &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS: %s %v", other.JWKS(), err)
	}
	k := set.Keys[0]
	if k["kid"] != "kid-2" || k["kty"] != "RSA" || k["alg"] != "RS256" || k["e"] != "AQAB" || k["n"] == "" {
		t.Errorf("JWKS key %v", k)
	}
}

// verify checks tok against m's public key, as an app would against the
// JWKS.
func verify(m *Minter, tok string) (jwt.MapClaims, error) {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return m.PublicKey(), nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}))
	if err != nil {
		return nil, fmt.Errorf("the token does not verify: %w", err)
	}
	return claims, nil
}
