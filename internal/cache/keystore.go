package cache

// keyStore keeps the cache key where only this user can read it. Each
// platform has one (keyring_linux.go: the kernel user keyring;
// keyring_darwin.go: the login Keychain; keyring_windows.go: a file
// protected with DPAPI); where there is none, or it refuses, the cache
// keeps plain files and Mode says why.
type keyStore interface {
	// find returns the key. found is false when there is none (or what is
	// there is not a key of ours, so it is to be replaced); err is set when
	// the store cannot be used at all.
	find() (key []byte, found bool, err error)
	// create makes a new random key and stores it, replacing any other.
	// The caller holds the keyring lock.
	create() ([]byte, error)
	// name is the store in a sentence: "the kernel keyring".
	name() string
	// where says where the key is, for Mode and explain.
	where() string
}
