package cache

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
)

// Key turns the parts that identify a token (the request and every
// source's cache key, which may carry digests of credentials) into an entry
// key: the hex HMAC-SHA256 of the parts under the cache's name key. Each
// part is length-prefixed, so ("ab", "c") and ("a", "bc") differ.
//
// The key is the entry's file name, and file names travel further than
// file contents (ls output in a bug report, `cache list`). Keyed, a name
// says nothing about what went into it: a short password whose digest is
// part of a source's key cannot be guessed from a name without the name
// key.
func (c *Cache) Key(parts ...string) string { return digest(c.nameKey, parts...) }

func digest(key []byte, parts ...string) string {
	h := hmac.New(sha256.New, key)
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
		return fmt.Errorf("cache key %.16q is not a key made by Cache.Key", key)
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return fmt.Errorf("cache key %.16q is not a key made by Cache.Key", key)
		}
	}
	return nil
}

// nameKeyFile holds the name key in plain mode.
const nameKeyFile = "names.key"

// nameKeyLabel separates the name key derived from the cache key from the
// cache key's other uses.
const nameKeyLabel = "aztoken cache entry names v1"

// deriveNameKey makes the name key from the keyring's cache key, so that
// in keyring mode nothing on disk reveals it.
func deriveNameKey(cacheKey []byte) []byte {
	m := hmac.New(sha256.New, cacheKey)
	m.Write([]byte(nameKeyLabel))
	return m.Sum(nil)
}

// loadNameKey returns plain mode's name key, creating it on first use.
// The file is created whole or not at all (a temporary file hard-linked
// into place), so that two processes starting on a new directory agree on
// one key: the loser of the link reads the winner's.
func (c *Cache) loadNameKey() ([]byte, error) {
	path := c.path(nameKeyFile, "")
	for attempt := 0; attempt < 2; attempt++ {
		data, err := readTrusted(path)
		if err == nil && len(data) == keySize {
			return data, nil
		}
		switch {
		case err == nil:
			c.notice(fmt.Sprintf("replaced %s: it is %d bytes long, not %d", path, len(data), keySize))
			_ = os.Remove(path)
		case !errors.Is(err, os.ErrNotExist):
			c.notice(fmt.Sprintf("replaced %s: %v", path, err))
			_ = os.Remove(path)
		}
		if err := c.createNameKey(path); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("cannot settle on a key for entry names in %s", c.dir)
}

func (c *Cache) createNameKey(path string) error {
	key := make([]byte, keySize)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	f, err := os.CreateTemp(c.dir, tempPrefix+"names-*")
	if err != nil {
		return fmt.Errorf("cannot write to the cache directory: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	_, werr := f.Write(key)
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("cannot write the entry name key: %w", err)
	}
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("cannot write the entry name key: %w", err)
	}
	return nil
}
