package fakeazure

import (
	"crypto/x509"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aztoken/aztoken/internal/mint"
)

// EntraOptions configures an Entra ID fake. The zero value is usable: one
// tenant (DefaultTenantID), one-hour tokens, a fresh signing key and no
// registered clients.
type EntraOptions struct {
	// Addr is the listen address; empty means 127.0.0.1 on a free port.
	Addr string
	// Tenants are the tenant ids (or domain names) the fake knows; any
	// other tenant gets AADSTS90002. The first one is the home tenant of
	// "common" and "organizations". Empty means {DefaultTenantID}.
	Tenants []string
	// Lifetime of issued access tokens; 0 means one hour.
	Lifetime time.Duration
	// RefreshIn, when positive, is sent as refresh_in.
	RefreshIn time.Duration
	// Minter signs tokens; nil means a new key.
	Minter *mint.Minter
	// Claims are added to every access token, as tenant-wide defaults:
	// the claims the fake computes (aud, oid, ...) take precedence.
	Claims map[string]any

	// Registrations, equivalent to the Add* methods.
	Secrets   map[string]string              // client id → secret
	Certs     map[string][]*x509.Certificate // client id → certificates
	Federated map[string][]string            // client id → accepted assertions
	Users     []User
	Roles     map[string][]string // client id → app roles put in "roles"
}

// User is a user who may sign in with the password grant through one
// public client.
type User struct {
	ClientID string
	Username string
	Password string
	// ObjectID defaults to an id derived from Username.
	ObjectID string
	// Name defaults to the part of Username before "@".
	Name string
}

// Entra is a running Entra ID fake on https://127.0.0.1:port.
type Entra struct {
	core      *core
	transport *http.Transport // shared by every Client, so connections are reused
	minter    *mint.Minter
	tenants   []string // lower case, home first
	lifetime  time.Duration
	refreshIn time.Duration
	claims    map[string]any

	mu      sync.Mutex
	apps    map[string]*app         // by lower-case client id
	refresh map[string]refreshGrant // by refresh token
}

// app is what the fake knows about one client id.
type app struct {
	secrets    []string
	certs      []*x509.Certificate
	assertions []string
	fedCreds   []FederatedCredential
	users      map[string]User // by lower-case username
	roles      []string
}

// refreshGrant remembers who a refresh token was issued to.
type refreshGrant struct {
	clientID string
	tenant   string
	user     User
}

// NewEntra starts an Entra ID fake.
func NewEntra(opts EntraOptions) (*Entra, error) {
	e := &Entra{
		lifetime:  opts.Lifetime,
		refreshIn: opts.RefreshIn,
		minter:    opts.Minter,
		claims:    opts.Claims,
		apps:      map[string]*app{},
		refresh:   map[string]refreshGrant{},
	}
	if e.lifetime <= 0 {
		e.lifetime = time.Hour
	}
	for _, t := range opts.Tenants {
		e.tenants = append(e.tenants, strings.ToLower(t))
	}
	if len(e.tenants) == 0 {
		e.tenants = []string{DefaultTenantID}
	}
	if e.minter == nil {
		m, err := mint.New(nil, "")
		if err != nil {
			return nil, err
		}
		e.minter = m
	}
	for id, s := range opts.Secrets {
		e.AddClientSecret(id, s)
	}
	for id, certs := range opts.Certs {
		for _, c := range certs {
			e.AddClientCert(id, c)
		}
	}
	for id, as := range opts.Federated {
		for _, a := range as {
			e.AddFederated(id, a)
		}
	}
	for _, u := range opts.Users {
		e.addUser(u)
	}
	for id, roles := range opts.Roles {
		e.SetRoles(id, roles...)
	}

	c, err := newCore("entra", true, opts.Addr, &recorder{}, &faultTable{})
	if err != nil {
		return nil, err
	}
	e.core = c
	e.transport = LoopbackTransport(nil, c.cert.Pool())
	c.errorReply = e.injectedError
	c.handle("/{tenant}/v2.0/.well-known/openid-configuration", route{endpoint: EndpointOpenID, method: http.MethodGet, handle: e.openID})
	c.handle("/{tenant}/oauth2/v2.0/token", route{endpoint: EndpointToken, method: http.MethodPost, handle: e.token})
	c.handle("/common/UserRealm/{username}", route{endpoint: EndpointUserRealm, method: http.MethodGet, handle: e.userRealm})
	c.handle("/common/discovery/instance", route{endpoint: EndpointDiscovery, method: http.MethodGet, handle: e.discovery})
	c.handle("/{tenant}/discovery/v2.0/keys", route{endpoint: EndpointJWKS, method: http.MethodGet, handle: e.jwks})
	return e, nil
}

// URL returns the base URL, https://127.0.0.1:port, with no trailing slash.
// Use it as AZURE_AUTHORITY_HOST.
func (e *Entra) URL() string { return e.core.srv.URL }

// Authority returns URL()/tenant, the authority MSAL takes.
func (e *Entra) Authority(tenant string) string { return e.URL() + "/" + tenant }

// TokenURL returns the token endpoint for tenant.
func (e *Entra) TokenURL(tenant string) string { return e.Authority(tenant) + "/oauth2/v2.0/token" }

// TenantID returns the home tenant.
func (e *Entra) TenantID() string { return e.tenants[0] }

