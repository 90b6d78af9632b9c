package fakeazure

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// FederatedCredential is a federated identity credential on an app
// registration, as Entra ID keeps it: the client may present, as its
// client_assertion, a JWT signed by the issuer (verified with Key, where
// Entra ID would fetch the issuer's JWKS) whose iss, sub and aud equal
// Issuer, Subject and Audience. This is how GitHub Actions' and Azure
// DevOps' OIDC tokens are accepted.
type FederatedCredential struct {
	Issuer   string
	Subject  string
	Audience string
	Key      *rsa.PublicKey
}

// AddFederatedCredential registers a federated identity credential on
// clientID. An app with one checks every non-certificate assertion
// against its credentials, unless the assertion is one registered with
// AddFederated.
func (e *Entra) AddFederatedCredential(clientID string, fc FederatedCredential) {
	e.withApp(clientID, func(a *app) { a.fedCreds = append(a.fedCreds, fc) })
}

// checkFederated matches an assertion with the app's federated
// credentials in the order Entra ID reports mismatches, with its codes:
// issuer (AADSTS700211), signature and time range (AADSTS700024), subject
// (AADSTS700213), audience (AADSTS700212).
func (e *Entra) checkFederated(x *exchange, a *app, assertion string) (reply, bool) {
	r := x.r
	unverified := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(assertion, unverified); err != nil {
		return e.errBadAssertion(r, 50027, "JWT token is invalid or is malformed."), false
	}
	iss, _ := unverified["iss"].(string)
	creds := slices.DeleteFunc(slices.Clone(a.fedCreds), func(fc FederatedCredential) bool { return fc.Issuer != iss })
	if len(creds) == 0 {
		return e.errBadAssertion(r, 700211, fmt.Sprintf(
			"No matching federated identity record found for presented assertion issuer '%s'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.", iss)), false
	}
	verified := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(assertion, verified, func(*jwt.Token) (any, error) {
		return creds[0].Key, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithExpirationRequired())
	switch {
	case errors.Is(err, jwt.ErrTokenExpired), errors.Is(err, jwt.ErrTokenNotValidYet):
		return e.errBadAssertion(r, 700024, fmt.Sprintf(
			"Client assertion is not within its valid time range. Current time: %s, expiry time of assertion %s.",
			time.Now().UTC().Format(time.RFC3339), claimTime(verified, "exp"))), false
	case err != nil:
		return e.errBadAssertion(r, 700027, "Client assertion failed signature validation."), false
	}
	sub, _ := verified["sub"].(string)
	creds = slices.DeleteFunc(creds, func(fc FederatedCredential) bool { return fc.Subject != sub })
	if len(creds) == 0 {
		return e.errBadAssertion(r, 700213, fmt.Sprintf(
			"No matching federated identity record found for presented assertion subject '%s'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.", sub)), false
	}
	auds, _ := verified.GetAudience()
	creds = slices.DeleteFunc(creds, func(fc FederatedCredential) bool { return !slices.Contains(auds, fc.Audience) })
	if len(creds) == 0 {
		return e.errBadAssertion(r, 700212, fmt.Sprintf(
			"No matching federated identity record found for presented assertion audience '%s'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.", strings.Join(auds, " "))), false
	}
	return reply{}, true
}

func claimTime(c jwt.MapClaims, name string) string {
	if n, ok := c[name].(float64); ok {
		return time.Unix(int64(n), 0).UTC().Format(time.RFC3339)
	}
	return "(none)"
}
