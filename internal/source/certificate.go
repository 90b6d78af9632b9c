package source

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/safefile"
)

// Certificate is a client certificate and its RSA key, as read from
// AZURE_CLIENT_CERTIFICATE_PATH.
type Certificate struct {
	// Leaf is the certificate that belongs to Key.
	Leaf *x509.Certificate
	// Key is the private key. Entra ID signs client assertions with RSA
	// only, so this is always RSA.
	Key *rsa.PrivateKey
	// Chain is Leaf followed by the other certificates in the file, the
	// order MSAL sends as x5c.
	Chain []*x509.Certificate
	// NotAfter is when Leaf expires, for explain's warning.
	NotAfter time.Time
	// Format is "PEM" or "PKCS#12".
	Format string
}

const certVar = "AZURE_CLIENT_CERTIFICATE_PATH"

// LoadCertificate reads a PEM or PKCS#12 file holding a certificate and its
// RSA private key. Its errors are chain.Unavailable errors with a hint, so
// that a misconfigured certificate makes the environment source skip, as
// in the SDKs. The password never appears in an error.
func LoadCertificate(path, password string) (*Certificate, error) {
	data, err := safefile.Read(path, safefile.MaxSize)
	if err != nil {
		return nil, chain.Unavailable("set "+certVar+" to the path of a PEM or PKCS#12 (.pfx) file holding the certificate and its private key",
			"the certificate file %s %s", path, fileWhy(err))
	}
	if looksLikePEM(data) {
		return parsePEMCertificate(path, data)
	}
	return parsePKCS12Certificate(path, data, password)
}

// fileWhy says, after "the ... file PATH", why a file a user named could
// not be used.
func fileWhy(err error) string {
	var fe *safefile.Error
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "does not exist"
	case errors.Is(err, os.ErrPermission):
		return "is not readable by this user"
	case errors.As(err, &fe):
		return fe.What + ", so it is not read"
	}
	return "cannot be read"
}

func looksLikePEM(data []byte) bool {
	return bytes.Contains(data, []byte("-----BEGIN "))
}

func parsePEMCertificate(path string, data []byte) (*Certificate, error) {
	var certs []*x509.Certificate
	var key crypto.PrivateKey
	keys := 0
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if _, ok := block.Headers["DEK-Info"]; ok || block.Type == "ENCRYPTED PRIVATE KEY" {
			return nil, encryptedPEMError(path)
		}
		switch block.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, chain.Unavailable("regenerate or re-export the certificate; `openssl x509 -in FILE -noout -text` shows what is wrong with it",
					"the certificate file %s has a CERTIFICATE block that is not a valid X.509 certificate", path)
			}
			certs = append(certs, c)
		case "PRIVATE KEY":
			keys++
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, badKeyError(path)
			}
			key = k
		case "RSA PRIVATE KEY":
			keys++
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, badKeyError(path)
			}
			key = k
		case "EC PRIVATE KEY":
			return nil, ecKeyError(path)
		}
	}
	switch {
	case len(certs) == 0:
		return nil, chain.Unavailable("put the certificate (-----BEGIN CERTIFICATE-----) and its private key in the same file",
			"the certificate file %s holds no PEM CERTIFICATE block", path)
	case keys == 0:
		return nil, chain.Unavailable("append the private key to the file, e.g. `cat cert.pem key.pem > both.pem`",
			"the certificate file %s holds a certificate but no private key", path)
	case keys > 1:
		return nil, chain.Unavailable("keep only the certificate's own private key in the file",
			"the certificate file %s holds more than one private key", path)
	}
	return assemble(path, "PEM", key, certs)
}

// assemble checks the key type, finds the certificate that belongs to the
// key and puts it first.
func assemble(path, format string, key crypto.PrivateKey, certs []*x509.Certificate) (*Certificate, error) {
	var rk *rsa.PrivateKey
	switch k := key.(type) {
	case *rsa.PrivateKey:
		rk = k
	case *ecdsa.PrivateKey, ed25519.PrivateKey, *ed25519.PrivateKey:
		return nil, ecKeyError(path)
	default:
		return nil, chain.Unavailable("use a certificate with an RSA key", "the certificate file %s holds a %T key; Entra ID certificate credentials need an RSA key", path, key)
	}
	leaf := -1
	for i, c := range certs {
		if pub, ok := c.PublicKey.(*rsa.PublicKey); ok && pub.Equal(&rk.PublicKey) {
			leaf = i
			break
		}
	}
	if leaf < 0 {
		return nil, chain.Unavailable("put the certificate that matches the private key in the file",
			"the private key in %s does not belong to any certificate in the file", path)
	}
	ordered := append([]*x509.Certificate{certs[leaf]}, certs[:leaf]...)
	ordered = append(ordered, certs[leaf+1:]...)
	return &Certificate{Leaf: certs[leaf], Key: rk, Chain: ordered, NotAfter: certs[leaf].NotAfter, Format: format}, nil
}

func parsePKCS12Certificate(path string, data []byte, password string) (*Certificate, error) {
	key, leaf, cas, err := pkcs12.DecodeChain(data, password)
	if errors.Is(err, pkcs12.ErrIncorrectPassword) {
		hint := "set AZURE_CLIENT_CERTIFICATE_PASSWORD to the password the file was exported with"
		if password == "" {
			return nil, chain.Unavailable(hint, "the certificate file %s is password-protected and AZURE_CLIENT_CERTIFICATE_PASSWORD is not set", path)
		}
		return nil, chain.Unavailable(hint, "the certificate password is wrong: AZURE_CLIENT_CERTIFICATE_PASSWORD does not open %s", path)
	}
	if err != nil {
		// go-pkcs12's messages name ASN.1 structures, not secrets.
		return nil, chain.Unavailable("use a PEM file (certificate and unencrypted key) or a PKCS#12 file; `openssl pkcs12 -in FILE -info -noout` tells what the file is",
			"the certificate file %s is neither PEM nor a readable PKCS#12 file (%v)", path, err)
	}
	return assemble(path, "PKCS#12", key, append([]*x509.Certificate{leaf}, cas...))
}

func encryptedPEMError(path string) error {
	return chain.Unavailable("decrypt the key (`openssl pkcs8 -topk8 -nocrypt -in key.pem -out plain.pem`) and protect the file with permissions, or use a password-protected PKCS#12 file with AZURE_CLIENT_CERTIFICATE_PASSWORD",
		"the certificate file %s holds an encrypted PEM private key, which is not supported", path)
}

func ecKeyError(path string) error {
	return chain.Unavailable("create a certificate with an RSA key, e.g. `openssl req -x509 -newkey rsa:2048 ...`, and register it on the app",
		"the certificate file %s holds an EC key; Entra ID certificate credentials need an RSA key", path)
}

func badKeyError(path string) error {
	return chain.Unavailable("re-export the private key as unencrypted PKCS#8 (`openssl pkcs8 -topk8 -nocrypt`)",
		"the certificate file %s has a private key block that cannot be parsed", path)
}

// certificateWarnings are explain's words about a certificate's dates.
func certificateWarnings(path string, c *Certificate, now time.Time) []string {
	switch left := c.NotAfter.Sub(now); {
	case left <= 0:
		return []string{fmt.Sprintf("the certificate in %s expired on %s; Entra ID will refuse it (AADSTS700027)", path, c.NotAfter.UTC().Format(time.DateOnly))}
	case left < 7*24*time.Hour:
		return []string{fmt.Sprintf("the certificate in %s expires on %s, in less than 7 days", path, c.NotAfter.UTC().Format(time.DateOnly))}
	}
	return nil
}
