package fakeazure

import (
	"net/http"
	"strings"
	"time"

	"github.com/aztoken/aztoken/internal/mint"
)

// GitHub Actions' OIDC issuer and the subject of a push to main in the
// fake's repository.
const (
	GitHubIssuer  = "https://token.actions.githubusercontent.com"
	GitHubSubject = "repo:octo-org/octo-repo:ref:refs/heads/main"
)

// EndpointGitHubOIDC is the GitHub fake's one endpoint: GET
// …/idtoken?api-version=2.0&audience=A with the job's request token.
const EndpointGitHubOIDC = "github-oidc"

// GitHubOIDCOptions configures a GitHub Actions OIDC fake. The zero value
// serves the main branch of octo-org/octo-repo.
type GitHubOIDCOptions struct {
	// Subject of issued tokens; empty means GitHubSubject.
	Subject string
	// Lifetime of issued tokens; 0 means DefaultCILifetime.
	Lifetime time.Duration
	// Minter signs tokens; nil means a new key.
	Minter *mint.Minter
}

// GitHubOIDC is a running fake of the endpoint a GitHub Actions job asks
// for its OIDC token (what actions/core's getIDToken calls), on plain
// HTTP on loopback. It checks the job's request token and mints a token
// with the audience asked for, signed by its own key.
type GitHubOIDC struct {
	ciFake
	subject      string
	requestToken string
	path         string
}

// NewGitHubOIDC starts a GitHub Actions OIDC fake.
func NewGitHubOIDC(opts GitHubOIDCOptions) (*GitHubOIDC, error) {
	iss, err := newOIDCIssuer(GitHubIssuer, opts.Minter, opts.Lifetime)
	if err != nil {
		return nil, err
	}
	g := &GitHubOIDC{
		ciFake:       ciFake{issuer: iss, name: "GitHub OIDC", endpoint: EndpointGitHubOIDC},
		subject:      opts.Subject,
		requestToken: "ghs_" + strings.ReplaceAll(randomID(), "-", ""),
		path:         "/_apis/distributedtask/hubs/Actions/plans/" + randomID() + "/jobs/" + randomID() + "/idtoken",
	}
	if g.subject == "" {
		g.subject = GitHubSubject
	}
	if err := g.start(http.MethodGet, g.path, g.idToken); err != nil {
		return nil, err
	}
	return g, nil
}

// RequestURL is what GitHub puts in ACTIONS_ID_TOKEN_REQUEST_URL.
func (g *GitHubOIDC) RequestURL() string { return g.URL() + g.path + "?api-version=2.0" }

// RequestToken is the job's ACTIONS_ID_TOKEN_REQUEST_TOKEN, a secret.
func (g *GitHubOIDC) RequestToken() string { return g.requestToken }

// Subject is the sub claim of issued tokens.
func (g *GitHubOIDC) Subject() string { return g.subject }

// Env returns the variables GitHub sets in a job with
// `permissions: id-token: write`.
func (g *GitHubOIDC) Env() map[string]string {
	return map[string]string{
		"GITHUB_ACTIONS":                 "true",
		"GITHUB_RUN_ID":                  "1001",
		"GITHUB_RUN_ATTEMPT":             "1",
		"GITHUB_JOB":                     "build",
		"ACTIONS_ID_TOKEN_REQUEST_URL":   g.RequestURL(),
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN": g.requestToken,
	}
}

// Credential is the federated credential that accepts this fake's tokens
// for audience: register it with Entra.AddFederatedCredential.
func (g *GitHubOIDC) Credential(audience string) FederatedCredential {
	return g.issuer.credential(g.subject, audience)
}

func (g *GitHubOIDC) idToken(x *exchange) reply {
	r := x.r
	if !bearerIs(r, g.requestToken) {
		return ciError(http.StatusUnauthorized, "Bad credentials: the request token is not this job's")
	}
	aud := r.URL.Query().Get("audience")
	if aud == "" {
		// GitHub's default audience is the URL of the repository owner.
		owner, _, _ := strings.Cut(strings.TrimPrefix(g.subject, "repo:"), "/")
		aud = "https://github.com/" + owner
	}
	tok, err := g.issuer.mint(g.subject, aud, x.fault, map[string]any{
		"repository": "octo-org/octo-repo",
		"ref":        "refs/heads/main",
		"event_name": "push",
	})
	if err != nil {
		return ciError(http.StatusInternalServerError, err.Error())
	}
	return jsonReply(http.StatusOK, map[string]any{"count": 1, "value": tok})
}

// bearerIs checks an Authorization: Bearer header.
func bearerIs(r *http.Request, want string) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && want != "" && got == want
}

// Mint issues a token as the endpoint would for audience, for tests of a
// token handed over in a variable (any CI's `--federated-token-env`).
// expired makes it one long expired.
func (g *GitHubOIDC) Mint(audience string, expired bool) (string, error) {
	return g.issuer.mint(g.subject, audience, Fault{AlreadyExpiredToken: expired}, nil)
}
