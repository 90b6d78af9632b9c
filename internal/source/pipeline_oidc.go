package source

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/claims"
	"github.com/aztoken/aztoken/internal/httpx"
	"github.com/aztoken/aztoken/internal/redact"
)

// adoOIDCAPIVersion is the Azure DevOps REST version azidentity's
// AzurePipelinesCredential asks for.
const adoOIDCAPIVersion = "7.1"

// oidcRequestTimeout bounds one request to the CI's OIDC endpoint; the
// command's --timeout bounds it too.
const oidcRequestTimeout = 20 * time.Second

// oidcRequest is the request for the CI's OIDC token, as GitHub's
// actions/core getIDToken and azidentity's AzurePipelinesCredential send
// it. It carries the request token, so it is never logged whole: -v and
// explain show only the method, the URL and the header names.
func oidcRequest(ctx context.Context, s pipelineSettings) (*http.Request, error) {
	u, err := url.Parse(s.requestURL)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	method := http.MethodGet
	if s.kind == ciAzurePipelines {
		method = http.MethodPost
		q.Set("api-version", adoOIDCAPIVersion)
		q.Set("serviceConnectionId", s.connectionID)
	} else {
		q.Set("audience", s.audience)
	}
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+s.requestToken)
	req.Header.Set("Accept", "application/json")
	if s.kind == ciAzurePipelines {
		req.Header.Set("Content-Type", "application/json")
		// Without it Azure DevOps answers a bad token with a redirect to
		// its sign-in page instead of a 401.
		req.Header.Set("X-TFS-FedAuthRedirect", "Suppress")
	}
	return req, nil
}

// fetchOIDCToken asks the CI for a new OIDC token. Every call asks anew:
// GitHub's tokens live minutes, and exchanging an old one is what gives
// users AADSTS700024.
func (p *Pipeline) fetchOIDCToken(ctx context.Context, s pipelineSettings) (string, error) {
	req, err := oidcRequest(ctx, s)
	if err != nil {
		return "", chain.Failed(err, "", "cannot build the OIDC request for %s: %s", s.ciName(), firstLine(err.Error()))
	}
	client := p.cfg.HTTPClient(httpx.Options{Timeout: oidcRequestTimeout, Retry: true})
	resp, err := client.Do(req)
	if err != nil {
		return "", oidcTransportError(s, req, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", chain.Failed(err, "try again; a proxy between the runner and "+req.URL.Host+" may be cutting connections",
			"the answer of %s's OIDC endpoint could not be read: %s", s.ciName(), firstLine(redact.Scrub(err.Error(), s.secrets()...)))
	}
	if resp.StatusCode != http.StatusOK {
		return "", oidcStatusError(s, resp.StatusCode, body)
	}
	var answer struct {
		Value     string `json:"value"`     // GitHub
		OIDCToken string `json:"oidcToken"` // Azure DevOps
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return "", chain.Failed(err, notTheCI(s),
			"%s's OIDC endpoint answered with something other than JSON", s.ciName())
	}
	tok := answer.Value
	if s.kind == ciAzurePipelines {
		tok = answer.OIDCToken
	}
	if tok == "" {
		return "", chain.Failed(nil, notTheCI(s),
			"%s's OIDC endpoint answered without a token", s.ciName())
	}
	return tok, nil
}

// notTheCI is the hint for an answer no CI would give.
func notTheCI(s pipelineSettings) string {
	return "check " + s.urlVar() + "; something other than " + s.ciName() + " answered"
}

