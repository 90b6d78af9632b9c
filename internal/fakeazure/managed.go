package fakeazure

import (
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aztoken/aztoken/internal/mint"
)

// ManagedOptions configures a managed identity fake. The zero value is
// usable: a system-assigned identity with generated ids, no user-assigned
// ones, a random secret, one-hour tokens and a temporary Arc key
// directory.
type ManagedOptions struct {
	// Addr is the plain-HTTP listen address (IMDS, App Service, Cloud
	// Shell, Azure ML, Arc); empty means 127.0.0.1 on a free port.
	Addr string
	// ServiceFabricAddr is the HTTPS listen address for Service Fabric;
	// empty means 127.0.0.1 on a free port.
	ServiceFabricAddr string
	// TenantID goes in the tid claim; empty means DefaultTenantID.
	TenantID string
	// SystemAssigned is the system-assigned identity; nil means one with
	// generated ids. Empty fields are generated too.
	SystemAssigned *Identity
	// NoSystemAssigned makes a request without an identity selector fail
	// as it does on a resource without a system-assigned identity (unless
	// exactly one user-assigned identity exists, which IMDS then uses).
	NoSystemAssigned bool
	// UserAssigned identities; empty ObjectID and ResourceID are generated.
	UserAssigned []Identity
	// Secret is what IDENTITY_HEADER and MSI_SECRET carry and what the App
	// Service, Azure ML and Service Fabric endpoints demand; empty means a
	// random one.
	Secret string
	// ArcKeyDir is where the Azure Arc challenge writes its key files.
	// Empty means a temporary directory the fake removes on Close. MSAL
	// v1.10.1 on Linux reads keys only from ArcTokenDirLinux, so a test
	// driving MSAL's Arc source must pass ArcTokenDirLinux here, which
	// must exist and be writable (in practice: running as root).
	ArcKeyDir string
	// Lifetime of issued tokens; 0 means one hour.
	Lifetime time.Duration
	// Minter signs tokens; nil means a new key.
	Minter *mint.Minter
	// Issuer is the iss claim, with "{tenant}" replaced by the tenant id;
	// empty means Entra's v1 issuer, "https://sts.windows.net/{tenant}/",
	// which is what managed identity tokens carry.
	Issuer string
}

// ArcTokenDirLinux is the only directory MSAL v1.10.1 on Linux accepts in
// Azure Arc's WWW-Authenticate realm; key files must end in ".key" and be
// at most 4096 bytes.
const ArcTokenDirLinux = "/var/opt/azcmagent/tokens"

// Identity is a managed identity.
type Identity struct {
	ClientID   string
	ObjectID   string
	ResourceID string
}

// Environment variables Managed.Env sets (every one of them, empty when
// unused, so stray values from the caller's environment are cleared).
var ManagedEnvVars = []string{
	"IDENTITY_ENDPOINT",
	"IDENTITY_HEADER",
	"IDENTITY_SERVER_THUMBPRINT",
	"MSI_ENDPOINT",
	"MSI_SECRET",
	"IMDS_ENDPOINT",
	"DEFAULT_IDENTITY_CLIENT_ID",
	"AZURE_POD_IDENTITY_AUTHORITY_HOST",
}

// Managed is a running fake of every managed identity endpoint: one
// plain-HTTP server for IMDS, App Service, Cloud Shell, Azure ML and Arc
// (each on its own path) and one HTTPS server for Service Fabric. Both
// share one request record and one fault table.
type Managed struct {
	web       *core
	transport *http.Transport // shared by every Client
	sf        *core
	rec       *recorder
	faults    *faultTable
	minter    *mint.Minter
	tenant    string
	issuer    string
	lifetime  time.Duration
	secret    string
	system    *Identity // nil when NoSystemAssigned
	users     []Identity

	arcDir     string
	arcDirTemp bool
	arcMu      sync.Mutex
	arcKeys    map[string]string // secret → key file path
}

// NewManaged starts a managed identity fake.
func NewManaged(opts ManagedOptions) (*Managed, error) {
	m := &Managed{
		rec:      &recorder{},
		faults:   &faultTable{},
		minter:   opts.Minter,
		tenant:   opts.TenantID,
		issuer:   opts.Issuer,
		lifetime: opts.Lifetime,
		secret:   opts.Secret,
		arcDir:   opts.ArcKeyDir,
		arcKeys:  map[string]string{},
	}
	if m.tenant == "" {
		m.tenant = DefaultTenantID
	}
	if m.issuer == "" {
		m.issuer = "https://sts.windows.net/{tenant}/"
	}
	if m.lifetime <= 0 {
		m.lifetime = time.Hour
	}
	if m.secret == "" {
		m.secret = randomHex(16)
	}
	if !opts.NoSystemAssigned {
		sys := Identity{}
		if opts.SystemAssigned != nil {
			sys = *opts.SystemAssigned
		}
		sys = completeIdentity(sys, "system")
		m.system = &sys
	}
	for i, u := range opts.UserAssigned {
		if u.ClientID == "" {
			return nil, fmt.Errorf("user-assigned identity %d has no client id", i)
		}
		m.users = append(m.users, completeIdentity(u, "user"))
	}
	if m.minter == nil {
		mt, err := mint.New(nil, "")
		if err != nil {
			return nil, err
		}
		m.minter = mt
	}
	if m.arcDir == "" {
		dir, err := os.MkdirTemp("", "fakeazure-arc-")
		if err != nil {
			return nil, fmt.Errorf("creating the Azure Arc key directory failed: %w", err)
		}
		m.arcDir, m.arcDirTemp = dir, true
	}

	web, err := newCore("managed identity", false, opts.Addr, m.rec, m.faults)
	if err != nil {
		m.removeArcDir()
		return nil, err
	}
	sf, err := newCore("service fabric", true, opts.ServiceFabricAddr, m.rec, m.faults)
	if err != nil {
		web.close()
		m.removeArcDir()
		return nil, err
	}
	m.web, m.sf = web, sf
	m.transport = LoopbackTransport(map[string]string{IMDSAddr: m.IMDSHost()}, sf.cert.Pool())
	web.errorReply = m.injectedError
	sf.errorReply = m.injectedError
	web.handle(IMDSPath, route{method: http.MethodGet, classify: classifyIMDS, handle: m.imds})
	web.handle(AppServicePath, route{endpoint: EndpointAppService, method: http.MethodGet, handle: m.appService})
	web.handle(CloudShellPath, route{endpoint: EndpointCloudShell, method: http.MethodPost, handle: m.cloudShell})
	web.handle(AzureMLPath, route{endpoint: EndpointAzureML, method: http.MethodGet, handle: m.azureML})
	web.handle(ArcPath, route{method: http.MethodGet, classify: classifyArc, handle: m.arc})
	sf.handle(ServiceFabricPath, route{endpoint: EndpointServiceFabric, method: http.MethodGet, handle: m.serviceFabric})
	return m, nil
}

// completeIdentity fills the ids a test did not care to choose.
func completeIdentity(id Identity, kind string) Identity {
	if id.ClientID == "" {
		id.ClientID = stableID(kind+"-client", "")
	}
	if id.ObjectID == "" {
		id.ObjectID = stableID(kind+"-object", id.ClientID)
	}
	if id.ResourceID == "" {
		if kind == "system" {
			id.ResourceID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/fakeazure/providers/Microsoft.Compute/virtualMachines/fakeazure-vm"
		} else {
			id.ResourceID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/fakeazure/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + id.ClientID
		}
	}
	return id
}

// URL returns the plain-HTTP base URL, http://127.0.0.1:port. It is the
// IMDS authority (AZURE_POD_IDENTITY_AUTHORITY_HOST, IMDS_ENDPOINT).
func (m *Managed) URL() string { return m.web.srv.URL }

