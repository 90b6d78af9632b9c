//go:build unix && !linux

package runner

import "syscall"

// parentDeathSignal does nothing: macOS and the BSDs have no way to tie a
// child's life to its parent's, so a child whose aztoken was killed with
// SIGKILL keeps running, as it would after a shell's exec.
func parentDeathSignal(*syscall.SysProcAttr) {}
