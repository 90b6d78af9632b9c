package runner

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/proctest"
)

// script writes an executable sh script named name into a fresh directory
// and returns that directory, to be used as the child's PATH.
func script(t *testing.T, name, body string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("skipping: the fake tools are sh scripts")
	}
	dir := t.TempDir()
	if err := proctest.WriteExecutable(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body)); err != nil {
		t.Fatal(err)
	}
	return dir
}

func environ(dir string, extra ...string) []string {
	return append([]string{"PATH=" + dir + ":" + proctest.SystemPath()}, extra...)
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !proctest.Gone(pid) {
		if time.Now().After(deadline) {
			proctest.Kill(pid)
			t.Fatalf("process %d is still running after the run returned", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func readPid(t *testing.T, file string) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile(file)
		if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && perr == nil && pid > 0 {
			return pid
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pid in %s", file)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRunSuccess(t *testing.T) {
	t.Parallel()
	dir := script(t, "tool", `
printf 'out:%s\n' "$*"
printf 'err:%s\n' "$FOO" >&2
printf 'home:%s\n' "${HOME-unset}"
printf 'pwd:%s\n' "$(pwd)"
printf 'stdin:%s\n' "$(cat)"
`)
	res, err := Run(context.Background(), Cmd{Name: "tool", Args: []string{"a b", "c"}, Environ: environ(dir, "FOO=bar")})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := "out:a b c\nhome:unset\npwd:/\nstdin:\n"
	if string(res.Stdout) != want {
		t.Errorf("stdout = %q, want %q", res.Stdout, want)
	}
	if string(res.Stderr) != "err:bar\n" {
		t.Errorf("stderr = %q", res.Stderr)
	}
	if res.ExitCode != 0 || res.Path != filepath.Join(dir, "tool") {
		t.Errorf("exit %d path %q", res.ExitCode, res.Path)
	}
}

func TestRunExitCodes(t *testing.T) {
	t.Parallel()
	for _, code := range []int{1, 2, 3, 127} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			t.Parallel()
			dir := script(t, "tool", "echo partial; echo failing >&2; exit "+strconv.Itoa(code)+"\n")
			res, err := Run(context.Background(), Cmd{Name: "tool", Environ: environ(dir)})
			var ee *ExitError
			if !errors.As(err, &ee) || ee.Code != code || res.ExitCode != code {
				t.Fatalf("err = %v (%T), exit %d; want exit %d", err, err, res.ExitCode, code)
			}
			if err.Error() != "exited with status "+strconv.Itoa(code) {
				t.Errorf("message %q", err)
			}
			if string(res.Stdout) != "partial\n" || string(res.Stderr) != "failing\n" {
				t.Errorf("stdout %q stderr %q", res.Stdout, res.Stderr)
			}
		})
	}
}

func TestRunNotFound(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Not executable: must not be picked.
	os.WriteFile(filepath.Join(dir, "tool"), []byte("#!/bin/sh\necho hi\n"), 0o644)
	cases := map[string]struct {
		name    string
		environ []string
	}{
		"missing":          {"no-such-tool-aztoken", environ(dir)},
		"not executable":   {"tool", []string{"PATH=" + dir}},
		"no PATH":          {"sh", []string{"HOME=/"}},
		"not our PATH":     {"sh", []string{"PATH=" + dir}}, // /bin/sh exists, but not on this PATH
		"relative entry":   {"sh", []string{"PATH=bin:."}},
		"relative name":    {"./sh", environ(dir)},
		"directory on dir": {filepath.Base(dir), []string{"PATH=" + filepath.Dir(dir)}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			res, err := Run(context.Background(), Cmd{Name: c.name, Environ: c.environ})
			if !errors.Is(err, ErrNotFound) {
				t.Fatalf("err = %v, want ErrNotFound", err)
			}
			if res.ExitCode != -1 || res.Path != "" {
				t.Errorf("result %+v", res)
			}
		})
	}
}

func TestRunTimeoutKillsGroup(t *testing.T) {
	t.Parallel()
	pidfile := filepath.Join(t.TempDir(), "pid")
	// The grandchild inherits stdout: a runner that waits for EOF hangs.
	dir := script(t, "tool", "sleep 1000 &\necho $! > "+pidfile+"\necho started\nsleep 1000\n")
	start := time.Now()
	res, err := Run(context.Background(), Cmd{Name: "tool", Environ: environ(dir), Timeout: 300 * time.Millisecond})
	elapsed := time.Since(start)
	var te *TimeoutError
	if !errors.As(err, &te) || !errors.Is(err, ErrTimedOut) {
		t.Fatalf("err = %v (%T), want a TimeoutError", err, err)
	}
	if err.Error() != "timed out after 300ms" {
		t.Errorf("message %q", err)
	}
	if elapsed > 5*time.Second {
		t.Errorf("Run took %v after a 300ms timeout", elapsed)
	}
	if res.ExitCode != -1 || string(res.Stdout) != "started\n" {
		t.Errorf("exit %d stdout %q", res.ExitCode, res.Stdout)
	}
	waitGone(t, readPid(t, pidfile))
}

