package fakeazure

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1" // #nosec G505 -- Service Fabric publishes SHA-1 thumbprints; this is an identifier, not a security check.
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http/httptest"
	"strings"
	"time"
)

// serverCert is a freshly generated self-signed certificate for one fake.
// Each fake gets its own rather than httptest's shared built-in one, so
// that trusting one fake (through SSL_CERT_FILE or a pin) never trusts
// another by accident.
type serverCert struct {
	tls  tls.Certificate
	leaf *x509.Certificate
}

// CloudHosts are the Entra ID cloud host names the fakes' certificate is
// also valid for, so that a test can reach a fake under a real cloud's
// name (aztoken's AZTOKEN_TEST_RESOLVE maps the name to the fake's
// loopback address) and exercise the code path that only those names
// take. The certificate is trusted only by tests.
var CloudHosts = []string{
	"login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net",
	"login.microsoftonline.us", "login.usgovcloudapi.net", "login-us.microsoftonline.com",
	"login.partner.microsoftonline.cn", "login.chinacloudapi.cn", "login.microsoftonline.de",
	"login.sovcloud-identity.fr", "login.sovcloud-identity.de", "login.sovcloud-identity.sg",
}

func newServerCert(name string, hosts ...string) (*serverCert, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating the %s TLS key failed: %w", name, err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, fmt.Errorf("generating the %s certificate serial failed: %w", name, err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "fakeazure " + name, Organization: []string{"aztoken tests"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(7 * 24 * time.Hour),
		// The certificate is its own CA so that every TLS stack, not only
		// Go's, accepts it as a trust anchor from SSL_CERT_FILE.
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:              append(append([]string{"localhost"}, CloudHosts...), hosts...),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("creating the %s certificate failed: %w", name, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parsing the %s certificate failed: %w", name, err)
	}
	return &serverCert{
		tls:  tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf},
		leaf: leaf,
	}, nil
}

// PEM returns the certificate alone, PEM encoded.
func (c *serverCert) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.leaf.Raw})
}

// Pool returns a pool holding only this certificate.
func (c *serverCert) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.leaf)
	return p
}

// Thumbprint returns the SHA-1 of the DER certificate as upper-case hex,
// the form IDENTITY_SERVER_THUMBPRINT takes.
func (c *serverCert) Thumbprint() string {
	sum := sha1.Sum(c.leaf.Raw) // #nosec G401 -- see the import comment.
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// startTLS starts srv over TLS with cert, as the fakes of a single
// service (Azure Repos, Azure Artifacts, an AKS API server) serve: their
// clients hanging up mid-handshake is no news for the test output, and a
// request's headers must come within ten seconds.
func startTLS(srv *httptest.Server, cert *serverCert) {
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Config.ReadHeaderTimeout = 10 * time.Second
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert.tls}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
}
