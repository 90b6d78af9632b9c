//go:build unix

package proctest

import (
	"errors"
	"syscall"
)

// Gone reports whether pid has ended: it no longer exists, or it is a
// zombie waiting for a parent (in a container, PID 1 may never reap it).
// A process that exists and cannot be read is not gone: a check that the
// child was killed must never pass because it could not look.
func Gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	return zombie(pid)
}

// Kill sends SIGKILL to pid, for a test's cleanup.
func Kill(pid int) { _ = syscall.Kill(pid, syscall.SIGKILL) }