// Minter returns the signer of the fake's tokens.
func (e *Entra) Minter() *mint.Minter { return e.minter }

// CACertPEM returns the server certificate as PEM. Write it to a file and
// point SSL_CERT_FILE at it to make a child process trust the fake.
func (e *Entra) CACertPEM() []byte { return e.core.cert.PEM() }

// CertPool returns a pool that trusts the fake and nothing else.
func (e *Entra) CertPool() *x509.CertPool { return e.core.cert.Pool() }

// Client returns an HTTP client that trusts the fake and can dial only
// loopback. Each call returns a new client (so a test may change its
// CheckRedirect) over one shared transport.
func (e *Entra) Client() *http.Client {
	return &http.Client{Transport: e.transport, Timeout: 30 * time.Second}
}

// Close stops the fake, ending any hanging request first.
func (e *Entra) Close() {
	e.core.close()
	e.transport.CloseIdleConnections()
}

// Requests returns every request recorded since the start or Reset.
func (e *Entra) Requests() []Request { return e.core.rec.requests() }

// Count returns how many requests reached endpoint.
func (e *Entra) Count(endpoint string) int { return e.core.rec.count(endpoint) }

// Counts returns the request count of every endpoint that saw one.
func (e *Entra) Counts() map[string]int { return e.core.rec.allCounts() }

// Connections returns how many connections clients opened to the fake
// since it started: each one a TLS handshake.
func (e *Entra) Connections() int { return int(e.core.conns.Load()) }

// Reset forgets recorded requests and counts; faults and registrations stay.
func (e *Entra) Reset() { e.core.rec.reset() }

// EntraEndpoints are the endpoint names the Entra fake serves.
var EntraEndpoints = []string{EndpointOpenID, EndpointToken, EndpointUserRealm, EndpointDiscovery, EndpointJWKS, EndpointUnknown}

// SetFault makes endpoint misbehave as f says, replacing any fault it
// had. It panics when endpoint is not one of EntraEndpoints, because a
// misspelt name would otherwise make a fault test pass without a fault.
func (e *Entra) SetFault(endpoint string, f Fault) {
	mustServe("Entra", EntraEndpoints, endpoint)
	e.core.faults.set(endpoint, f)
}

// ClearFaults removes every fault.
func (e *Entra) ClearFaults() { e.core.faults.clear() }

// AddClientSecret registers a secret for a confidential client.
func (e *Entra) AddClientSecret(clientID, secret string) {
	e.withApp(clientID, func(a *app) { a.secrets = append(a.secrets, secret) })
}

// AddClientCert registers a certificate whose key may sign the client's
// assertions.
func (e *Entra) AddClientCert(clientID string, cert *x509.Certificate) {
	e.withApp(clientID, func(a *app) { a.certs = append(a.certs, cert) })
}

// AddFederated registers an assertion (a workload identity token, say)
// that the client may present. A client with none registered accepts any
// non-empty assertion that is not meant for a registered certificate.
func (e *Entra) AddFederated(clientID, assertion string) {
	e.withApp(clientID, func(a *app) { a.assertions = append(a.assertions, assertion) })
}

// AddUser registers a user for the password grant through clientID.
func (e *Entra) AddUser(clientID, username, password string) {
	e.addUser(User{ClientID: clientID, Username: username, Password: password})
}

// SetRoles sets the app roles put in the client's tokens.
func (e *Entra) SetRoles(clientID string, roles ...string) {
	e.withApp(clientID, func(a *app) { a.roles = append([]string(nil), roles...) })
}

func (e *Entra) addUser(u User) {
	if u.ObjectID == "" {
		u.ObjectID = stableID("user", strings.ToLower(u.Username))
	}
	if u.Name == "" {
		u.Name, _, _ = strings.Cut(u.Username, "@")
	}
	e.withApp(u.ClientID, func(a *app) {
		if a.users == nil {
			a.users = map[string]User{}
		}
		a.users[strings.ToLower(u.Username)] = u
	})
}

func (e *Entra) withApp(clientID string, f func(*app)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	key := strings.ToLower(clientID)
	a := e.apps[key]
	if a == nil {
		a = &app{}
		e.apps[key] = a
	}
	f(a)
}

// lookupApp returns a copy of the client's registration, or nil.
func (e *Entra) lookupApp(clientID string) *app {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.apps[strings.ToLower(clientID)]
	if a == nil {
		return nil
	}
	// Copy so the caller can read it while Add* methods change the original.
	return &app{
		secrets:    slices.Clone(a.secrets),
		certs:      slices.Clone(a.certs),
		assertions: slices.Clone(a.assertions),
		fedCreds:   slices.Clone(a.fedCreds),
		users:      maps.Clone(a.users),
		roles:      slices.Clone(a.roles),
	}
}

// resolveTenant maps the tenant in a path to the tid of issued tokens,
// and reports whether the fake knows it.
func (e *Entra) resolveTenant(tenant string) (string, bool) {
	t := strings.ToLower(tenant)
	switch t {
	case "common", "organizations":
		return e.tenants[0], true
	}
	for _, known := range e.tenants {
		if t == known {
			return known, true
		}
	}
	return "", false
}

func (e *Entra) issuer(tid string) string { return fmt.Sprintf("%s/%s/v2.0", e.URL(), tid) }