func oidcTransportError(s pipelineSettings, req *http.Request, err error) error {
	var nl *httpx.ErrNotLoopback
	switch {
	case errors.As(err, &nl):
		return chain.Failed(nl, "point the CI's OIDC variables at a loopback fake, or unset "+httpx.LoopbackOnlyEnv, "%s", nl.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return chain.Failed(context.DeadlineExceeded, "raise --timeout, or check the runner's network",
			"%s's OIDC endpoint at %s did not answer in time", s.ciName(), req.URL.Host)
	case errors.Is(err, context.Canceled):
		return chain.Failed(context.Canceled, "", "the OIDC request was cancelled")
	}
	return chain.Failed(errors.New("connection failed"), "check the runner's network and HTTPS_PROXY",
		"could not reach %s's OIDC endpoint at %s", s.ciName(), req.URL.Host)
}

// oidcStatusError says what each CI's refusals mean. Bodies are quoted
// only in excerpt, and scrubbed: a CI may echo what it was sent.
func oidcStatusError(s pipelineSettings, status int, body []byte) error {
	// The service's own message, bounded and scrubbed, after our sentence:
	// Azure DevOps says which connection and stage it means, and a 401
	// and a 404 must not look alike.
	ex := redact.Excerpt(adoMessage(body), excerptLen, s.secrets()...)
	quote := func(sentence string) string {
		if ex == "" {
			return sentence
		}
		return sentence + ": " + ex
	}
	what := quote(fmt.Sprintf("%s refused the OIDC token request (HTTP %d)", s.ciName(), status))
	cause := fmt.Errorf("HTTP %d", status)
	switch {
	case s.kind == ciGitHub && status == http.StatusForbidden:
		return chain.Failed(cause, "give the job `permissions: id-token: write` (at the workflow or job level); GitHub gives no OIDC token to pull requests from forks", "%s", what)
	case s.kind == ciGitHub && status == http.StatusUnauthorized:
		return chain.Failed(cause, ghTokenVar+" is valid only while its own job runs; do not copy it to another job or set it by hand", "%s", what)
	case s.kind == ciAzurePipelines && (status == http.StatusUnauthorized || status == http.StatusFound || status == http.StatusNonAuthoritativeInfo):
		return chain.Failed(cause, "map the job's token into the step with `env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)`; a token from another job or a personal access token is refused",
			"%s", quote(fmt.Sprintf("Azure DevOps refused %s, the job's access token (HTTP %d)", adoTokenVar, status)))
	case s.kind == ciAzurePipelines && status == http.StatusNotFound:
		return chain.Failed(cause, fmt.Sprintf("check service connection %s: its id ends the URL of its page (Project settings > Service connections, resourceId=<id>), this pipeline must be allowed to use it, and the stage must reference it (a task's azureSubscription input, say)", s.connectionID),
			"%s", quote(fmt.Sprintf("Azure DevOps found no service connection %s that this pipeline may use here (HTTP 404)", s.connectionID)))
	case s.kind == ciAzurePipelines && status == http.StatusBadRequest:
		return chain.Failed(cause, "check --service-connection-id or "+adoConnVar+": it must be the id (a GUID) of an Azure Resource Manager service connection that uses workload identity federation", "%s", what)
	case status >= 300 && status < 400:
		return chain.Failed(cause, "check "+s.urlVar()+"; a proxy may be redirecting the runner's requests",
			"%s's OIDC endpoint answered with a redirect (HTTP %d), which aztoken does not follow: the job's request token goes nowhere else", s.ciName(), status)
	}
	return chain.Failed(cause, "try again; if it persists, check the CI's status page", "%s", what)
}

// adoMessage picks the message out of an Azure DevOps or GitHub JSON
// error, or returns the body as it is.
func adoMessage(body []byte) string {
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &e) == nil && e.Message != "" {
		return e.Message
	}
	return string(body)
}

// federatedClaims are the claims of a federated token that Entra ID
// matches against a federated credential. They are not secret; the token
// that carries them is.
type federatedClaims struct {
	Issuer, Subject string
	Audience        []string
	ExpiresAt       time.Time
}

// readFederatedClaims decodes, without verifying, what Entra ID will
// match. where names the token in messages, never quoting it.
func readFederatedClaims(token, where string) (federatedClaims, error) {
	c, err := claims.Decode(token)
	if err != nil {
		return federatedClaims{}, chain.Failed(err, "", "%s is not a JWT, so Entra ID cannot accept it", where)
	}
	sub, _ := c.Raw["sub"].(string)
	return federatedClaims{Issuer: c.Issuer, Subject: sub, Audience: c.Audience, ExpiresAt: c.ExpiresAt}, nil
}
