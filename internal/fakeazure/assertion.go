package fakeazure

import (
	"bytes"
	"crypto/sha1" // #nosec G505 -- x5t is defined as a SHA-1 thumbprint.
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// checkAssertion authenticates a client by its client_assertion, and
// reports whether it passed; when it did not, the reply is the error.
//
// An assertion whose header names a certificate thumbprint (x5t#S256, as
// MSAL sends, or x5t) is checked against the client's registered
// certificates: signature (RS256 or PS256), expiry, audience (the token
// endpoint) and iss = sub = client id. Any other assertion is a federated
// (workload identity) token: it must equal one registered with
// AddFederated, or match a federated credential registered with
// AddFederatedCredential (see checkFederated), or, when neither is
// registered, merely be non-empty, so a test needs no registration to
// exercise a workload identity flow.
func (e *Entra) checkAssertion(x *exchange, a *app, clientID, tid string) (reply, bool) {
	r := x.r
	assertion := r.PostForm.Get("client_assertion")
	if assertion == "" {
		return e.errMissingParam(r, "client_assertion"), false
	}
	var header map[string]any
	if tok, _, err := jwt.NewParser().ParseUnverified(assertion, jwt.MapClaims{}); err == nil {
		header = tok.Header
	}
	_, hasS256 := header["x5t#S256"]
	_, hasSHA1 := header["x5t"]
	certShaped := hasS256 || hasSHA1

	switch {
	case certShaped && a != nil && len(a.certs) > 0:
		x.rec.Credential = "certificate"
		_, x.rec.X5C = header["x5c"]
		return e.checkCertAssertion(x, a, clientID, tid, assertion, header)
	case a != nil && len(a.fedCreds) > 0 && !slices.Contains(a.assertions, assertion):
		x.rec.Credential = "assertion"
		return e.checkFederated(x, a, assertion)
	case a != nil && len(a.assertions) > 0:
		x.rec.Credential = "assertion"
		if slices.Contains(a.assertions, assertion) {
			return reply{}, true
		}
		return e.errBadAssertion(r, 700213,
			"No matching federated identity record found for presented assertion subject. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion."), false
	case a != nil && len(a.certs) > 0:
		x.rec.Credential = "certificate"
		return e.errBadAssertion(r, 700027,
			"Client assertion contains an invalid signature. [Reason - The key was not found.]"), false
	default:
		x.rec.Credential = "assertion"
		return reply{}, true
	}
}

func (e *Entra) checkCertAssertion(x *exchange, a *app, clientID, tid, assertion string, header map[string]any) (reply, bool) {
	r := x.r
	cert := findCert(a.certs, header)
	if cert == nil {
		return e.errBadAssertion(r, 700027, fmt.Sprintf(
			"The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '%s', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'.]",
			headerThumbprint(header), clientID)), false
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(assertion, claims, func(*jwt.Token) (any, error) {
		return cert.PublicKey, nil
	}, jwt.WithValidMethods([]string{"RS256", "PS256"}), jwt.WithExpirationRequired())
	switch {
	case errors.Is(err, jwt.ErrTokenExpired), errors.Is(err, jwt.ErrTokenNotValidYet):
		return e.errBadAssertion(r, 700024, "Client assertion is not within its valid time range."), false
	case err != nil:
		return e.errBadAssertion(r, 700027, "Client assertion failed signature validation."), false
	}
	iss, _ := claims["iss"].(string)
	sub, _ := claims["sub"].(string)
	if !strings.EqualFold(iss, clientID) || !strings.EqualFold(sub, clientID) {
		return e.errBadAssertion(r, 700023, "Client assertion iss and sub claims must both be the client id."), false
	}
	if !e.audienceOK(claims, r.Host, r.URL.Path, tid) {
		return e.errBadAssertion(r, 700027,
			"Client assertion audience claim does not match Realm issuer."), false
	}
	return reply{}, true
}

// audienceOK accepts the token endpoint the request was sent to (which
// is what MSAL puts in aud), under the fake's address or the host the
// client asked for (a cloud's name mapped to the fake), or the tenant's
// issuer, compared without regard to case because MSAL lower-cases the
// authority.
func (e *Entra) audienceOK(claims jwt.MapClaims, host, path, tid string) bool {
	auds, err := claims.GetAudience()
	if err != nil {
		return false
	}
	want := []string{e.URL() + path, "https://" + host + path, e.issuer(tid)}
	for _, aud := range auds {
		for _, w := range want {
			if strings.EqualFold(aud, w) {
				return true
			}
		}
	}
	return false
}

// findCert returns the registered certificate the header's thumbprint
// names. MSAL encodes x5t#S256 with standard base64 where RFC 7515 says
// base64url, so both are accepted.
func findCert(certs []*x509.Certificate, header map[string]any) *x509.Certificate {
	for _, c := range certs {
		if v, ok := header["x5t#S256"].(string); ok {
			sum := sha256.Sum256(c.Raw)
			if thumbMatches(v, sum[:]) {
				return c
			}
		}
		if v, ok := header["x5t"].(string); ok {
			sum := sha1.Sum(c.Raw) // #nosec G401 -- see the import comment.
			if thumbMatches(v, sum[:]) {
				return c
			}
		}
	}
	return nil
}

func thumbMatches(encoded string, sum []byte) bool {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(encoded); err == nil && bytes.Equal(b, sum) {
			return true
		}
	}
	return false
}

// headerThumbprint renders the header's thumbprint as hex for messages.
func headerThumbprint(header map[string]any) string {
	for _, k := range []string{"x5t#S256", "x5t"} {
		if v, ok := header[k].(string); ok {
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawURLEncoding} {
				if b, err := enc.DecodeString(v); err == nil {
					return strings.ToUpper(hex.EncodeToString(b))
				}
			}
			return v
		}
	}
	return ""
}
