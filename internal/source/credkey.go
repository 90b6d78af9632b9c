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

// certificateDigest names a certificate credential by the SHA-256
// thumbprint of its leaf (x5t#S256); whether the chain is sent matters
// too, since subject-name/issuer registrations need it.
func certificateDigest(c *Certificate, sendChain bool) string {
	sum := sha256.Sum256(c.Leaf.Raw)
	x5c := "no-x5c"
	if sendChain {
		x5c = "x5c"
	}
	return credentialDigest("certificate", hex.EncodeToString(sum[:]), x5c)
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
