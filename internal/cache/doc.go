// Package cache is aztoken's persistent token cache.
//
// Each entry lives in its own file, named for a keyed hash of what it
// answers (see Cache.Key), in a directory only the user can enter (see Dir). Files are written
// atomically (temporary file, fsync, rename) under a per-key lock, so
// readers never see half a file and take no lock at all: a hit is one small
// file read.
//
// Tokens are encrypted at rest with AES-256-GCM when the system's key
// store holds (or can be given) the cache key: the Linux kernel user
// keyring, the macOS login Keychain, or a DPAPI-protected file on Windows
// (keyStore). Where the store refuses (keyctl blocked, as in many
// containers; a locked Keychain over SSH), files are plain and protected by
// their permissions alone. Mode says which is in use and why. Who owns a
// file and who else may read it is the platform's to say (guard): owner ids
// and mode bits on Unix, owner SIDs and access lists on Windows.
//
// Anything the cache cannot trust (a corrupt or truncated file, one from
// another program or format version, one written with another key, one
// that is not 0600 or not the user's own) is a miss: the caller fetches a
// token afresh and the bad file is replaced. The cache reports such things
// through the Notice callback, in words that never contain a token.
//
// Acquire is the entry point for commands: it serves a fresh cached token,
// or lets exactly one of many concurrent processes fetch a new one while
// the others wait for its result.
package cache
