package fakeazure

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha1" // #nosec G505 -- npm's packuments carry a SHA-1 shasum beside the SHA-512 integrity.
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/aztoken/aztoken/internal/mint"
)

// ArtifactsOptions shape an Artifacts fake.
type ArtifactsOptions struct {
	// Tenant is the organization's tenant: the one its 401 names and the
	// one a token must come from.
	Tenant string
	// Issuer verifies tokens: the Entra fake's signing key.
	Issuer *mint.Minter
	// Authority is where the 401's authorization_uri points; empty means
	// https://login.microsoftonline.com. A hostile feed names another
	// host here.
	Authority string
	// NoResourceTenant leaves X-VSS-ResourceTenant out of the 401, so
	// that the authorization_uri is all a client can go by.
	NoResourceTenant bool
	// RefuseCode, when set, refuses even a valid token with 403 and Azure
	// DevOps' message for that TF code (TF400813: the identity may not
	// read the feed; TF401444: a user who never signed in to the
	// organization).
	RefuseCode string
}

// The package both indexes serve.
const (
	ArtifactsPackage = "aztoken-demo"
	ArtifactsVersion = "1.0.0"
)

// Artifacts is a fake of an Azure Artifacts feed over HTTPS, for the real
// pip and npm: like Azure DevOps, it answers a request without a valid
// token with 401, "WWW-Authenticate: Bearer authorization_uri=<authority>/
// <tenant>" (and Basic), and X-VSS-ResourceTenant. It takes the token as a
// Basic password (any user name), only when the Entra fake signed it for
// Azure DevOps and the organization's tenant, and then serves one package,
// aztoken-demo 1.0.0, under any <org>/_packaging/<feed>/ prefix:
//
//	.../pypi/simple/aztoken-demo/            a PEP 503 page linking a wheel
//	.../pypi/files/aztoken_demo-1.0.0-py3-none-any.whl
//	.../npm/registry/aztoken-demo            an npm packument
//	.../npm/registry/aztoken-demo/-/aztoken-demo-1.0.0.tgz
type Artifacts struct {
	*devopsAuth
	srv  *httptest.Server
	cert *serverCert

	wheel, tarball []byte
	refuse         string
}

// NewArtifacts starts the fake on 127.0.0.1.
func NewArtifacts(o ArtifactsOptions) (*Artifacts, error) {
	f := &Artifacts{devopsAuth: &devopsAuth{tenant: o.Tenant, issuer: o.Issuer, authority: o.Authority, noResourceTenant: o.NoResourceTenant,
		extra: []string{`Basic realm="https://pkgsprodweu1.pkgs.visualstudio.com/"`}}, refuse: o.RefuseCode}
	var err error
	if f.wheel, err = demoWheel(); err != nil {
		return nil, err
	}
	if f.tarball, err = demoTarball(); err != nil {
		return nil, err
	}
	cert, err := newServerCert("azure artifacts", "pkgs.dev.azure.com", "*.pkgs.visualstudio.com")
	if err != nil {
		return nil, err
	}
	f.cert = cert
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	startTLS(f.srv, cert)
	return f, nil
}

// Addr is the address it listens on.
func (f *Artifacts) Addr() string { return f.srv.Listener.Addr().String() }

// CACertPEM is its certificate, to trust it.
func (f *Artifacts) CACertPEM() []byte { return f.cert.PEM() }

// Close stops it.
func (f *Artifacts) Close() { f.srv.Close() }

func (f *Artifacts) serve(w http.ResponseWriter, r *http.Request) {
	rec, ok, done := f.admit(w, r)
	defer done()
	switch {
	case ok && f.refuse != "":
		rec.Status = http.StatusForbidden
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		msg := map[string]string{
			"TF400813": "TF400813: The user 'aztoken-test' is not authorized to access this resource.",
			"TF401444": "TF401444: Please sign-in at least once as aztoken-test in a web browser to enable access to the service.",
		}[f.refuse]
		_ = json.NewEncoder(w).Encode(map[string]any{"$id": "1", "innerException": nil, "message": msg, "typeName": "Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException"})
	case ok:
		rec.Status = f.content(w, r)
	}
}