func TestRunLeftoverGrandchildIsKilled(t *testing.T) {
	t.Parallel()
	pidfile := filepath.Join(t.TempDir(), "pid")
	dir := script(t, "tool", "sleep 1000 &\necho $! > "+pidfile+"\necho token\n")
	start := time.Now()
	res, err := Run(context.Background(), Cmd{Name: "tool", Environ: environ(dir), Timeout: time.Minute})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Run waited %v for a grandchild holding stdout", elapsed)
	}
	if string(res.Stdout) != "token\n" {
		t.Errorf("stdout %q", res.Stdout)
	}
	waitGone(t, readPid(t, pidfile))
}

func TestRunParentContext(t *testing.T) {
	t.Parallel()
	pidfile := filepath.Join(t.TempDir(), "pid")
	dir := script(t, "tool", "echo $$ > "+pidfile+"\nsleep 1000\n")

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		readPid(t, pidfile)
		cancel()
	}()
	_, err := Run(ctx, Cmd{Name: "tool", Environ: environ(dir), Timeout: time.Minute})
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimedOut) {
		t.Fatalf("err = %v, want context.Canceled and not our own timeout", err)
	}
	waitGone(t, readPid(t, pidfile))

	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = Run(ctx, Cmd{Name: "tool", Environ: environ(dir), Timeout: time.Minute})
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrTimedOut) {
		t.Fatalf("err = %v, want the caller's deadline", err)
	}

	done, cancel2 := context.WithCancel(context.Background())
	cancel2()
	_, err = Run(done, Cmd{Name: "tool", Environ: environ(dir)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v on a context already done", err)
	}
}

func TestRunOutputBound(t *testing.T) {
	t.Parallel()
	dir := script(t, "tool", "head -c 3145728 /dev/zero\nhead -c 2048 /dev/zero >&2\necho done >&2\n")
	res, err := Run(context.Background(), Cmd{Name: "tool", Environ: environ(dir), MaxOutput: 1024, Timeout: time.Minute})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(res.Stdout) != 1024 || !res.StdoutTruncated || len(res.Stderr) != 1024 || !res.StderrTruncated {
		t.Errorf("kept %d/%d bytes, truncated %v/%v", len(res.Stdout), len(res.Stderr), res.StdoutTruncated, res.StderrTruncated)
	}

	res, err = Run(context.Background(), Cmd{Name: "tool", Environ: environ(dir), Timeout: time.Minute})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(res.Stdout) != DefaultMaxOutput || !res.StdoutTruncated || res.StderrTruncated || len(res.Stderr) != 2053 {
		t.Errorf("default bound: kept %d/%d bytes, truncated %v/%v", len(res.Stdout), len(res.Stderr), res.StdoutTruncated, res.StderrTruncated)
	}
}

func TestBounded(t *testing.T) {
	b := &bounded{max: 5}
	for _, s := range []string{"ab", "cde", "fg", ""} {
		if n, err := b.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if string(b.buf) != "abcde" || b.dropped != 2 {
		t.Errorf("kept %q, dropped %d", b.buf, b.dropped)
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		10 * time.Second:        "10s",
		1500 * time.Millisecond: "1.5s",
		300 * time.Millisecond:  "300ms",
		90 * time.Second:        "90s",
		0:                       "0s",
		1250 * time.Microsecond: "1.25ms",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestLookPathUsesGivenPath(t *testing.T) {
	t.Parallel()
	first := script(t, "tool", "exit 0\n")
	second := script(t, "tool", "exit 0\n")
	got, err := LookPath("tool", []string{"PATH=" + first, "PATH=:" + second})
	if err != nil || got != filepath.Join(second, "tool") {
		t.Errorf("LookPath = %q, %v; want the last PATH entry's %s", got, err, second)
	}
	abs := filepath.Join(first, "tool")
	if got, err := LookPath(abs, nil); err != nil || got != abs {
		t.Errorf("LookPath(absolute) = %q, %v", got, err)
	}
}

func TestRunBrokenInterpreter(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Found, but not a program the OS can start: a script whose #! names
	// no interpreter, or on Windows an .exe that is not one.
	name, content := "tool", "#!/nonexistent/interpreter\n"
	if runtime.GOOS == "windows" {
		name, content = "tool.exe", "not a program\n"
	}
	proctest.WriteExecutable(filepath.Join(dir, name), []byte(content))
	_, err := Run(context.Background(), Cmd{Name: "tool", Environ: []string{"PATH=" + dir}})
	if err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "could not start "+filepath.Join(dir, name)) {
		t.Errorf("err = %v, want a start failure that is not ErrNotFound", err)
	}
}

// TestWaitAll: WaitAll returns once the runs in progress have, and gives
// up after its bound while one is still running.
func TestWaitAll(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "pid")
	dir := script(t, "tool", "echo $$ > "+pidfile+"\nsleep 1000\n")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		Run(ctx, Cmd{Name: "tool", Environ: environ(dir), Timeout: time.Minute})
		close(done)
	}()
	readPid(t, pidfile)
	if WaitAll(50 * time.Millisecond) {
		t.Error("WaitAll returned true while a run was in progress")
	}
	cancel()
	if !WaitAll(5 * time.Second) {
		t.Error("WaitAll timed out after the run was cancelled")
	}
	<-done
}
