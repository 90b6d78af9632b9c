package cache

// On Windows the encrypted mode's key is a DPAPI-protected file in the
// cache directory (keyring_windows.go), here each test's own temporary
// one: the tests touch nothing of the user's, so they always run, and
// they are the DPAPI key store's tests.
func testKeyProbe() error { return nil }

func testKeyRemove(string) error { return nil }
