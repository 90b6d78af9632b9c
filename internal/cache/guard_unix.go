//go:build unix

package cache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

var platformGuard guard = unixGuard{}

// unixGuard keeps the cache private with owner ids and mode bits.
type unixGuard struct{}

func (unixGuard) owned(_ *os.File, fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid()
}

func (unixGuard) fileProblem(_ *os.File, fi fs.FileInfo) string {
	if p := fi.Mode().Perm(); p != 0o600 {
		return fmt.Sprintf("its permissions are %04o, not 0600", p)
	}
	return ""
}

func (unixGuard) dirProblem(_ *os.File, fi fs.FileInfo) string {
	if p := fi.Mode().Perm(); p&0o077 != 0 {
		return fmt.Sprintf("mode %04o", p)
	}
	return ""
}

// restrict changes the mode through the open descriptor, so a directory
// swapped for a link after it was opened is not what gets changed.
func (unixGuard) restrict(_ string, f *os.File) error { return f.Chmod(0o700) }

// mkdir creates dir 0700; the umask can only take bits away.
func (unixGuard) mkdir(dir string) error { return os.Mkdir(dir, 0o700) }

func (unixGuard) openDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(dir, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_DIRECTORY, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, errSymlink
	}
	if errors.Is(err, syscall.ENOTDIR) {
		// O_DIRECTORY on a link to a file may say ENOTDIR before ELOOP.
		if fi, lerr := os.Lstat(dir); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return nil, errSymlink
		}
		return nil, errNotDir
	}
	return f, err
}

// openFlags make opening a symbolic link fail, so that an entry cannot
// point at a file elsewhere, and keep a FIFO in its place from blocking.
const openFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK

// lockFlags open lock files: never through a link someone planted, which
// would otherwise create or truncate a file wherever it points.
const lockFlags = os.O_CREATE | os.O_RDWR | syscall.O_NOFOLLOW

// isSymlinkErr says whether opening failed because the name is a link.
func isSymlinkErr(err error) bool { return errors.Is(err, syscall.ELOOP) }
