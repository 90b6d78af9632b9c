package fakeazure

import (
	"net/http"
	"time"

	"github.com/aztoken/aztoken/internal/mint"
)

// DefaultCILifetime is how long the CI fakes' OIDC tokens live: about
// what GitHub Actions gives, and short enough that a stale token is a
// realistic failure.
const DefaultCILifetime = 5 * time.Minute

// oidcIssuer is what the GitHub Actions and Azure DevOps fakes share: a
// token issuer with its own key, whose tokens Entra's federated
// credentials verify with that key.
type oidcIssuer struct {
	issuer   string
	minter   *mint.Minter
	lifetime time.Duration
}

func newOIDCIssuer(issuer string, m *mint.Minter, lifetime time.Duration) (oidcIssuer, error) {
	if m == nil {
		var err error
		if m, err = mint.New(nil, ""); err != nil {
			return oidcIssuer{}, err
		}
	}
	if lifetime <= 0 {
		lifetime = DefaultCILifetime
	}
	return oidcIssuer{issuer: issuer, minter: m, lifetime: lifetime}, nil
}

// mint issues a token for sub and aud. A fault's AlreadyExpiredToken
// makes it one issued twice its lifetime ago, long expired: what a tool
// that keeps an old assertion would send.
func (o oidcIssuer) mint(sub, aud string, f Fault, extra map[string]any) (string, error) {
	now := time.Now()
	if f.AlreadyExpiredToken {
		now = now.Add(-2 * o.lifetime)
	}
	claims := map[string]any{
		"iss": o.issuer,
		"sub": sub,
		"aud": aud,
		"jti": randomID(),
		"iat": now.Unix(),
		"nbf": now.Add(-5 * time.Second).Unix(),
		"exp": now.Add(o.lifetime).Unix(),
	}
	for k, v := range extra {
		claims[k] = v
	}
	return o.minter.Mint(claims)
}

// credential is the federated credential that accepts this issuer's
// tokens for sub and aud.
func (o oidcIssuer) credential(sub, aud string) FederatedCredential {
	return FederatedCredential{Issuer: o.issuer, Subject: sub, Audience: aud, Key: o.minter.PublicKey()}
}

// ciError is the JSON error both CI services answer with.
func ciError(status int, msg string) reply {
	return jsonReply(status, map[string]any{"message": msg})
}

func ciInjectedError(_ *http.Request, _ string, status int) reply {
	return ciError(status, "fakeazure answered HTTP "+http.StatusText(status))
}

// ciFake is what the CI fakes share: one loopback server on plain HTTP
// with one endpoint, and the issuer of its tokens.
type ciFake struct {
	core     *core
	issuer   oidcIssuer
	name     string // for messages
	endpoint string
}

// start runs the server. Everything handle reads must be set before: the
// server answers from the moment it starts.
func (f *ciFake) start(method, path string, handle func(*exchange) reply) error {
	c, err := newCore(f.endpoint, false, "", &recorder{}, &faultTable{})
	if err != nil {
		return err
	}
	c.errorReply = ciInjectedError
	c.handle(path, route{endpoint: f.endpoint, method: method, handle: handle})
	f.core = c
	return nil
}

// URL returns the base URL, http://127.0.0.1:port.
func (f *ciFake) URL() string { return f.core.srv.URL }

// Minter returns the signer of issued tokens.
func (f *ciFake) Minter() *mint.Minter { return f.issuer.minter }

// Close stops the fake.
func (f *ciFake) Close() { f.core.close() }

// Requests returns every request recorded, without secret values.
func (f *ciFake) Requests() []Request { return f.core.rec.requests() }

// Count returns how many requests reached endpoint.
func (f *ciFake) Count(endpoint string) int { return f.core.rec.count(endpoint) }

// SetFault makes endpoint misbehave: Status 403 or 401 for a refusal,
// AlreadyExpiredToken for a stale token.
func (f *ciFake) SetFault(endpoint string, fault Fault) {
	mustServe(f.name, []string{f.endpoint, EndpointUnknown}, endpoint)
	f.core.faults.set(endpoint, fault)
}

// ClearFaults removes every fault.
func (f *ciFake) ClearFaults() { f.core.faults.clear() }
