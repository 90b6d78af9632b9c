// Package proctest helps tests check what became of a process they
// started, such as a hung tool's child that must be killed with it.
package proctest

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Gone reports whether pid has ended: it no longer exists, or it is a
// zombie waiting for a parent (in a container, PID 1 may never reap it).
func Gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	// The state follows the command name, which is in parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && len(s) > i+2 && s[i+2] == 'Z'
}

// WriteExecutable writes an executable file that the test will run at
// once. It holds syscall.ForkLock while the file is open for writing: a
// process forked by a parallel test in that window would inherit the
// descriptor until it execs, and running the file would then fail with
// "text file busy" (ETXTBSY, golang.org/issue/22315).
func WriteExecutable(path string, content []byte) error {
	syscall.ForkLock.Lock()
	defer syscall.ForkLock.Unlock()
	return os.WriteFile(path, content, 0o755)
}
