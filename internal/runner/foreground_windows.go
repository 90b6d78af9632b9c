package runner

import (
	"os"
	"os/exec"
	"syscall"
)

// forwardSignals are the console events aztoken must survive while a
// foreground child runs: Ctrl+C (and Ctrl+Break) as os.Interrupt, a closed
// console, log-off and shut-down as SIGTERM.
var forwardSignals = []os.Signal{os.Interrupt, syscall.SIGTERM}

// newForegroundTree is the job object of newTree: kill-on-close, so that
// the child and everything it starts end with aztoken however aztoken
// ends (Windows has no signal to pass on, and a CI runner that stops a
// step ends aztoken.exe alone).
func newForegroundTree(cmd *exec.Cmd) (tree, error) { return newTree(cmd) }

// Signal does nothing on Windows: a console sends its events to every
// process attached to it, the child included, and there is no way to
// send Ctrl+C to one process. Receiving the event only keeps aztoken
// alive until the child has decided what to do.
func (c *Child) Signal(os.Signal) error { return nil }

// exitCode is the child's exit code as Windows reports it (a process
// ended by Ctrl+C usually exits with STATUS_CONTROL_C_EXIT, 0xC000013A).
func exitCode(ps *os.ProcessState) int { return ps.ExitCode() }