// content answers an authenticated request.
func (f *Artifacts) content(w http.ResponseWriter, r *http.Request) int {
	path := r.URL.Path
	i := strings.Index(path, "/_packaging/")
	if i < 0 {
		http.NotFound(w, r)
		return http.StatusNotFound
	}
	rest := path[i+len("/_packaging/"):]
	_, rest, _ = strings.Cut(rest, "/") // the feed's name
	base := "https://" + r.Host + path[:len(path)-len(rest)]
	wheelName := "aztoken_demo-" + ArtifactsVersion + "-py3-none-any.whl"
	tgzName := ArtifactsPackage + "-" + ArtifactsVersion + ".tgz"
	switch rest {
	case "pypi/simple/" + ArtifactsPackage + "/":
		sum := sha256.Sum256(f.wheel)
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, "<!DOCTYPE html><html><body>\n<a href=\"%spypi/files/%s#sha256=%s\">%s</a>\n</body></html>\n",
			base, wheelName, hex.EncodeToString(sum[:]), wheelName)
	case "pypi/files/" + wheelName:
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(f.wheel)
	case "npm/registry/" + ArtifactsPackage:
		s1 := sha1.Sum(f.tarball) // #nosec G401 -- see the import.
		s512 := sha512.Sum512(f.tarball)
		doc := map[string]any{
			"name":      ArtifactsPackage,
			"dist-tags": map[string]string{"latest": ArtifactsVersion},
			"versions": map[string]any{ArtifactsVersion: map[string]any{
				"name": ArtifactsPackage, "version": ArtifactsVersion,
				"dist": map[string]string{
					"tarball":   base + "npm/registry/" + ArtifactsPackage + "/-/" + tgzName,
					"shasum":    hex.EncodeToString(s1[:]),
					"integrity": "sha512-" + base64.StdEncoding.EncodeToString(s512[:]),
				},
			}},
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(doc)
	case "npm/registry/" + ArtifactsPackage + "/-/" + tgzName:
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(f.tarball)
	default:
		http.NotFound(w, r)
		return http.StatusNotFound
	}
	return http.StatusOK
}

// demoWheel is a wheel of the package aztoken_demo: one module and the
// metadata pip reads.
func demoWheel() ([]byte, error) {
	dist := "aztoken_demo-" + ArtifactsVersion + ".dist-info/"
	files := [][2]string{
		{"aztoken_demo/__init__.py", "VALUE = 'from the fake feed'\n"},
		{dist + "METADATA", "Metadata-Version: 2.1\nName: aztoken-demo\nVersion: " + ArtifactsVersion + "\n"},
		{dist + "WHEEL", "Wheel-Version: 1.0\nGenerator: aztoken-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
	}
	var record strings.Builder
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for _, fl := range files {
		wr, err := z.Create(fl[0])
		if err != nil {
			return nil, err
		}
		if _, err := io.WriteString(wr, fl[1]); err != nil {
			return nil, err
		}
		sum := sha256.Sum256([]byte(fl[1]))
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", fl[0], base64.RawURLEncoding.EncodeToString(sum[:]), len(fl[1]))
	}
	record.WriteString(dist + "RECORD,,\n")
	wr, err := z.Create(dist + "RECORD")
	if err != nil {
		return nil, err
	}
	if _, err := io.WriteString(wr, record.String()); err != nil {
		return nil, err
	}
	if err := z.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// demoTarball is the npm package aztoken-demo: package.json and index.js.
func demoTarball() ([]byte, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, fl := range [][2]string{
		{"package/package.json", `{"name":"` + ArtifactsPackage + `","version":"` + ArtifactsVersion + `","main":"index.js"}` + "\n"},
		{"package/index.js", "module.exports = 'from the fake feed';\n"},
	} {
		if err := tw.WriteHeader(&tar.Header{Name: fl[0], Mode: 0o644, Size: int64(len(fl[1])), ModTime: time.Unix(0, 0)}); err != nil {
			return nil, err
		}
		if _, err := io.WriteString(tw, fl[1]); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
