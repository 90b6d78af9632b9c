package source

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"

	"github.com/aztoken/aztoken/internal/claims"
)

// credentialDigest names a credential in a cache key without holding it:
// the SHA-256 of a label and the length-prefixed parts. The key stays in
// memory; the cache keys it again with a secret of its own before it names
// a file (cache.Cache.Key), so neither the value nor a digest that could be
// checked against a guess reaches the disk.
//
// With the credential in the key, a changed or wrong secret, certificate,
// password or federated identity is never answered from the cache: it goes
// to Entra ID, which says whether it is right.
func credentialDigest(label string, parts ...string) string {
	h := sha256.New()
	var n [8]byte
	for _, p := range append([]string{label}, parts...) {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
	}
	return "cred=" + hex.EncodeToString(h.Sum(nil))
}

// certificateFileDigest names a certificate credential by the bytes of its
// file and the password that opens it, rather than by the certificate in
// it: computing the key (on every cached get) then reads and hashes a
// small file, where decoding it (PKCS#12's key derivation and decryption,
// parsing and checking the RSA key) took about a millisecond (issue 23).
// Any change to the file or the password changes the key, so a changed
// certificate is never answered from the cache; the same certificate
// exported again asks Entra ID once more. Whether the chain is sent
// matters too, since subject-name/issuer registrations need it.
func certificateFileDigest(file []byte, password string, sendChain bool) string {
	sum := sha256.Sum256(file)
	x5c := "no-x5c"
	if sendChain {
		x5c = "x5c"
	}
	return credentialDigest("certificate-file", hex.EncodeToString(sum[:]), password, x5c)
}

// assertionDigest names a federated token by what Entra ID matches a
// federated credential on: its issuer and subject. A token rotated by
// Kubernetes keeps both, so the cache still serves; another service
// account or cluster changes them. A file that is not a JWT with both is
// named by its whole content.
func assertionDigest(assertion string) string {
	if c, err := claims.Decode(assertion); err == nil {
		iss, _ := c.Raw["iss"].(string)
		sub, _ := c.Raw["sub"].(string)
		if iss != "" && sub != "" {
			return credentialDigest("federated", iss, sub)
		}
	}
	return credentialDigest("assertion", assertion)
}
