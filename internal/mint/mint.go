// Package mint signs access tokens the way Microsoft Entra ID does: RS256
// JWTs whose kid header names the key, with the JWKS document that
// verifies them. It is production code, used by the emulator (aztoken
// serve --emulate), and the loopback fakes in internal/fakeazure use it
// too, so the tokens the tests see are the emulator's.
package mint

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"

	"github.com/golang-jwt/jwt/v5"
)

// Minter signs access tokens with one RSA key, the way Entra ID signs
// them with RS256 and names the key with a kid header. The emulator holds
// one, so every token it issues verifies against one JWKS; the Entra and
// managed identity fakes each hold one too.
// A Minter is immutable and safe for concurrent use.
type Minter struct {
	key *rsa.PrivateKey
	kid string
}

// New returns a Minter for key, generating a 2048-bit key when key
// is nil. An empty kid is replaced by the key's RFC 7638 thumbprint, so a
// given key always carries the same kid.
func New(key *rsa.PrivateKey, kid string) (*Minter, error) {
	if key == nil {
		var err error
		key, err = rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, fmt.Errorf("generating the token signing key failed: %w", err)
		}
	}
	if kid == "" {
		kid = jwkThumbprint(&key.PublicKey)
	}
	return &Minter{key: key, kid: kid}, nil
}

// KeyID returns the kid put in every token header.
func (m *Minter) KeyID() string { return m.kid }

// PublicKey returns the key that verifies the Minter's tokens.
func (m *Minter) PublicKey() *rsa.PublicKey { return &m.key.PublicKey }

// Mint signs claims as an RS256 JWT with the Minter's kid. The caller
// chooses every claim; Mint adds none.
func (m *Minter) Mint(claims map[string]any) (string, error) {
	if claims == nil {
		return "", errors.New("minting a token needs claims, got nil")
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims(claims))
	tok.Header["kid"] = m.kid
	s, err := tok.SignedString(m.key)
	if err != nil {
		return "", fmt.Errorf("signing the token failed: %w", err)
	}
	return s, nil
}

// jwk is one RSA public key in JWKS form.
type jwk struct {
	Kty string `json:"kty"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// JWKS returns the key set document ({"keys":[...]}) that verifies the
// Minter's tokens, as served at Entra's jwks_uri.
func (m *Minter) JWKS() []byte {
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: []jwk{{
		Kty: "RSA",
		Use: "sig",
		Alg: "RS256",
		Kid: m.kid,
		N:   b64(m.key.N.Bytes()),
		E:   b64(big.NewInt(int64(m.key.E)).Bytes()),
	}}}
	b, err := json.Marshal(set)
	if err != nil {
		// A struct of strings always marshals.
		panic(err)
	}
	return b
}

// jwkThumbprint computes the RFC 7638 thumbprint of an RSA public key.
func jwkThumbprint(pub *rsa.PublicKey) string {
	// RFC 7638 fixes the member order and forbids whitespace, so the JSON
	// is written by hand rather than left to a marshaller.
	canonical := fmt.Sprintf(`{"e":"%s","kty":"RSA","n":"%s"}`,
		b64(big.NewInt(int64(pub.E)).Bytes()), b64(pub.N.Bytes()))
	sum := sha256.Sum256([]byte(canonical))
	return b64(sum[:])
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
