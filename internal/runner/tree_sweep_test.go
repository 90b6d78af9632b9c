//go:build linux || darwin

package runner

import (
	"context"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// setsid runs a command in a new session. macOS has no setsid command;
// its perl (in /usr/bin, as on Debian) calls setsid(2) itself.
func setsid() string {
	if runtime.GOOS == "darwin" {
		return "/usr/bin/perl -MPOSIX -e 'POSIX::setsid() or die; exec @ARGV or die'"
	}
	return "/usr/bin/setsid"
}

// TestRunKillsSetsidDescendants: descendants that call setsid leave the
// child's process group and session, so a group kill misses them. They
// must end with the run anyway, whether the child exits on its own or is
// killed at its deadline, and whether or not they keep the environment.
func TestRunKillsSetsidDescendants(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		body    string
		timeout time.Duration
	}{
		// Found by the marker in its environment, after the child exited.
		"child exits": {"SETSID sh -c 'echo $$ > PIDFILE; exec sleep 1000' &\necho token\n", time.Minute},
		// Found by the marker, at the deadline.
		"deadline": {"SETSID sh -c 'echo $$ > PIDFILE; exec sleep 1000' &\nsleep 1000\n", 300 * time.Millisecond},
		// No marker (env -i): found as a descendant of the living child.
		"deadline, environment cleared": {"env -i SETSID /bin/sh -c 'echo $$ > PIDFILE; exec sleep 1000' &\nsleep 1000\n", 300 * time.Millisecond},
		// A grandchild of a setsid'd process, after the child exited.
		"nested": {"SETSID sh -c 'sleep 1000 & echo $! > PIDFILE; wait' &\necho token\n", time.Minute},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pidfile := filepath.Join(t.TempDir(), "pid")
			// The tool goes on only once the descendant has written its pid.
			body := strings.Replace(c.body, "&\n", "&\nwhile [ ! -s PIDFILE ]; do sleep 0.01; done\n", 1)
			body = strings.ReplaceAll(body, "SETSID", setsid())
			dir := script(t, "tool", strings.ReplaceAll(body, "PIDFILE", pidfile))
			_, err := Run(context.Background(), Cmd{Name: "tool", Environ: environ(dir), Timeout: c.timeout})
			if c.timeout < time.Minute && err == nil {
				t.Fatalf("Run succeeded; want a timeout")
			}
			if c.timeout == time.Minute && err != nil {
				t.Fatalf("Run: %v", err)
			}
			waitGone(t, readPid(t, pidfile))
		})
	}
}

func TestTreeMembers(t *testing.T) {
	// 100 is the child and its group; 300 called setsid (group 300);
	// 400 is 300's child; 500 is marked and its parent (1) is init; 600 is
	// someone else's process; 700 is in a group of its own under 100.
	table := []proc{
		{pid: 1, ppid: 0, pgid: 1},
		{pid: 100, ppid: 50, pgid: 100},
		{pid: 101, ppid: 100, pgid: 100},
		{pid: 300, ppid: 1, pgid: 300, marked: true},
		{pid: 400, ppid: 300, pgid: 300},
		{pid: 500, ppid: 1, pgid: 500, marked: true},
		{pid: 600, ppid: 1, pgid: 600},
		{pid: 700, ppid: 100, pgid: 700},
		{pid: 701, ppid: 700, pgid: 700},
	}
	for _, tt := range []struct {
		name        string
		root, group int
		want        []int
	}{
		{"child alive", 100, 100, []int{101, 300, 400, 500, 700, 701}},
		{"child reaped", -1, 100, []int{101, 300, 400, 500}},
	} {
		got := treeMembers(table, tt.root, tt.group)
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: treeMembers = %v, want %v", tt.name, got, tt.want)
		}
	}
}
