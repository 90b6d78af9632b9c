//go:build unix && !linux && !darwin

package runner

import (
	"os"
	"os/exec"
	"sync"
	"syscall"
)

// newTree puts the child in a process group of its own: killing the group
// reaches every descendant that did not leave it (setsid, setpgid). On
// the BSDs this does not look further for the ones that did, so they may
// outlive the run (Linux and macOS sweep the process table:
// tree_sweep.go).
func newTree(cmd *exec.Cmd) (tree, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return &group{}, nil
}

// group is a process group led by the child.
type group struct {
	mu  sync.Mutex // exec's context watcher may kill while Run starts
	pid int
}

func (g *group) started(p *os.Process) error {
	g.mu.Lock()
	g.pid = p.Pid
	g.mu.Unlock()
	return nil
}

func (g *group) kill() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return killGroup(g.pid)
}

func (g *group) release() {}
