package fakeazure

import (
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/aztoken/aztoken/internal/mint"
)

// devopsAuth is how Azure DevOps' services (Azure Repos, Azure Artifacts)
// meet a client, shared by their fakes: a request without a valid token
// gets 401 with "WWW-Authenticate: Bearer authorization_uri=<authority>/
// <tenant>", a Basic challenge and X-VSS-ResourceTenant; a valid token is
// an Entra token for Azure DevOps from the organization's tenant, as a
// Basic password (any user name) or a Bearer token. It records every
// request and counts the tokens it refused.
type devopsAuth struct {
	tenant    string
	issuer    *mint.Minter
	authority string   // https://login.microsoftonline.com unless a hostile fake says otherwise
	extra     []string // further WWW-Authenticate challenges, such as a Basic realm
	// noResourceTenant leaves X-VSS-ResourceTenant out of the 401.
	noResourceTenant bool
	// resourceTenantOnly are organizations (first path segments) whose 401
	// names the tenant only in X-VSS-ResourceTenant.
	resourceTenantOnly []string

	mu       sync.Mutex
	log      []RepoRequest
	badToken int
}

// admit answers a request without a valid token with the 401 and returns
// false; otherwise it returns true and the caller answers. Either way the
// request is recorded with the status the caller puts in *rec by the time
// done runs.
func (g *devopsAuth) admit(w http.ResponseWriter, r *http.Request) (rec *RepoRequest, ok bool, done func()) {
	kind, tok := credential(r)
	rec = &RepoRequest{Method: r.Method, Path: r.URL.Path, Auth: kind}
	done = func() {
		g.mu.Lock()
		g.log = append(g.log, *rec)
		g.mu.Unlock()
	}
	if tok != "" && g.valid(tok) {
		return rec, true, done
	}
	if tok != "" {
		g.mu.Lock()
		g.badToken++
		g.mu.Unlock()
	}
	authority := g.authority
	if authority == "" {
		authority = "https://login.microsoftonline.com"
	}
	h := w.Header()
	org, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if !slices.Contains(g.resourceTenantOnly, org) {
		h.Add("WWW-Authenticate", "Bearer authorization_uri="+authority+"/"+g.tenant)
	}
	for _, c := range g.extra {
		h.Add("WWW-Authenticate", c)
	}
	if !g.noResourceTenant {
		h.Set("X-VSS-ResourceTenant", g.tenant)
	}
	rec.Status = http.StatusUnauthorized
	w.WriteHeader(http.StatusUnauthorized)
	return rec, false, done
}

func (g *devopsAuth) valid(tok string) bool {
	c, err := Verify(g.issuer, tok)
	if err != nil {
		return false
	}
	return c["aud"] == AzureDevOpsResource && c["tid"] == g.tenant
}

// Requests returns what the fake answered, in order.
func (g *devopsAuth) Requests() []RepoRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]RepoRequest(nil), g.log...)
}

// BadTokens counts tokens it refused (signed by someone else, expired, or
// for another resource or tenant).
func (g *devopsAuth) BadTokens() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.badToken
}
