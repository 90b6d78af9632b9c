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

// errSymlink and errNotDir are what openDir reports for a cache directory
// that is not a plain directory.
var (
	errSymlink = errors.New("it is a symbolic link")
	errNotDir  = errors.New("it is not a directory")
)

// Dir is the cache directory: AZTOKEN_CACHE_DIR when set, else the
// platform's (see defaultDir): $XDG_CACHE_HOME/aztoken or
// $HOME/.cache/aztoken on Linux, ~/Library/Caches/aztoken on macOS,
// %LOCALAPPDATA%\aztoken on Windows.
func Dir(e env.Env) (string, error) {
	if d := e.Get("AZTOKEN_CACHE_DIR"); d != "" {
		if !filepath.IsAbs(d) {
			return "", fmt.Errorf("AZTOKEN_CACHE_DIR is %q, which is not an absolute path; set it to one", d)
		}
		return filepath.Clean(d), nil
	}
	return defaultDir(e)
}

// prepareDir creates dir for the user alone, or checks that an existing
// one is the user's own, a real directory rather than a link, and on a
// path no other user can change (guard.prepareParent). A directory of the user's that
// is open to others is made private, and its entries, which others could
// have replaced, are discarded.
func prepareDir(g guard, dir string, notice func(string)) error {
	p, err := g.prepareParent(filepath.Dir(dir))
	if err != nil {
		return fmt.Errorf("cannot create the cache directory: %w", err)
	}
	if p != "" {
		return fmt.Errorf("%w: %s, so another user could put something else in place of %s; set AZTOKEN_CACHE_DIR to a directory under one only you can write to", ErrUntrusted, p, dir)
	}
	if err := g.mkdir(dir); err == nil {
		return nil
	} else if !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("cannot create the cache directory: %w", err)
	}
	f, err := g.openDir(dir)
	switch {
	case errors.Is(err, errSymlink):
		// Following it would let whoever planted it choose what we
		// make private and empty.
		return fmt.Errorf("%w: %s is a symbolic link; remove it, or set AZTOKEN_CACHE_DIR to a real directory of yours", ErrUntrusted, dir)
	case errors.Is(err, errNotDir):
		return fmt.Errorf("%w: %s is not a directory", ErrUntrusted, dir)
	case err != nil:
		return fmt.Errorf("cannot use the cache directory: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("cannot use the cache directory: %w", err)
	}
	if !g.owned(f, fi) {
		return fmt.Errorf("%w: %s belongs to another user; remove it or set AZTOKEN_CACHE_DIR to a directory of yours", ErrUntrusted, dir)
	}
	if p := g.dirProblem(f, fi); p != "" {
		if err := g.restrict(dir, f); err != nil {
			return fmt.Errorf("%w: %s is open to other users (%s) and cannot be made private: %v", ErrUntrusted, dir, p, err)
		}
		n := discardEntries(dir)
		notice(fmt.Sprintf("cache directory %s was open to other users (%s); made it private and discarded %d entries that could have been tampered with", dir, p, n))
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
