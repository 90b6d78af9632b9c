//go:build !linux && !windows

package cache

import "errors"

// The encrypted mode's tests use the kernel keyring; elsewhere they are
// skipped, so that a test run never touches the user's Keychain or key.
func testKeyProbe() error { return errors.New("the key store tests run on Linux only") }

func testKeyRemove(string) error { return nil }
