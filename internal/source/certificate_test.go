package source

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
)

func TestLoadCertificateFixtures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		file, password string
		format         string
		chainLen       int
		leafCN         string
		err            string // in the message; "" means success
	}{
		{file: "rsa-pkcs8.pem", format: "PEM", chainLen: 1, leafCN: "aztoken fixture rsa"},
		{file: "rsa-pkcs1.pem", format: "PEM", chainLen: 1, leafCN: "aztoken fixture rsa"},
		{file: "chain.pem", format: "PEM", chainLen: 2, leafCN: "aztoken fixture leaf"},
		{file: "rsa-nopass.pfx", format: "PKCS#12", chainLen: 1, leafCN: "aztoken fixture rsa"},
		{file: "rsa-password.pfx", password: testCertPassword, format: "PKCS#12", chainLen: 1, leafCN: "aztoken fixture rsa"},
		{file: "rsa-legacy.pfx", password: testCertPassword, format: "PKCS#12", chainLen: 1, leafCN: "aztoken fixture rsa"},
		{file: "chain.pfx", password: testCertPassword, format: "PKCS#12", chainLen: 2, leafCN: "aztoken fixture leaf"},
		{file: "expired.pem", format: "PEM", chainLen: 1, leafCN: "aztoken fixture expired"},
		{file: "ec-pkcs8.pem", err: "holds an EC key; Entra ID certificate credentials need an RSA key"},
		{file: "ec-sec1.pem", err: "holds an EC key"},
		{file: "ec.pfx", password: testCertPassword, err: "holds an EC key"},
		{file: "rsa-encrypted-pkcs8.pem", password: "fixture-pem-pass", err: "encrypted PEM private key"},
		{file: "rsa-encrypted-legacy.pem", password: "fixture-pem-pass", err: "encrypted PEM private key"},
		{file: "rsa-password.pfx", password: "not-the-password", err: "the certificate password is wrong"},
		{file: "rsa-password.pfx", err: "is password-protected and AZURE_CLIENT_CERTIFICATE_PASSWORD is not set"},
		{file: "missing.pem", err: "does not exist"},
		{file: "make.sh", err: "neither PEM nor a readable PKCS#12 file"},
	}
	for _, c := range cases {
		t.Run(c.file+"/"+c.password, func(t *testing.T) {
			t.Parallel()
			cert, err := LoadCertificate(certFixture(c.file), c.password)
			if c.err != "" {
				if err == nil {
					t.Fatalf("loaded, want an error containing %q", c.err)
				}
				if !strings.Contains(err.Error(), c.err) || chain.StatusOf(err) != chain.StatusUnavailable || chain.HintOf(err) == "" {
					t.Errorf("error %q (%v, hint %q), want %q", err, chain.StatusOf(err), chain.HintOf(err), c.err)
				}
				if c.password != "" {
					assertNoSecrets(t, "error", err.Error()+chain.HintOf(err), c.password)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cert.Format != c.format || len(cert.Chain) != c.chainLen || cert.Chain[0] != cert.Leaf {
				t.Errorf("format %s, chain %d, want %s, %d with the leaf first", cert.Format, len(cert.Chain), c.format, c.chainLen)
			}
			if cert.Leaf.Subject.CommonName != c.leafCN || !cert.NotAfter.Equal(cert.Leaf.NotAfter) {
				t.Errorf("leaf %q, NotAfter %v", cert.Leaf.Subject.CommonName, cert.NotAfter)
			}
			if !cert.Key.PublicKey.Equal(cert.Leaf.PublicKey) {
				t.Error("the key does not match the leaf")
			}
		})
	}
}

func TestLoadCertificateBrokenPEM(t *testing.T) {
	t.Parallel()
	blocks := pemBlocks(t, certFixture("rsa-pkcs8.pem"))
	other := pemBlocks(t, certFixture("chain.pem")) // leaf key first, then leaf, then CA
	dir := t.TempDir()
	cases := []struct {
		name   string
		blocks []*pem.Block
		err    string
	}{
		{"cert only", blocks[:1], "holds a certificate but no private key"},
		{"key only", blocks[1:], "holds no PEM CERTIFICATE block"},
		{"two keys", append(append([]*pem.Block{}, blocks...), other[0]), "more than one private key"},
		{"key of another cert", []*pem.Block{blocks[0], other[0]}, "does not belong to any certificate"},
		{"garbage certificate", []*pem.Block{{Type: "CERTIFICATE", Bytes: []byte("nope")}, blocks[1]}, "not a valid X.509 certificate"},
		{"garbage key", []*pem.Block{blocks[0], {Type: "PRIVATE KEY", Bytes: []byte("nope")}}, "cannot be parsed"},
	}
	for _, c := range cases {
		var data []byte
		for _, b := range c.blocks {
			data = append(data, pem.EncodeToMemory(b)...)
		}
		path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".pem")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := LoadCertificate(path, "")
		if err == nil || !strings.Contains(err.Error(), c.err) || chain.StatusOf(err) != chain.StatusUnavailable {
			t.Errorf("%s: %v, want %q", c.name, err, c.err)
		}
	}
}

func pemBlocks(t *testing.T, path string) []*pem.Block {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []*pem.Block
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return out
		}
		out = append(out, b)
	}
}

func TestCertificateWarnings(t *testing.T) {
	t.Parallel()
	now := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		notAfter time.Time
		want     string
	}{
		{now.Add(-time.Hour), "expired on 2030-05-31"},
		{now.Add(3 * 24 * time.Hour), "in less than 7 days"},
		{now.Add(30 * 24 * time.Hour), ""},
	}
	for _, c := range cases {
		w := certificateWarnings("c.pem", &Certificate{NotAfter: c.notAfter}, now)
		got := strings.Join(w, "|")
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("NotAfter %v: %q, want %q", c.notAfter, got, c.want)
		}
	}
}

// writeCert writes a self-signed certificate and key valid until notAfter:
// what fixtures cannot be, a certificate that expires next week.
func writeCert(t *testing.T, dir string, notAfter time.Time) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "soon"},
		NotBefore: notAfter.Add(-365 * 24 * time.Hour), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	data := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})...)
	path := filepath.Join(dir, "soon.pem")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadCertificateP384IsEC(t *testing.T) {
	t.Parallel()
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), NotAfter: time.Now().Add(time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	pk, _ := x509.MarshalPKCS8PrivateKey(key)
	path := filepath.Join(t.TempDir(), "p384.pem")
	data := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})...)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadCertificate(path, ""); err == nil || !strings.Contains(err.Error(), "EC key") {
		t.Errorf("P-384 key: %v", err)
	}
}
