package source

import (
	"context"
	"sync"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"

	"github.com/aztoken/aztoken/internal/httpx"
)

// federatedTarget is what an MSAL client for a client assertion is built
// for. from names where the assertion comes from (a file, a CI's OIDC
// endpoint); a change of any field builds a new client.
type federatedTarget struct {
	host, tenant, clientID, from string
}

// federatedExchange trades a client assertion (a federated token) for an
// Entra ID token through MSAL: the step workload identity and the pipeline
// source share. It keeps one client per target, so MSAL's in-memory cache
// answers repeated requests in one process (serve, say), and MSAL asks
// assert for an assertion only when it really goes to Entra ID.
type federatedExchange struct {
	cfg Config

	mu      sync.Mutex
	client  *confidential.Client
	builtAs federatedTarget
}

func (x *federatedExchange) clientFor(t federatedTarget, assert func(context.Context) (string, error)) (*confidential.Client, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.client != nil && x.builtAs == t {
		return x.client, nil
	}
	cred := confidential.NewCredFromAssertionCallback(func(ctx context.Context, _ confidential.AssertionRequestOptions) (string, error) {
		return assert(ctx)
	})
	c, err := confidential.New(authorityFor(t.host, t.tenant), t.clientID, cred,
		confidential.WithHTTPClient(x.cfg.HTTPClient(httpx.Options{Retry: true, KnownAuthorities: true})),
		confidential.WithInstanceDiscovery(false),
		regionOption(""))
	if err != nil {
		return nil, msalConfigError(err)
	}
	x.client, x.builtAs = &c, t
	return x.client, nil
}

// token asks for scopes in tenant. MSAL's errors come back untranslated:
// each source knows best what its assertion was and what to say.
func (x *federatedExchange) token(ctx context.Context, t federatedTarget, assert func(context.Context) (string, error), scopes []string, tenant string) (confidential.AuthResult, error) {
	c, err := x.clientFor(t, assert)
	if err != nil {
		return confidential.AuthResult{}, err
	}
	return acquireByCredential(ctx, c, scopes, tenant, t.tenant)
}
