package source

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/managedidentity"
	"golang.org/x/sync/singleflight"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/httpx"
	"github.com/aztoken/aztoken/internal/resources"
)

// Managed is the managed identity source: IMDS on Azure VMs, and the local
// endpoints of App Service, Azure ML, Cloud Shell, Azure Arc and Service
// Fabric, all through MSAL's managedidentity package.
//
// On top of MSAL it adds what a CLI needs: an IMDS probe with its own
// timeout when managed identity is one of several sources, the IMDS host
// moved by AZURE_POD_IDENTITY_AUTHORITY_HOST, retries that honour
// Retry-After and never sleep past the caller's deadline, one request for
// many concurrent callers, and errors that say whether the chain should
// move on.
type Managed struct {
	cfg Config
	// himds reports whether Azure Arc's agent is installed; tests replace it.
	himds func() bool
	// retry shapes the retries of token requests; tests shorten it.
	retry retryPolicy
	// probed is set once IMDS has answered a probe, as azidentity does:
	// later requests go straight to the token endpoint.
	probed atomic.Bool
	// flights coalesces concurrent acquisitions of one token (and probes
	// of one host): MSAL sends one request per AcquireToken call even
	// when many run at once (MSAL issue #569), and IMDS throttles.
	flights singleflight.Group

	// mu guards client and httpClient, the MSAL client this source
	// asks through, made on first use. It lives and dies with the
	// source, as azidentity's managed identity client does: whoever
	// keeps the source (get for one run, serve per identity, bounded)
	// bounds the clients. MSAL keeps its token cache for the whole
	// process itself, so nothing is lost between two sources.
	mu         sync.Mutex
	client     *managedidentity.Client
	httpClient *http.Client
}

// NewManaged returns the managed identity source.
func NewManaged(cfg Config) *Managed {
	return &Managed{cfg: cfg, himds: himdsInstalled(cfg.Env), retry: defaultRetryPolicy()}
}

// Name is chain.Managed.
func (m *Managed) Name() string { return chain.Managed }

// managedPlan is what the configuration makes of managed identity, worked
// out without sending anything, so GetToken, Describe and CacheKey agree.
type managedPlan struct {
	kind ManagedKind
	why  string
	// endpoint is the token URL after any IMDS host move.
	endpoint string
	// imdsTarget is AZURE_POD_IDENTITY_AUTHORITY_HOST's scheme and host
	// when it moves IMDS; nil otherwise.
	imdsTarget *url.URL
	id         managedID
	warnings   []string
	// err is a configuration error: the source is unavailable.
	err error
}

func (m *Managed) plan() managedPlan {
	e := m.cfg.Env
	var p managedPlan
	p.kind, p.why = detectManaged(e, m.himds)
	p.endpoint = managedEndpoint(p.kind, e)

	if e.Get(envIdentityEndpoint) != "" && e.Get(envMSIEndpoint) != "" {
		p.warnings = append(p.warnings, "both IDENTITY_ENDPOINT and MSI_ENDPOINT are set; the first-match rule chose "+p.kind.Title()+", which is probably not what one of them was meant for")
	}
	if pod := e.Get(envPodIdentityHost); pod != "" {
		if p.kind != ManagedIMDS {
			p.warnings = append(p.warnings, "AZURE_POD_IDENTITY_AUTHORITY_HOST is set but ignored: it moves IMDS, and this machine uses "+p.kind.Title())
		} else if u, err := podIdentityHost(pod); err != nil {
			p.err = err
		} else {
			p.imdsTarget = u
			p.endpoint = rewriteIMDS(u, p.endpoint)
			p.warnings = append(p.warnings, "AZURE_POD_IDENTITY_AUTHORITY_HOST moves IMDS to "+u.String())
		}
	}

	id, err := resolveManagedID(m.cfg)
	if err == nil {
		err = checkIDSupported(p.kind, id)
	}
	if err != nil && p.err == nil {
		p.err = err
	}
	p.id = id
	if id.from == envAzureClientID {
		p.warnings = append(p.warnings, "AZURE_CLIENT_ID makes managed identity user-assigned (client_id="+id.value+"), as in the SDKs' default chain; unset it, or pass --client-id, --object-id or --resource-id, to choose explicitly")
	}
	return p
}

