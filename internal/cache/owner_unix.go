//go:build unix

package cache

import (
	"io/fs"
	"os"
	"syscall"
)

// ownedByUs says whether fi belongs to the effective user.
func ownedByUs(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid()
}

// openFlags make opening a symbolic link fail, so that an entry cannot
// point at a file elsewhere, and keep a FIFO in its place from blocking.
const openFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK
