//go:build unix

package cache

import (
	"os"
	"path/filepath"

	"github.com/gofrs/flock"
)

// Unix has no sharing modes: an open file never stops a rename or an open.
func busy(error) bool { return false }

func openShared(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|openFlags, 0)
}

func renameIn(dir, tmp, name string) error {
	return os.Rename(filepath.Join(dir, tmp), filepath.Join(dir, name))
}

// removeHeld removes a lock file while holding its lock, so that no other
// process takes it in between.
func removeHeld(fl *flock.Flock, path string) {
	_ = os.Remove(path)
	_ = fl.Unlock()
}
