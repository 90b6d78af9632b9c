package fakeazure

import (
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"strings"

	"github.com/aztoken/aztoken/internal/mint"
)

// AzureDevOpsResource is the application id Azure Repos' tokens are for.
const AzureDevOpsResource = "499b84ac-1321-427f-aa17-267ca6975798"

// AzureReposOptions shape an AzureRepos fake.
type AzureReposOptions struct {
	// Addr is where it listens (an address on loopback, port 443 for the
	// real host names); empty picks a free port on 127.0.0.1.
	Addr string
	// Tenant is the organization's tenant: the one its 401 names and the
	// one a token must come from.
	Tenant string
	// Issuer verifies tokens: the Entra fake's signing key.
	Issuer *mint.Minter
	// HTTPBackend is git's git-http-backend; Root holds the bare
	// repositories, at <org>/<project>/_git/<repo> as their URL paths.
	HTTPBackend, Root string
	// ResourceTenantOnly are organizations whose 401 names the tenant
	// only in X-VSS-ResourceTenant, without the Bearer challenge.
	ResourceTenantOnly []string
}

// AzureRepos is a fake of Azure Repos over HTTPS, for the real git: git's
// own git-http-backend behind a server that, like Azure DevOps, answers a
// request without a valid token with 401, "WWW-Authenticate: Bearer
// authorization_uri=https://login.microsoftonline.com/<tenant>" (and
// Basic), and X-VSS-ResourceTenant. It takes the token as a Basic password
// (any user name) or as a Bearer token, and only when the Entra fake
// signed it for Azure DevOps and the organization's tenant.
type AzureRepos struct {
	*devopsAuth
	opts AzureReposOptions
	srv  *httptest.Server
	cert *serverCert
	cgi  *cgi.Handler
}

// RepoRequest is one request the fake answered.
type RepoRequest struct {
	Method, Path string
	// Auth is "", "basic" or "bearer"; Status is the answer's.
	Auth   string
	Status int
}

// NewAzureRepos starts the fake. Its certificate names dev.azure.com and
// *.visualstudio.com (and loopback).
func NewAzureRepos(o AzureReposOptions) (*AzureRepos, error) {
	f := &AzureRepos{opts: o, devopsAuth: &devopsAuth{tenant: o.Tenant, issuer: o.Issuer,
		extra:              []string{`Basic realm="https://tfsprodweu1.app.visualstudio.com/"`, "TFS-Federated"},
		resourceTenantOnly: o.ResourceTenantOnly}}
	f.cgi = &cgi.Handler{
		Path: o.HTTPBackend,
		Env: []string{
			"GIT_PROJECT_ROOT=" + o.Root,
			"GIT_HTTP_EXPORT_ALL=1",
			// git-http-backend allows receive-pack only to an authenticated
			// user; the token check before it is the authentication.
			"REMOTE_USER=azure-repos-user",
		},
		Logger: log.New(io.Discard, "", 0),
		Stderr: io.Discard,
	}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	if o.Addr != "" {
		ln, err := net.Listen("tcp", o.Addr)
		if err != nil {
			return nil, fmt.Errorf("the Azure Repos fake cannot listen on %s: %w", o.Addr, err)
		}
		_ = f.srv.Listener.Close()
		f.srv.Listener = ln
	}
	cert, err := newServerCert("azure repos", "dev.azure.com", "*.visualstudio.com")
	if err != nil {
		_ = f.srv.Listener.Close()
		return nil, err
	}
	f.cert = cert
	startTLS(f.srv, cert)
	return f, nil
}

// Addr is the address it listens on.
func (f *AzureRepos) Addr() string { return f.srv.Listener.Addr().String() }

// CACertPEM is its certificate, to trust it.
func (f *AzureRepos) CACertPEM() []byte { return f.cert.PEM() }

// Close stops it.
func (f *AzureRepos) Close() { f.srv.Close() }

func (f *AzureRepos) serve(w http.ResponseWriter, r *http.Request) {
	rec, ok, done := f.admit(w, r)
	defer done()
	if !ok {
		return
	}
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	f.cgi.ServeHTTP(sw, r)
	rec.Status = sw.status
}

// credential reads the Authorization header: a Basic password or a
// Bearer token.
func credential(r *http.Request) (kind, token string) {
	h := r.Header.Get("Authorization")
	scheme, val, _ := strings.Cut(h, " ")
	switch strings.ToLower(scheme) {
	case "bearer":
		return "bearer", val
	case "basic":
		b, err := base64.StdEncoding.DecodeString(val)
		if err != nil {
			return "basic", ""
		}
		_, pw, _ := strings.Cut(string(b), ":")
		return "basic", pw
	}
	return "", ""
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) {
	w.status = s
	w.ResponseWriter.WriteHeader(s)
}
