package source

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/safefile"
)

const tokenFileVar = "AZURE_FEDERATED_TOKEN_FILE"

// AssertionMaxAge is how long a federated token read from the file is
// reused. Kubernetes rotates projected tokens well before they expire, so
// re-reading every 10 minutes always sends a fresh one, as the SDKs do.
const AssertionMaxAge = 10 * time.Minute

const workloadHint = "workload identity needs AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE; the Azure Workload Identity webhook sets them in pods whose service account is labelled azure.workload.identity/use=true"

type workloadSettings struct {
	tenant, clientID, file, host string
}

func readWorkloadSettings(e env.Env) (workloadSettings, error) {
	s := workloadSettings{tenant: e.Get("AZURE_TENANT_ID"), clientID: e.Get("AZURE_CLIENT_ID")}
	file, fileSet := e.Lookup(tokenFileVar)
	s.file = file
	switch {
	case s.clientID == "":
		return s, chain.Unavailable(workloadHint, "missing environment variable AZURE_CLIENT_ID")
	case s.tenant == "":
		return s, chain.Unavailable(workloadHint, "missing environment variable AZURE_TENANT_ID")
	case !fileSet:
		// Set but empty counts as present, as in the Go SDK: the read
		// then fails and stops the chain, which is what a pod with a
		// broken projection should see.
		return s, chain.Unavailable(workloadHint, "missing environment variable "+tokenFileVar)
	}
	host, err := entraHost(e, s.tenant)
	if err != nil {
		return s, err
	}
	s.host = host
	return s, nil
}

// Workload is Kubernetes workload identity: a federated service account
// token exchanged for an Entra ID token.
type Workload struct {
	cfg      Config
	exchange federatedExchange

	// The assertion read from the file, and when.
	amu        sync.Mutex
	assertion  string
	assertedAt time.Time
}

// NewWorkload returns the workload identity source.
func NewWorkload(cfg Config) *Workload {
	return &Workload{cfg: cfg, exchange: federatedExchange{cfg: cfg}}
}

// Name implements chain.Source.
func (*Workload) Name() string { return chain.Workload }

// readAssertion returns the federated token, re-reading the file when the
// cached copy is older than AssertionMaxAge. A file that cannot be read is
// a failure that stops the chain: the pod was configured for workload
// identity, so going on to another identity would hide the problem.
func (w *Workload) readAssertion(path string) (string, error) {
	w.amu.Lock()
	defer w.amu.Unlock()
	now := w.cfg.Clock()
	if w.assertion != "" && now.Sub(w.assertedAt) < AssertionMaxAge {
		return w.assertion, nil
	}
	if path == "" {
		return "", chain.Failed(nil, "set "+tokenFileVar+" to the projected service account token's path (the webhook uses /var/run/secrets/azure/tokens/azure-identity-token), or unset it",
			"%s is set but empty, so there is no federated token to read", tokenFileVar)
	}
	data, err := safefile.Read(path, safefile.MaxSize)
	if err != nil {
		return "", chain.Failed(nil, "check the pod's projected service account token volume and "+tokenFileVar,
			"the federated token file %s %s", path, fileWhy(err))
	}
	a := strings.TrimSpace(string(data))
	if a == "" {
		return "", chain.Failed(nil, "check the pod's projected service account token volume; Kubernetes writes the token there",
			"the federated token file %s is empty", path)
	}
	w.assertion, w.assertedAt = a, now
	return a, nil
}

// GetToken implements chain.Source.
func (w *Workload) GetToken(ctx context.Context, req chain.Request) (chain.Token, error) {
	set, err := readWorkloadSettings(w.cfg.Env)
	if err != nil {
		return chain.Token{}, err
	}
	tenant, err := entraRequest(w.cfg.Env, set.tenant, req)
	if err != nil {
		return chain.Token{}, err
	}
	if err := appScopes(req, "workload identity"); err != nil {
		return chain.Token{}, err
	}
	// Read the file before anything is sent: a missing, empty or hostile
	// file is the problem to report, not whatever the network says first
	// (MSAL asks for the assertion only after resolving the authority).
	if _, err := w.readAssertion(set.file); err != nil {
		return chain.Token{}, err
	}
	target := federatedTarget{host: set.host, tenant: set.tenant, clientID: set.clientID, from: set.file}
	res, err := w.exchange.token(ctx, target, func(context.Context) (string, error) {
		return w.readAssertion(set.file)
	}, req.Scopes, tenant)
	if err != nil {
		w.amu.Lock()
		secret := w.assertion
		w.amu.Unlock()
		return chain.Token{}, TranslateMSAL(err, secret)
	}
	return tokenFromResult(res, tenant, "app "+set.clientID)
}

// CacheKey implements chain.Keyer. It names the app and the federated
// token's issuer and subject (as a digest), so that a token file for
// another identity is never answered from the cache. A file that cannot be
// read gives no key: GetToken will say why.
func (w *Workload) CacheKey(req chain.Request) (string, bool) {
	set, err := readWorkloadSettings(w.cfg.Env)
	if err != nil {
		return "", false
	}
	tenant, err := requestTenant(w.cfg.Env, set.tenant, req)
	if err != nil {
		return "", false
	}
	assertion, err := w.readAssertion(set.file)
	if err != nil {
		return "", false
	}
	return strings.Join([]string{chain.Workload, set.host, tenant, set.clientID, "federated", assertionDigest(assertion)}, "|"), true
}
