//go:build unix

package runner

import (
	"errors"
	"os"
	"syscall"
)

// killGroup sends SIGKILL to every process in the group led by pid. The
// group outlives its leader while any member lives, so this also reaches
// grandchildren once the child itself is gone.
func killGroup(pid int) error {
	if pid <= 0 {
		return os.ErrProcessDone
	}
	err := syscall.Kill(-pid, syscall.SIGKILL)
	if errors.Is(err, syscall.ESRCH) {
		return os.ErrProcessDone
	}
	return err
}

// defaultDir is where a child runs unless told otherwise.
func defaultDir([]string) string { return "/" }
