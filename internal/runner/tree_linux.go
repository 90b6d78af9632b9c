package runner

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// markerVar is added to every child's environment with a value unique to
// the run. Descendants inherit it, also those that call setsid and so
// leave the child's process group and session, and /proc/<pid>/environ
// shows it for every process of the same user, so the run can find them
// without privileges. (Jenkins' ProcessTreeKiller finds a build's
// leftovers the same way.)
//
// What is possible on Linux without root, and what this does:
//   - The process group (Setpgid) catches every descendant that stays in
//     it: one kill(-pgid).
//   - The marker catches descendants that left the group or session, as
//     long as they keep the environment they were started with.
//   - Walking /proc from the child's pid catches descendants that cleared
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
	lt := &linuxTree{marker: markerVar + "=" + hex.EncodeToString(b[:])}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Env = append(cmd.Env, lt.marker)
	return lt, nil
}

type linuxTree struct {
	marker string
	mu     sync.Mutex // exec's context watcher may kill while Run starts
	p      *os.Process
}

func (t *linuxTree) started(p *os.Process) error {
	t.mu.Lock()
	t.p = p
	t.mu.Unlock()
	return nil
}
func (t *linuxTree) release() {}

// sweepRounds bounds how often kill looks again for processes that were
// started while it was killing the ones it had found.
const sweepRounds = 8

// kill finds the tree in /proc while the child still lives (so that its
// descendants' parent links lead back to it), kills the group and every
// process found, then looks again, by group and marker, for any that were
// forked meanwhile. It never stops a process (SIGSTOP) to look: aztoken
// may exit at any moment after a signal, and a process left stopped would
// never end. One sweep reads two small files per process, about 15 ms for
// 150 processes on a loaded machine.
func (t *linuxTree) kill() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.p == nil {
		return os.ErrProcessDone
	}
	group := t.p.Pid
	// The group id stays reserved while any member lives, but once the
	// child is reaped its pid may name another process: walk from it only
	// while it is ours (Signal says so exactly, through a pidfd).
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

// readProcs reads the process table from /proc. Processes of other users
// show no environment and so are never marked; processes that end while
// it reads are skipped.
func readProcs(marker string) []proc {
	d, err := os.Open("/proc")
	if err != nil {
		return nil
	}
	names, _ := d.Readdirnames(-1)
	d.Close()
	self := os.Getpid()
	want := []byte(marker + "\x00")
	var out []proc
	for _, name := range names {
		pid, err := strconv.Atoi(name)
		if err != nil || pid == self {
			continue
		}
		stat, err := os.ReadFile("/proc/" + name + "/stat")
		if err != nil {
			continue
		}
		p, ok := parseStat(pid, string(stat))
		if !ok {
			continue
		}
		if env, err := os.ReadFile("/proc/" + name + "/environ"); err == nil {
			p.marked = bytes.Contains(append([]byte{0}, env...), append([]byte{0}, want...))
		}
		out = append(out, p)
	}
	return out
}

// parseStat reads the parent and group from /proc/<pid>/stat:
// "pid (comm) state ppid pgrp ...". comm may hold spaces and parentheses,
// so the fields are counted from the last ')'.
func parseStat(pid int, s string) (proc, bool) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return proc{}, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 3 || f[0] == "Z" || f[0] == "X" {
		// A zombie is already dead; only its parent can clear it.
		return proc{}, false
	}
	ppid, err1 := strconv.Atoi(f[1])
	pgid, err2 := strconv.Atoi(f[2])
	if err1 != nil || err2 != nil {
		return proc{}, false
	}
	return proc{pid: pid, ppid: ppid, pgid: pgid}, true
}