// TargetHost is the host:port managed identity would send its token
// requests to, with the port spelled out (80 or 443 when the URL leaves
// it out), from the same variables and rules as GetToken; "" when the
// configuration is unusable. serve uses it to notice it would be asking
// itself.
func (m *Managed) TargetHost() string {
	p := m.plan()
	if p.err != nil {
		return ""
	}
	u, err := url.Parse(p.endpoint)
	if err != nil || u.Host == "" {
		return ""
	}
	if u.Port() != "" {
		return u.Host
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// host is the endpoint's host[:port], for cache keys and messages.
func (p managedPlan) host() string {
	if u, err := url.Parse(p.endpoint); err == nil && u.Host != "" {
		return u.Host
	}
	return p.endpoint
}

// rewriteIMDS returns raw with IMDS's host replaced by target's; with no
// target (IMDS where Azure puts it), raw as it is.
func rewriteIMDS(target *url.URL, raw string) string {
	u, err := url.Parse(raw)
	if err != nil || target == nil {
		return raw
	}
	imdsRewrite(target)(u)
	return u.String()
}

// imdsRewrite returns the httpx rewrite that sends IMDS requests to
// target, or nil when IMDS stays where it is.
func imdsRewrite(target *url.URL) func(*url.URL) {
	if target == nil {
		return nil
	}
	return func(u *url.URL) {
		if u.Hostname() == imdsHost {
			u.Scheme, u.Host = target.Scheme, target.Host
		}
	}
}

// managedResource turns the request's one scope into a resource.
func managedResource(req chain.Request) (string, error) {
	if req.Tenant != "" {
		return "", chain.Unavailable("drop --tenant, or use a source that signs in to a tenant of your choice (az, a service principal)",
			"managed identity can't choose a tenant: it answers as the identity assigned to this resource, in that resource's tenant, and tenant %q was requested", req.Tenant)
	}
	scope, err := oneScope(req, "managed identity")
	if err != nil {
		return "", err
	}
	if err := resources.Validate(scope); err != nil {
		return "", chain.Failed(nil, "use a scope such as https://vault.azure.net/.default",
			"scope %q %s", scope, err)
	}
	if err := appScopes(req, "managed identity"); err != nil {
		return "", err
	}
	return resources.FromScope(scope), nil
}

// GetToken acquires a token from the detected managed identity endpoint.
func (m *Managed) GetToken(ctx context.Context, req chain.Request) (chain.Token, error) {
	p := m.plan()
	if p.err != nil {
		return chain.Token{}, p.err
	}
	resource, err := managedResource(req)
	if err != nil {
		return chain.Token{}, err
	}
	if err := checkMSALAgrees(p, m.cfg.Env); err != nil {
		return chain.Token{}, err
	}
	if m.cfg.ProbeIMDS && p.kind == ManagedIMDS && !m.probed.Load() {
		if err := m.probe(ctx, p); err != nil {
			return chain.Token{}, err
		}
		m.probed.Store(true)
	}
	client, err := m.msalClient(p)
	if err != nil {
		return chain.Token{}, chain.Failed(err, "", "%s managed identity could not be set up: %s", p.kind.Title(), scrubMI(err.Error(), m.cfg.Env))
	}

	key := strings.Join([]string{string(p.kind), p.host(), p.id.kind, p.id.value, resource}, "|")
	ch := m.flights.DoChan(key, func() (any, error) {
		// The flight outlives a caller that gives up early, for the sake of
		// the others waiting on it, but not the leader's deadline; the
		// leader's recorder still sees the requests.
		fctx := context.WithoutCancel(ctx)
		if dl, ok := ctx.Deadline(); ok {
			var cancel context.CancelFunc
			fctx, cancel = context.WithDeadline(fctx, dl)
			defer cancel()
		}
		tr := &miTrace{kind: p.kind, policy: m.retry}
		fctx = miWithTrace(fctx, tr)
		ar, err := client.AcquireToken(fctx, resource)
		if err != nil {
			return chain.Token{}, classifyManaged(p, m.cfg, tr, err)
		}
		if ar.AccessToken == "" {
			return chain.Token{}, chain.Failed(nil, "", "%s answered without an access_token", p.kind.Title())
		}
		return chain.Token{
			AccessToken: ar.AccessToken,
			TokenType:   "Bearer",
			ExpiresOn:   ar.ExpiresOn,
			RefreshOn:   ar.Metadata.RefreshOn,
			Identity:    p.id.String(),
		}, nil
	})
	select {
	case r := <-ch:
		tok, _ := r.Val.(chain.Token)
		return tok, r.Err
	case <-ctx.Done():
		return chain.Token{}, miDeadlineError(ctx, p.kind, "")
	}
}

// miDeadlineError reports a caller's context that ended while waiting.
func miDeadlineError(ctx context.Context, k ManagedKind, detail string) error {
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return ctx.Err()
	}
	msg := "the " + k.Title() + " endpoint did not answer before the deadline"
	if detail != "" {
		msg += " (" + detail + ")"
	}
	return chain.TimedOut("raise --timeout, or exclude managed identity with --exclude mi", "%s", msg)
}

// checkMSALAgrees refuses to go on when MSAL, which reads the process
// environment, would pick another endpoint than the environment we were
// given: MSAL would then send a secret header somewhere explain never
// showed. In production both are the process environment.
func checkMSALAgrees(p managedPlan, given env.Env) error {
	src, err := managedidentity.GetSource()
	if err != nil {
		return chain.Failed(err, "", "managed identity could not read its environment: %s", err)
	}
	process := env.OS()
	msalEndpoint := managedEndpoint(msalKind(src), process)
	if msalKind(src) == p.kind && msalEndpoint == managedEndpoint(p.kind, given) {
		return nil
	}
	return chain.Failed(nil, "run aztoken with the environment you mean to use",
		"managed identity reads the process environment, which selects %s at %s, but the configuration selects %s at %s",
		msalKind(src).Title(), miRedactEndpoint(msalEndpoint), p.kind.Title(), miRedactEndpoint(managedEndpoint(p.kind, given)))
}

func miRedactEndpoint(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "an unparsable URL"
	}
	return httpx.RedactURL(u)
}

