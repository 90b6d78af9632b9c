// Package proctest helps tests check what became of a process they
// started, such as a hung tool's child that must be killed with it.
package proctest

import (
	"os"
	"strings"
	"syscall"
)

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

// PathList joins directories into a PATH value with the OS's separator
// (';' on Windows).
func PathList(dirs ...string) string {
	return strings.Join(dirs, string(os.PathListSeparator))
}
