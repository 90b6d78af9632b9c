package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/httpx"
	"github.com/aztoken/aztoken/internal/redact"
)

// ErrIdentityNotFound is what a Provider returns when it cannot give a
// token for the user-assigned identity a client asked for. Clients get
// the protocol's own "identity not found" answer, as Azure gives when the
// identity is not assigned to the resource, and never another identity's
// token.
var ErrIdentityNotFound = errors.New("identity not found")

// UpstreamError is an answer from the endpoint a Provider asked, with its
// HTTP status, so that serve answers an upstream that is down (5xx) with
// 503 and one that timed out with 504, which SDKs retry, and not with 400,
// which they do not.
type UpstreamError struct {
	Status int
	Msg    string
}

func (e *UpstreamError) Error() string { return e.Msg }

// Relay is a Provider that passes each request to another
// managed-identity endpoint over the App Service protocol: typically
// `aztoken serve` on the docker host, reached from a relay that answers
// IMDS inside a docker network. The upstream's secret travels only in the
// X-IDENTITY-HEADER header; no error or log line holds it.
type Relay struct {
	endpoint *url.URL
	secret   string
	client   *http.Client
}

// NewRelay checks the upstream's URL (IDENTITY_ENDPOINT) and secret
// (IDENTITY_HEADER). client may be nil.
func NewRelay(endpoint, secret string, client *http.Client) (*Relay, error) {
	if endpoint == "" || secret == "" {
		return nil, errors.New("the relay passes requests to the endpoint named by IDENTITY_ENDPOINT with the secret in IDENTITY_HEADER; set both in this process's environment (the upstream aztoken serve prints them at start)")
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("IDENTITY_ENDPOINT=%q is not an http or https URL such as http://host.docker.internal:8079/msi/token", bounded(endpoint, 200))
	}
	if strings.ContainsAny(secret, "\r\n") {
		return nil, errors.New("IDENTITY_HEADER holds a line break; it must be the secret alone")
	}
	if client == nil {
		client = relayClient()
	}
	return &Relay{endpoint: u, secret: secret, client: client}, nil
}

// relayClient talks to the upstream directly: never through an
// HTTP_PROXY from the environment (the upstream is on this host or its
// docker host, and a proxy would see the secret header), never following
// a redirect (which would carry the secret elsewhere), with the loopback
// guard and bounded bodies of every aztoken client.
func relayClient() *http.Client {
	return &http.Client{
		Timeout: 60 * time.Second,
		Transport: httpx.Wrap(&http.Transport{
			Proxy:               nil,
			DialContext:         httpx.Dialer().DialContext,
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     30 * time.Second,
		}),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Endpoint is the upstream's URL, which holds no secret.
func (r *Relay) Endpoint() string { return r.endpoint.String() }

// Token asks the upstream for the resource and identity.
func (r *Relay) Token(ctx context.Context, resource string, id Identity) (chain.Token, error) {
	u := *r.endpoint
	q := u.Query()
	q.Set("api-version", appServiceAPIVersion)
	q.Set("resource", resource)
	switch {
	case id.ClientID != "":
		q.Set("client_id", id.ClientID)
	case id.ObjectID != "":
		q.Set("object_id", id.ObjectID)
	case id.ResourceID != "":
		q.Set("mi_res_id", id.ResourceID)
	}
	u.RawQuery = q.Encode()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return chain.Token{}, chain.Failed(err, "", "the relay could not build its request")
	}
	hreq.Header.Set(secretHeader, r.secret)
	hreq.Header.Set("Accept", "application/json")
	resp, err := r.client.Do(hreq)
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
			return chain.Token{}, chain.TimedOut("check that the upstream aztoken serve is running and answers", "the upstream %s did not answer in time", r.Endpoint())
		}
		return chain.Token{}, &UpstreamError{Status: http.StatusServiceUnavailable, Msg: redact.Scrub(fmt.Sprintf("the upstream %s could not be reached: %v; check that aztoken serve runs there and that IDENTITY_ENDPOINT names it", r.Endpoint(), err), r.secret)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return chain.Token{}, &UpstreamError{Status: http.StatusBadGateway, Msg: fmt.Sprintf("reading the upstream's answer failed: %v", err)}
	}
	if resp.StatusCode != http.StatusOK {
		return chain.Token{}, r.refusal(resp.StatusCode, body, !id.IsZero())
	}
	return parseAppServiceToken(body)
}

// refusal turns the upstream's error answer into the error serve answers
// its own client with.
func (r *Relay) refusal(status int, body []byte, userAssigned bool) error {
	var e struct {
		Message     string `json:"message"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(body, &e)
	msg := e.Message
	if msg == "" {
		msg = e.Description
	}
	msg = redact.Excerpt(msg, 500, r.secret)
	lower := strings.ToLower(msg)
	switch {
	case status == http.StatusBadRequest && userAssigned && (strings.Contains(lower, "identity found") || strings.Contains(lower, "identity not found")):
		return fmt.Errorf("the upstream %s: %s: %w", r.Endpoint(), msg, ErrIdentityNotFound)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return chain.Failed(nil, "set IDENTITY_HEADER to the secret the upstream aztoken serve printed at its start", "the upstream %s refused this relay's secret (%d): %s", r.Endpoint(), status, msg)
	case status >= 500:
		return &UpstreamError{Status: status, Msg: fmt.Sprintf("the upstream %s answered %d: %s", r.Endpoint(), status, msg)}
	}
	return chain.Failed(nil, "", "the upstream %s answered %d: %s", r.Endpoint(), status, msg)
}

// parseAppServiceToken reads an App Service token answer: expires_on in
// epoch seconds, as a string or a number.
func parseAppServiceToken(body []byte) (chain.Token, error) {
	var v struct {
		AccessToken string          `json:"access_token"`
		ExpiresOn   json.RawMessage `json:"expires_on"`
		TokenType   string          `json:"token_type"`
		ClientID    string          `json:"client_id"`
	}
	if err := json.Unmarshal(body, &v); err != nil || v.AccessToken == "" {
		return chain.Token{}, &UpstreamError{Status: http.StatusBadGateway, Msg: "the upstream's answer is not an App Service token answer (JSON with access_token and expires_on)"}
	}
	sec, err := strconv.ParseInt(strings.Trim(string(v.ExpiresOn), `"`), 10, 64)
	if err != nil {
		return chain.Token{}, &UpstreamError{Status: http.StatusBadGateway, Msg: "the upstream's expires_on is not epoch seconds"}
	}
	return chain.Token{
		AccessToken: v.AccessToken,
		TokenType:   v.TokenType,
		ExpiresOn:   time.Unix(sec, 0),
		Identity:    v.ClientID,
	}, nil
}
