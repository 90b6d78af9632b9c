package fakeazure

import (
	"fmt"

	"github.com/golang-jwt/jwt/v5"

	"github.com/aztoken/aztoken/internal/mint"
)

// Verify checks a token's RS256 signature against m's key and its exp and
// nbf, and returns its claims: how the fakes and the tests read what the
// emulator or a fake issued. It lives here, with the test code, because
// aztoken itself never verifies a token it mints (an app under test
// verifies against the emulator's JWKS).
func Verify(m *mint.Minter, token string) (map[string]any, error) {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) {
		return m.PublicKey(), nil
	}, jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}))
	if err != nil {
		return nil, fmt.Errorf("the token does not verify: %w", err)
	}
	return claims, nil
}
