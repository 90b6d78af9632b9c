package fakeazure

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// DefaultTenantID is the tenant the fakes use when none is configured.
const DefaultTenantID = "72f988bf-0000-4000-8000-00000000fa4e"

// stableID derives a GUID-shaped id from a name, so the same client or
// user always gets the same object id across runs and fakes.
func stableID(kind, name string) string {
	sum := sha256.Sum256([]byte("fakeazure/" + kind + "/" + name))
	return guid(sum[:16])
}

// randomID returns a random GUID-shaped id.
func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails.
	return guid(b)
}

// guid formats 16 bytes as a version-4-looking GUID.
func guid(b []byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// randomHex returns n random bytes as hex, for secrets and opaque tokens.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
