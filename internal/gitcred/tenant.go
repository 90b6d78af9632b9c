package gitcred

import (
	"context"
	"errors"
	"net/http"

	"github.com/aztoken/aztoken/internal/tenantdiscovery"
)

// Tenants finds an organization's tenant.
type Tenants struct {
	// Memo remembers what discovery found; nil remembers nothing.
	Memo *tenantdiscovery.Memo
	// Client sends discovery's request; nil makes one when it is needed
	// (not when the tenant is known: a client starts loading the system's
	// CA certificates).
	Client *http.Client
	// Notice receives what -v shows; never a secret.
	Notice func(string)
}

// For returns the tenant to ask a token from, and where it came from; ""
// means the chain's default tenant. In order: the Bearer challenge of the
// 401 git received (git 2.41 and later pass it as wwwauth[]), what was
// found for the organization before, or the organization's own answer to
// a request without a token.
func (ts Tenants) For(ctx context.Context, req Request, t Target) (tenant, from string) {
	notice := ts.Notice
	if notice == nil {
		notice = func(string) {}
	}
	if tid, ok := tenantdiscovery.FromChallenges(req.Lists["wwwauth"]); ok {
		// Git sends the challenge with every get after a 401: rewrite the
		// memo (a load, a temporary file, fsync, a rename) only when it
		// does not already hold this tenant.
		if t.Org != "" {
			if held, fresh := ts.Memo.Get(t.Key()); !fresh || held != tid {
				_ = ts.Memo.Put(t.Key(), tid)
			}
		}
		return tid, "git's wwwauth[] (the 401's " + string(tenantdiscovery.FromChallenge) + ")"
	}
	if t.Org == "" {
		notice("git: the request names no organization (set credential.useHttpPath for " + t.Host + ", as 'aztoken git configure' does); using the chain's default tenant")
		return "", ""
	}
	tid, src, err := ts.Memo.Find(ctx, ts.Client, t.Key(), t.OrgURL())
	switch {
	case src == tenantdiscovery.FromMemo && tid == "":
		return "", "remembered: " + t.Org + " names no tenant"
	case src == tenantdiscovery.FromMemo:
		return tid, "remembered for " + t.Org
	case errors.Is(err, tenantdiscovery.ErrNoTenant):
		notice("git: " + t.OrgURL() + " names no Entra ID tenant (an organization of Microsoft accounts?); using the chain's default tenant")
		return "", ""
	case err != nil:
		notice("git: " + err.Error() + "; using the chain's default tenant")
		return "", ""
	}
	return tid, t.OrgURL() + "'s " + string(src)
}
