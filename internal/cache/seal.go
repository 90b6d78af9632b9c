package cache

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// keySize is the cache key's length: AES-256.
const keySize = 32

// sealer encrypts entries with the cache key.
type sealer struct {
	aead cipher.AEAD
	// id names the key in file headers: the keyring description and a
	// fingerprint of the key, so that a file written with an earlier key
	// (the keyring is emptied at the user's last logout) is a plain miss.
	id string
	// names is the key of entry names, derived from the cache key.
	names []byte
}

func newSealer(desc string, key []byte) (*sealer, error) {
	if len(key) != keySize {
		return nil, fmt.Errorf("the cache key is %d bytes long, not %d", len(key), keySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	// The fingerprint is a hash of the key under a fixed label, so it says
	// nothing about the key and cannot be confused with another use of it.
	sum := sha256.Sum256(append([]byte("aztoken cache key id\x00"), key...))
	return &sealer{aead: aead, id: desc + "/" + hex.EncodeToString(sum[:8]), names: deriveNameKey(key)}, nil
}
