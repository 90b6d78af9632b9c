package source

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
)

var (
	_ chain.Source    = (*Pipeline)(nil)
	_ chain.Describer = (*Pipeline)(nil)
	_ chain.Keyer     = (*Pipeline)(nil)
)

// Pipeline is a CI job's own identity: the OIDC token GitHub Actions or
// Azure Pipelines hands every job (or any CI's token in a variable),
// exchanged with Entra ID through a federated credential on an app
// registration or user-assigned identity. No login step, no secret.
type Pipeline struct {
	cfg      Config
	exchange federatedExchange

	// last holds the claims and the value of the last assertion sent,
	// so that Entra ID's refusal can quote the subject the CI sent and
	// no message can quote the assertion.
	mu            sync.Mutex
	last          federatedClaims
	lastAssertion string
}

// NewPipeline returns the pipeline source.
func NewPipeline(cfg Config) *Pipeline {
	return &Pipeline{cfg: cfg, exchange: federatedExchange{cfg: cfg}}
}

// Name implements chain.Source.
func (*Pipeline) Name() string { return chain.Pipeline }

// GetToken implements chain.Source.
func (p *Pipeline) GetToken(ctx context.Context, req chain.Request) (chain.Token, error) {
	set, err := readPipelineSettings(p.cfg)
	if err != nil {
		return chain.Token{}, err
	}
	tenant, err := entraRequest(p.cfg.Env, set.tenant, req)
	if err != nil {
		return chain.Token{}, err
	}
	if err := appScopes(req, "the pipeline's federated identity"); err != nil {
		return chain.Token{}, err
	}
	target := federatedTarget{host: set.host, tenant: set.tenant, clientID: set.clientID, from: set.origin()}
	res, err := p.exchange.token(ctx, target, func(ctx context.Context) (string, error) {
		return p.assertion(ctx, set)
	}, req.Scopes, tenant)
	if err != nil {
		return chain.Token{}, p.translate(err, set)
	}
	return tokenFromResult(res, tenant, "app "+set.clientID)
}

// assertion gets the token to present, for every exchange anew: MSAL
// calls it only when it goes to Entra ID, so the assertion sent is never
// more than the few seconds of one exchange old. A token already expired
// is refused here, where the message can say why, rather than by Entra ID
// with AADSTS700024.
func (p *Pipeline) assertion(ctx context.Context, s pipelineSettings) (string, error) {
	tok, where := s.token, "the federated token in $"+s.tokenVar
	if s.kind != ciVariable {
		var err error
		if tok, err = p.fetchOIDCToken(ctx, s); err != nil {
			return "", err
		}
		where = "the OIDC token " + s.ciName() + " issued"
	}
	c, err := readFederatedClaims(tok, where)
	if err != nil {
		return "", err
	}
	p.mu.Lock()
	p.last, p.lastAssertion = c, tok
	p.mu.Unlock()
	now := p.cfg.Clock()
	if !c.ExpiresAt.IsZero() && !c.ExpiresAt.After(now) {
		hint := "check the runner's clock: " + s.ciName() + " issued the token just now"
		if s.kind == ciVariable {
			hint = "a token in a variable cannot be renewed: run aztoken earlier in the job, or have the CI issue tokens that live as long as the job"
		}
		return "", chain.Failed(errStaleAssertion, hint, "%s expired at %s, %s ago, so Entra ID would refuse it (AADSTS700024)",
			where, c.ExpiresAt.UTC().Format(time.RFC3339), now.Sub(c.ExpiresAt).Round(time.Second))
	}
	return tok, nil
}

// errStaleAssertion is the cause of a refusal to send an expired token.
var errStaleAssertion = errors.New("federated token expired")

// translate turns MSAL's error into one sentence, naming what Entra ID
// compared when it found no matching federated credential.
func (p *Pipeline) translate(err error, s pipelineSettings) error {
	p.mu.Lock()
	c, sent := p.last, p.lastAssertion
	p.mu.Unlock()
	out := TranslateMSAL(err, append(s.secrets(), sent)...)
	var ee *EntraError
	if !errors.As(out, &ee) {
		return out
	}
	aud := strings.Join(c.Audience, " ")
	var msg, hint string
	switch ee.AADSTS {
	case "AADSTS70021", "AADSTS700213":
		msg = fmt.Sprintf("no federated credential on app %s matches the subject %q that %s sent (issuer %s, audience %s)", s.clientID, c.Subject, s.ciName(), c.Issuer, aud)
		hint = subjectHint(s, c)
	case "AADSTS700212":
		msg = fmt.Sprintf("no federated credential on app %s accepts the audience %q of the token %s sent", s.clientID, aud, s.ciName())
		hint = "the token's audience must equal the federated credential's (" + DefaultOIDCAudience + " unless changed): pass --oidc-audience with the credential's audience, or fix the credential"
	case "AADSTS700211":
		msg = fmt.Sprintf("no federated credential on app %s trusts the issuer %q of the token %s sent", s.clientID, c.Issuer, s.ciName())
		hint = "add a federated credential with this issuer to the app, or check AZURE_CLIENT_ID and AZURE_TENANT_ID"
	case "AADSTS700024":
		msg = fmt.Sprintf("Entra ID found the token %s sent outside its valid time range", s.ciName())
		hint = "check the runner's clock; aztoken asks for a new token for every exchange"
		if s.kind == ciVariable {
			hint = "the token in $" + s.tokenVar + " has expired or is not yet valid; a token in a variable cannot be renewed, so run aztoken earlier in the job"
		}
	default:
		return out
	}
	return chain.Failed(ee, hint, "%s: %s", msg, ee.AADSTS)
}

// subjectHint says how each CI builds the subject Entra ID compares.
func subjectHint(s pipelineSettings, c federatedClaims) string {
	add := fmt.Sprintf("add a federated credential to app %s with issuer %s and subject %s", s.clientID, c.Issuer, c.Subject)
	switch s.kind {
	case ciGitHub:
		return add + "; GitHub's subject names the repository and the branch, tag, environment or pull request, so each needs its own credential (or use a flexible federated credential)"
	case ciAzurePipelines:
		return "the service connection's federated credential must have issuer " + c.Issuer + " and subject " + c.Subject + "; open the service connection in Azure DevOps to see both, and fix the credential on the app"
	}
	return add
}

// CacheKey implements chain.Keyer. It names the app, where the assertion
// comes from (for GitHub and Azure Pipelines the job's own OIDC endpoint,
// so no other job is ever answered from the cache) and a digest of the
// credential: the job's request token, or for a token in a variable its
// issuer and subject, the identity Entra ID maps it to. Never a token.
func (p *Pipeline) CacheKey(req chain.Request) (string, bool) {
	set, err := readPipelineSettings(p.cfg)
	if err != nil {
		return "", false
	}
	tenant, err := requestTenant(p.cfg.Env, set.tenant, req)
	if err != nil {
		return "", false
	}
	cred := assertionDigest(set.token)
	if set.kind != ciVariable {
		// The job's request token stands for the assertion it yields: a
		// wrong one must reach the CI and be refused, not be answered
		// from the cache.
		cred = credentialDigest("oidc-request", set.requestToken)
	}
	return strings.Join([]string{chain.Pipeline, set.host, tenant, set.clientID, set.origin(), cred}, "|"), true
}