// IMDSHost returns the host:port that stands in for IMDSAddr.
func (m *Managed) IMDSHost() string { return m.web.srv.Listener.Addr().String() }

// ServiceFabricURL returns the Service Fabric base URL, https://127.0.0.1:port.
func (m *Managed) ServiceFabricURL() string { return m.sf.srv.URL }

// EndpointURL returns the full token URL of a source (a Source constant).
func (m *Managed) EndpointURL(source string) string {
	switch source {
	case SourceIMDS:
		return m.URL() + IMDSPath
	case SourceAppService:
		return m.URL() + AppServicePath
	case SourceCloudShell:
		return m.URL() + CloudShellPath
	case SourceAzureML:
		return m.URL() + AzureMLPath
	case SourceArc:
		return m.URL() + ArcPath
	case SourceServiceFabric:
		return m.ServiceFabricURL() + ServiceFabricPath
	}
	panic(fmt.Sprintf("fakeazure: %q is not a managed identity source", source))
}

// Env returns the environment that makes MSAL (and aztoken) pick source
// and send it here: every name in ManagedEnvVars, empty when the source
// does not use it. For IMDS nothing can move MSAL's fixed address, so Env
// only sets AZURE_POD_IDENTITY_AUTHORITY_HOST (which aztoken honours);
// MSAL itself needs a client from Client().
func (m *Managed) Env(source string) map[string]string {
	env := make(map[string]string, len(ManagedEnvVars))
	for _, k := range ManagedEnvVars {
		env[k] = ""
	}
	switch source {
	case SourceIMDS:
		env["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = m.URL()
	case SourceAppService:
		env["IDENTITY_ENDPOINT"] = m.EndpointURL(source)
		env["IDENTITY_HEADER"] = m.secret
	case SourceServiceFabric:
		env["IDENTITY_ENDPOINT"] = m.EndpointURL(source)
		env["IDENTITY_HEADER"] = m.secret
		env["IDENTITY_SERVER_THUMBPRINT"] = m.ServiceFabricThumbprint()
	case SourceAzureML:
		env["MSI_ENDPOINT"] = m.EndpointURL(source)
		env["MSI_SECRET"] = m.secret
		if m.system != nil {
			// Azure ML always names its default identity.
			env["DEFAULT_IDENTITY_CLIENT_ID"] = m.system.ClientID
		}
	case SourceCloudShell:
		env["MSI_ENDPOINT"] = m.EndpointURL(source)
	case SourceArc:
		env["IDENTITY_ENDPOINT"] = m.EndpointURL(source)
		env["IMDS_ENDPOINT"] = m.URL()
	default:
		panic(fmt.Sprintf("fakeazure: %q is not a managed identity source", source))
	}
	return env
}

// Secret returns the value of IDENTITY_HEADER and MSI_SECRET.
func (m *Managed) Secret() string { return m.secret }

// ServiceFabricThumbprint returns the Service Fabric server certificate's
// SHA-1 thumbprint as upper-case hex, for IDENTITY_SERVER_THUMBPRINT.
func (m *Managed) ServiceFabricThumbprint() string { return m.sf.cert.Thumbprint() }

// ServiceFabricCertPEM returns the Service Fabric server certificate as PEM.
func (m *Managed) ServiceFabricCertPEM() []byte { return m.sf.cert.PEM() }

// ServiceFabricCertPool returns a pool trusting only the Service Fabric server.
func (m *Managed) ServiceFabricCertPool() *x509.CertPool { return m.sf.cert.Pool() }

// Client returns an HTTP client for MSAL's managedidentity.WithHTTPClient:
// it dials only loopback, sends IMDSAddr to this fake, and trusts the
// Service Fabric server. It follows redirects as net/http does by default,
// so tests can see what a client that does not stop them would leak.
// Each call returns a new client over one shared transport.
func (m *Managed) Client() *http.Client {
	return &http.Client{
		Transport: m.transport,
		Timeout:   30 * time.Second,
	}
}

// SystemAssigned returns the system-assigned identity (zero when disabled).
func (m *Managed) SystemAssigned() Identity {
	if m.system == nil {
		return Identity{}
	}
	return *m.system
}

// UserAssigned returns the user-assigned identities, with generated ids filled in.
func (m *Managed) UserAssigned() []Identity { return append([]Identity(nil), m.users...) }

// TenantID returns the tenant put in tokens.
func (m *Managed) TenantID() string { return m.tenant }

// Minter returns the signer of the fake's tokens.
func (m *Managed) Minter() *mint.Minter { return m.minter }

// ArcKeyDir returns the directory Azure Arc key files are written to.
func (m *Managed) ArcKeyDir() string { return m.arcDir }

// Requests returns every request recorded since the start or Reset.
func (m *Managed) Requests() []Request { return m.rec.requests() }

// Count returns how many requests reached endpoint.
func (m *Managed) Count(endpoint string) int { return m.rec.count(endpoint) }

// Counts returns the request count of every endpoint that saw one.
func (m *Managed) Counts() map[string]int { return m.rec.allCounts() }

// Reset forgets recorded requests and counts; faults stay.
func (m *Managed) Reset() { m.rec.reset() }

// ManagedEndpoints are the endpoint names the managed identity fake serves.
var ManagedEndpoints = []string{EndpointIMDS, EndpointProbe, EndpointAppService, EndpointCloudShell,
	EndpointAzureML, EndpointServiceFabric, EndpointArcChallenge, EndpointArc, EndpointUnknown}

// SetFault makes endpoint misbehave as f says, replacing any fault it
// had. It panics when endpoint is not one of ManagedEndpoints, because a
// misspelt name would otherwise make a fault test pass without a fault.
func (m *Managed) SetFault(endpoint string, f Fault) {
	mustServe("managed identity", ManagedEndpoints, endpoint)
	m.faults.set(endpoint, f)
}

// ClearFaults removes every fault.
func (m *Managed) ClearFaults() { m.faults.clear() }

// Close stops both servers, ending any hanging request first, and removes
// the Arc key files the fake wrote.
func (m *Managed) Close() {
	m.web.close()
	m.sf.close()
	m.transport.CloseIdleConnections()
	m.arcMu.Lock()
	for _, path := range m.arcKeys {
		_ = os.Remove(path)
	}
	m.arcKeys = map[string]string{}
	m.arcMu.Unlock()
	m.removeArcDir()
}

func (m *Managed) removeArcDir() {
	if m.arcDirTemp {
		_ = os.RemoveAll(m.arcDir)
	}
}

// findIdentity returns the identity a selector names (case-insensitively,
// as Azure compares GUIDs and resource ids). With no selector it returns
// the system-assigned identity or, when there is none, the only
// user-assigned one, as IMDS does.
func (m *Managed) findIdentity(kind, value string) (Identity, string, bool) {
	if value == "" {
		if m.system != nil {
			return *m.system, "", true
		}
		if len(m.users) == 1 {
			return m.users[0], "", true
		}
		if len(m.users) > 1 {
			return Identity{}, "Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in the token request", false
		}
		return Identity{}, "Identity not found", false
	}
	for _, id := range append(m.allIdentities(), m.users...) {
		var have string
		switch kind {
		case "client_id":
			have = id.ClientID
		case "object_id":
			have = id.ObjectID
		case "resource_id":
			have = id.ResourceID
		}
		if strings.EqualFold(have, value) {
			return id, "", true
		}
	}
	return Identity{}, "Identity not found", false
}

// allIdentities is the system identity, if any, as a slice.
func (m *Managed) allIdentities() []Identity {
	if m.system == nil {
		return nil
	}
	return []Identity{*m.system}
}
