package cache

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aztoken/aztoken/internal/env"
)

// ErrUntrusted is wrapped by Open's error when the cache directory belongs
// to someone else: the caller should go on without a cache.
var ErrUntrusted = errors.New("the cache directory cannot be trusted")

// Dir is the cache directory: AZTOKEN_CACHE_DIR when set, else
// $XDG_CACHE_HOME/aztoken, else $HOME/.cache/aztoken.
func Dir(e env.Env) (string, error) {
	if d := e.Get("AZTOKEN_CACHE_DIR"); d != "" {
		if !filepath.IsAbs(d) {
			return "", fmt.Errorf("AZTOKEN_CACHE_DIR is %q, which is not an absolute path; set it to one", d)
		}
		return filepath.Clean(d), nil
	}
	// The XDG spec says a relative XDG_CACHE_HOME is invalid and to be ignored.
	if d := e.Get("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "aztoken"), nil
	}
	if h := e.Get("HOME"); h != "" && filepath.IsAbs(h) {
		return filepath.Join(h, ".cache", "aztoken"), nil
	}
	return "", errors.New("found no place for the token cache: HOME is not set; set AZTOKEN_CACHE_DIR to a directory of yours")
}

// prepareDir creates dir 0700 or checks that an existing one is the
// user's own and closed to others. A directory of the user's with wider
// permissions is tightened, and its entries, which others could have
// replaced, are discarded.
func prepareDir(dir string, notice func(string)) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return fmt.Errorf("cannot create the cache directory: %w", err)
	}
	if err := os.Mkdir(dir, 0o700); err == nil {
		// Mkdir is subject to the umask, which may only take bits away.
		return nil
	} else if !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("cannot create the cache directory: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("cannot use the cache directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: %s is not a directory", ErrUntrusted, dir)
	}
	if !ownedByUs(fi) {
		return fmt.Errorf("%w: %s belongs to another user; remove it or set AZTOKEN_CACHE_DIR to a directory of yours", ErrUntrusted, dir)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("%w: %s is open to other users (mode %04o) and cannot be made private: %v", ErrUntrusted, dir, perm, err)
		}
		n := discardEntries(dir)
		notice(fmt.Sprintf("cache directory %s was open to other users (mode %04o); made it private (0700) and discarded %d entries that could have been tampered with", dir, perm, n))
	}
	return nil
}

// discardEntries removes the entry and temporary files in dir, returning
// how many entries it removed.
func discardEntries(dir string) int {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	n := 0
	for _, de := range ents {
		name := de.Name()
		switch {
		case strings.HasSuffix(name, entryExt):
			if os.Remove(filepath.Join(dir, name)) == nil {
				n++
			}
		case strings.HasPrefix(name, tempPrefix):
			_ = os.Remove(filepath.Join(dir, name))
		}
	}
	return n
}
