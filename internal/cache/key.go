package cache

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// Key turns the parts that identify a token (the source's cache key, the
// scopes, the tenant, ...) into an entry key: the hex SHA-256 of the parts.
// Each part is length-prefixed, so ("ab", "c") and ("a", "bc") differ.
// The key is used as the entry's file name.
func Key(parts ...string) string {
	h := sha256.New()
	var n [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// checkKey refuses anything but what Key returns, so that a key can never
// name a file outside the cache directory.
func checkKey(key string) error {
	if len(key) != sha256.Size*2 {
		return fmt.Errorf("cache key %.16q is not a key made by cache.Key", key)
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return fmt.Errorf("cache key %.16q is not a key made by cache.Key", key)
		}
	}
	return nil
}