func msalKind(s managedidentity.Source) ManagedKind {
	switch s {
	case managedidentity.ServiceFabric:
		return ManagedServiceFabric
	case managedidentity.AppService:
		return ManagedAppService
	case managedidentity.AzureML:
		return ManagedAzureML
	case managedidentity.CloudShell:
		return ManagedCloudShell
	case managedidentity.AzureArc:
		return ManagedAzureArc
	}
	return ManagedIMDS
}

// msalClient returns the source's MSAL client, making it on first use.
// The plan comes from the source's own configuration, which does not
// change, so one client serves every request of this source.
func (m *Managed) msalClient(p managedPlan) (*managedidentity.Client, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.client != nil {
		return m.client, nil
	}
	// Managed identity alone makes no probe; where nothing routes IMDS's
	// address (a laptop) the connection then never completes, so
	// --imds-timeout bounds establishing it instead.
	var dial time.Duration
	if p.kind == ManagedIMDS && !m.cfg.ProbeIMDS {
		dial = imdsTimeoutOf(m.cfg)
	}
	var id managedidentity.ID = managedidentity.SystemAssigned()
	switch p.id.kind {
	case "client_id":
		id = managedidentity.UserAssignedClientID(p.id.value)
	case "object_id":
		id = managedidentity.UserAssignedObjectID(p.id.value)
	case "resource_id":
		id = managedidentity.UserAssignedResourceID(p.id.value)
	}
	hc := m.cfg.HTTPClient(httpx.Options{Rewrite: imdsRewrite(p.imdsTarget), DialTimeout: dial})
	// Retries are ours (see miHTTP): MSAL's wait a fixed second, ignore
	// Retry-After and allow each attempt a minute.
	c, err := managedidentity.New(id, managedidentity.WithHTTPClient(&miHTTP{client: hc}), managedidentity.WithRetryPolicyDisabled())
	if err != nil {
		return nil, err
	}
	m.client, m.httpClient = &c, hc
	return m.client, nil
}

// CloseIdleConnections closes the connections the source keeps open to
// its endpoint between requests. serve calls it when it drops the source
// of an identity no client has asked for lately, so that a dropped
// source holds no socket until the idle timeout.
func (m *Managed) CloseIdleConnections() {
	m.mu.Lock()
	hc := m.httpClient
	m.mu.Unlock()
	if hc != nil {
		hc.CloseIdleConnections()
	}
}

// defaultIMDSTimeout bounds the IMDS probe when --imds-timeout is not set.
const defaultIMDSTimeout = time.Second
