package cache

import (
	"errors"
	"os"

	"github.com/gofrs/flock"
	"golang.org/x/sys/windows"
)

// busy says whether err is another handle's doing and may pass: a sharing
// violation, or access denied while a file is being renamed or deleted.
func busy(err error) bool {
	return errors.Is(err, windows.ERROR_SHARING_VIOLATION) ||
		errors.Is(err, windows.ERROR_ACCESS_DENIED) ||
		errors.Is(err, windows.ERROR_LOCK_VIOLATION)
}

// openShared opens path for reading with every sharing mode, so that a
// writer may rename a new entry over it or `cache clear` delete it while
// it is read (os.Open leaves out FILE_SHARE_DELETE). The reparse point
// itself is opened, not what it points to, as O_NOFOLLOW does on Unix;
// readTrusted then refuses it as not a regular file.
func openShared(path string) (*os.File, error) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL|windows.FILE_FLAG_OPEN_REPARSE_POINT, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(h), path), nil
}

// renameIn renames through os.Root, which asks Windows for POSIX
// semantics (FILE_RENAME_POSIX_SEMANTICS): the new entry replaces one that
// readers hold open, and they go on reading the old one. Where the file
// system lacks them (FAT, network shares, Windows before 10, Wine), no
// rename may replace a file that anyone holds open, whatever its sharing
// mode; there the old entry, which readers open with FILE_SHARE_DELETE,
// is first renamed aside (a temporary name, removed at once or by the
// next clear), and the new one takes its name. A reader in between finds
// no entry, a miss, and never part of one. The caller holds the key's
// lock, so no other writer comes in between.
func renameIn(dir, tmp, name string) error {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer r.Close()
	err = r.Rename(tmp, name)
	if err == nil || !busy(err) {
		return err
	}
	aside := tmp + "-old"
	if err := r.Rename(name, aside); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	err = r.Rename(tmp, name)
	_ = r.Remove(aside)
	return err
}

// removeHeld removes an idle lock file. Windows deletes no file that is
// open without FILE_SHARE_DELETE, as flock's own handle is, so the lock
// is let go first; should another process open the file in between, the
// removal fails, rightly: the file is no longer idle.
func removeHeld(fl *flock.Flock, path string) {
	_ = fl.Unlock()
	_ = os.Remove(path)
}
