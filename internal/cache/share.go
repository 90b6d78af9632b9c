package cache

import (
	"os"
	"time"
)

// Windows lets a reader's open handle stand in the way of a writer's
// rename, and a rename in progress stand in the way of a reader's open,
// where Unix lets both go on. Readers there open with FILE_SHARE_DELETE and
// the writer renames with POSIX semantics (share_windows.go), which makes
// such clashes rare; what is left (another program holding a file, a
// rename caught half-way) is retried for shareWait, then reported.
const (
	shareWait  = 500 * time.Millisecond
	shareRetry = 2 * time.Millisecond
)

// retryBusy runs op until it succeeds, fails for a reason other than
// another handle's sharing mode (busy), or shareWait has passed.
func retryBusy(op func() error) error {
	deadline := time.Now().Add(shareWait)
	for {
		err := op()
		if err == nil || !busy(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(shareRetry)
	}
}

// openEntry opens a cache file for reading: never through a symbolic
// link, never blocking on a FIFO, and on Windows without keeping a writer
// from replacing it.
func openEntry(path string) (*os.File, error) {
	var f *os.File
	err := retryBusy(func() (err error) {
		f, err = openShared(path)
		return err
	})
	return f, err
}

// replaceFile renames dir's file tmp to name, replacing what is there, so
// that a reader sees the old file or the new one and never part of one.
func replaceFile(dir, tmp, name string) error {
	return retryBusy(func() error { return renameIn(dir, tmp, name) })
}
