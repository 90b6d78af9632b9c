// Package cache is aztoken's persistent token cache.
//
// Each entry lives in its own file, named for a keyed hash of what it
// answers (see Cache.Key), in a directory only the user can enter (see Dir). Files are written
// atomically (temporary file, fsync, rename) under a per-key lock, so
// readers never see half a file and take no lock at all: a hit is one small
// file read.
//
// Tokens are encrypted at rest with AES-256-GCM when the Linux kernel user
// keyring holds (or can be given) the cache key; where keyctl is blocked, as
// in many containers, files are plain and protected by their 0600 mode
// alone. Mode says which is in use and why.
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
