//go:build linux || darwin

package runner

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"sync"
	"syscall"
)

// markerVar is added to every child's environment with a value unique to
// the run. Descendants inherit it, also those that call setsid and so
// leave the child's process group and session, and the process table
// shows every process's initial environment to its own user (Linux:
// /proc/<pid>/environ; macOS: sysctl kern.procargs2, as ps -E reads it),
// so the run can find them without privileges. (Jenkins'
// ProcessTreeKiller finds a build's leftovers the same way.)
//
// What is possible without root (Linux; macOS alike but for cgroups), and
// what this does:
//   - The process group (Setpgid) catches every descendant that stays in
//     it: one kill(-pgid).
//   - The marker catches descendants that left the group or session, as
//     long as they keep the environment they were started with.
//   - Walking the process table from the child's pid catches descendants that cleared
//     their environment while their parent chain back to the child lives.
//   - What is left: a descendant that clears its environment, calls
//     setsid and whose parent then exits. Only a cgroup (cgroup.kill)
//     holds such a process, and creating one needs a delegated cgroup v2
//     subtree (systemd's user session gives one, containers and CI
//     runners mostly do not) and moving aztoken itself into a leaf. We do
//     not try: a tool that works only under some session managers would
//     be a promise we cannot keep. PR_SET_CHILD_SUBREAPER would make such
//     orphans our children, but it changes what every other child of this
//     process does on exit and still cannot say which run an orphan came
//     from, so it is not used either.
const markerVar = "AZTOKEN_RUN_ID"

// newTree puts the child in a process group of its own and marks its
// environment (see markerVar).
func newTree(cmd *exec.Cmd) (tree, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	lt := &sweepTree{marker: markerVar + "=" + hex.EncodeToString(b[:])}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Env = append(cmd.Env, lt.marker)
	return lt, nil
}

type sweepTree struct {
	marker string
	mu     sync.Mutex // exec's context watcher may kill while Run starts
	p      *os.Process
}

func (t *sweepTree) started(p *os.Process) error {
	t.mu.Lock()
	t.p = p
	t.mu.Unlock()
	return nil
}
func (t *sweepTree) release() {}

// sweepRounds bounds how often kill looks again for processes that were
// started while it was killing the ones it had found.
const sweepRounds = 8

// kill finds the tree in the process table while the child still lives (so that its
// descendants' parent links lead back to it), kills the group and every
// process found, then looks again, by group and marker, for any that were
// forked meanwhile. It never stops a process (SIGSTOP) to look: aztoken
// may exit at any moment after a signal, and a process left stopped would
// never end. On Linux one sweep reads two small files per process, about
// 15 ms for 150 processes on a loaded machine; on macOS one sysctl for
// the table and one per process of the user.
func (t *sweepTree) kill() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.p == nil {
		return os.ErrProcessDone
	}
	group := t.p.Pid
	// The group id stays reserved while any member lives, but once the
	// child is reaped its pid may name another process: walk from it only
	// while it is ours (Signal says so exactly: through a pidfd on Linux,
	// and on macOS from os.Process's own record of the Wait).
	root := -1
	if t.p.Signal(syscall.Signal(0)) == nil {
		root = group
	}
	found := treeMembers(readProcs(t.marker), root, group)
	gerr := killGroup(group)
	killed := map[int]bool{}
	for round := 0; len(found) > 0 && round < sweepRounds; round++ {
		for _, pid := range found {
			killed[pid] = true
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		_ = killGroup(group)
		found = found[:0]
		for _, pid := range treeMembers(readProcs(t.marker), -1, group) {
			if !killed[pid] {
				found = append(found, pid)
			}
		}
	}
	if len(killed) > 0 {
		return nil
	}
	return gerr
}

// proc is what the sweep needs to know of one process.
type proc struct {
	pid, ppid, pgid int
	marked          bool // its environment holds the run's marker
}

// treeMembers picks the processes of a run out of a process table: those
// in its group, those marked, and the descendants of these and of root
// (the child, or -1 once it is reaped). The child itself is left to the
// group kill and to Wait.
func treeMembers(procs []proc, root, group int) []int {
	children := map[int][]int{}
	in := map[int]bool{}
	var queue []int
	for _, p := range procs {
		children[p.ppid] = append(children[p.ppid], p.pid)
		if p.pid != group && (p.marked || p.pgid == group) {
			in[p.pid] = true
			queue = append(queue, p.pid)
		}
	}
	if root > 0 {
		queue = append(queue, root)
	}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		for _, c := range children[pid] {
			if !in[c] && c != root {
				in[c] = true
				queue = append(queue, c)
			}
		}
	}
	out := make([]int, 0, len(in))
	for pid := range in {
		out = append(out, pid)
	}
	return out
}
