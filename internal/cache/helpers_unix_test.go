//go:build unix

package cache

import (
	"fmt"
	"os"
	"testing"
)

// checkPrivate fails the test unless path, a file or directory of the
// cache, is the user's alone: mode 0600, or 0700 for a directory.
func checkPrivate(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	want := os.FileMode(0o600)
	if fi.IsDir() {
		want = 0o700
	}
	if fi.Mode().Perm() != want {
		t.Errorf("%s has mode %04o, want %04o", path, fi.Mode().Perm(), want)
	}
}

// openToOthers lets other users read path, or write into it for a
// directory, and returns what the cache's notice about it must say.
func openToOthers(t *testing.T, path string) string {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	mode := os.FileMode(0o644)
	if fi.IsDir() {
		mode = 0o777
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%04o", mode)
}
