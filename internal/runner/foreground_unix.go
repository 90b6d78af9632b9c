//go:build unix

package runner

import (
	"errors"
	"os"
	"os/exec"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// forwardSignals are passed on to a foreground child. INT, TERM and HUP
// are the ones aztoken stops on; QUIT, USR1 and USR2 would otherwise end
// aztoken by their default action and leave the child orphaned, and
// some programs give them a meaning of their own.
var forwardSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2}

// newForegroundTree leaves the child in aztoken's own process group,
// unlike newTree: a child in a group of its own would be a background job
// of the terminal, and an interactive client such as psql would be
// stopped (SIGTTIN) the moment it read its first line. Where the platform
// has it, the child is also told to die with aztoken (parentDeathSignal),
// so that a kill -9 of aztoken does not leave it running.
func newForegroundTree(cmd *exec.Cmd) (tree, error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	parentDeathSignal(cmd.SysProcAttr)
	return &soleChild{}, nil
}

// soleChild is a tree of one process that aztoken can reach: the child.
type soleChild struct {
	mu sync.Mutex
	p  *os.Process
}

func (s *soleChild) started(p *os.Process) error {
	s.mu.Lock()
	s.p = p
	s.mu.Unlock()
	return nil
}

func (s *soleChild) kill() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.p == nil {
		return os.ErrProcessDone
	}
	return s.p.Kill()
}

func (s *soleChild) release() {}

// Signal passes sig on to the child. SIGINT and SIGQUIT are skipped when
// they came from the terminal: a terminal sends Ctrl+C and Ctrl+\ to its
// whole foreground process group, which holds the child too (see
// newForegroundTree), and a second copy would turn a program's "stop
// gracefully" into "stop now". aztoken cannot see who sent a signal, so
// it takes "our group is the terminal's foreground group" to mean the
// terminal did; a kill -INT of aztoken alone from elsewhere is then not
// passed on, and is documented so.
func (c *Child) Signal(sig os.Signal) error {
	if (sig == syscall.SIGINT || sig == syscall.SIGQUIT) && terminalForeground() {
		return nil
	}
	err := c.cmd.Process.Signal(sig)
	if errors.Is(err, os.ErrProcessDone) {
		return nil
	}
	return err
}

// terminalForeground says whether this process's group is the foreground
// process group of its controlling terminal.
func terminalForeground() bool {
	f, err := os.Open("/dev/tty")
	if err != nil {
		// No controlling terminal (a CI job, a service, setsid).
		return false
	}
	defer f.Close()
	pgrp, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCGPGRP)
	return err == nil && pgrp == unix.Getpgrp()
}

// exitCode is what a shell reports for the child: 128 plus the signal
// that ended it, else its exit status.
func exitCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}
