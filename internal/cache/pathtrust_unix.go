//go:build unix

package cache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// maxLinks bounds the symbolic links one walk follows, as the kernel's
// own path walk does (ELOOP).
const maxLinks = 40

// prepareParent walks parent from the root, one component at a time and
// never through a link it has not checked (Lstat, the O_NOFOLLOW of stat),
// creating what is missing (0700), the way ssh checks the path to
// ~/.ssh: every directory on the way must belong to root or to the user
// and be writable by nobody else, unless it is sticky (as /tmp is), where
// others may add entries but not rename or remove the user's. A symbolic
// link on the way is followed only when it belongs to root or to the
// user: another user's link, placed higher in AZTOKEN_CACHE_DIR or
// XDG_CACHE_HOME, would otherwise choose which directory aztoken makes
// private and empties.
//
// Once the walk has passed, no other user can change what the path names,
// so the cache goes on using it. problem is why the path cannot be
// trusted, or "".
func (unixGuard) prepareParent(parent string) (problem string, err error) {
	return walkTrusted(parent, os.Geteuid())
}

func walkTrusted(path string, uid int) (problem string, err error) {
	if !filepath.IsAbs(path) {
		return "", fmt.Errorf("%s is not an absolute path", path)
	}
	at := "/"
	root, err := os.Lstat(at)
	if err != nil {
		return fmt.Sprintf("%s cannot be checked (%v)", at, err), nil
	}
	if p := dirTrust(at, root, uid); p != "" {
		return p, nil
	}
	rest := splitPath(path)
	links := 0
	for len(rest) > 0 {
		name := rest[0]
		rest = rest[1:]
		switch name {
		case ".":
			continue
		case "..":
			// at has no links in it, so its parent is lexical, and was
			// checked on the way down (or is the root).
			at = filepath.Dir(at)
			continue
		}
		next := filepath.Join(at, name)
		fi, err := os.Lstat(next)
		if errors.Is(err, fs.ErrNotExist) {
			// Made by us, for us alone: nothing to check.
			if err := os.Mkdir(next, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
				return "", err
			}
			if fi, err = os.Lstat(next); err != nil {
				return "", err
			}
		} else if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if !ownedBy(fi, uid) {
				return fmt.Sprintf("%s is a symbolic link that belongs to another user", next), nil
			}
			if links++; links > maxLinks {
				return "", fmt.Errorf("%s: too many levels of symbolic links", path)
			}
			target, err := os.Readlink(next)
			if err != nil {
				return "", err
			}
			if filepath.IsAbs(target) {
				at = "/"
			}
			rest = append(splitPath(target), rest...)
			continue
		}
		if !fi.IsDir() {
			return "", fmt.Errorf("%s is not a directory", next)
		}
		at = next
		if p := dirTrust(at, fi, uid); p != "" {
			return p, nil
		}
	}
	return "", nil
}

// dirTrust says why another user could replace an entry of dir, whose
// Lstat is fi, or "".
func dirTrust(dir string, fi fs.FileInfo, uid int) string {
	perm := fi.Mode().Perm()
	switch {
	case !ownedBy(fi, uid):
		return fmt.Sprintf("%s belongs to another user", dir)
	case fi.Mode()&fs.ModeSticky != 0:
		return ""
	case perm&0o002 != 0:
		return fmt.Sprintf("%s is writable by every user (mode %04o) and not sticky", dir, perm)
	case perm&0o020 != 0:
		return fmt.Sprintf("%s is writable by its group (mode %04o) and not sticky", dir, perm)
	}
	return ""
}

// ownedBy: root's or the user's.
func ownedBy(fi fs.FileInfo, uid int) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && (st.Uid == 0 || int(st.Uid) == uid)
}

func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
