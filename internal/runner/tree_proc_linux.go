package runner

import (
	"bytes"
	"os"
	"strconv"
	"strings"
)

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
