//go:build unix

package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/fakeazure"
	"github.com/aztoken/aztoken/internal/proctest"
)

// execFixture runs aztoken exec against a fake Entra ID with a client
// secret, from a process group of its own: a test run from a terminal
// would otherwise share the terminal's foreground group, and exec rightly
// leaves SIGINT to the terminal then.
type execFixture struct {
	aztoken, dir string
	env          []string
}

const execSecret = "exec-secret-Nb4vC8"

func newExecFixture(t *testing.T) *execFixture {
	t.Helper()
	aztoken, err := exec.LookPath("aztoken")
	must(t, err)
	entra, err := fakeazure.NewEntra(fakeazure.EntraOptions{})
	must(t, err)
	t.Cleanup(entra.Close)
	entra.AddClientSecret("exec-app", execSecret)
	dir := t.TempDir()
	ca := writeCA(t, dir, entra.CACertPEM())
	return &execFixture{aztoken: aztoken, dir: dir, env: []string{
		"PATH=" + proctest.SystemPath(), "HOME=" + dir, "AZTOKEN_NO_CACHE=1", "AZTOKEN_LOOPBACK_ONLY=1",
		"GORACE=atexit_sleep_ms=0", "SSL_CERT_FILE=" + ca,
		"AZURE_AUTHORITY_HOST=" + entra.URL() + "/", "AZURE_POD_IDENTITY_AUTHORITY_HOST=http://" + closedPort(),
		"AZURE_TENANT_ID=" + entra.TenantID(), "AZURE_CLIENT_ID=exec-app", "AZURE_CLIENT_SECRET=" + execSecret,
	}}
}

// start runs aztoken exec -v -- sh -c script, with LOG naming a file the
// script writes to, and waits until the script has written "ready".
func (f *execFixture) start(t *testing.T, script string) (cmd *exec.Cmd, log string, stderr *bytes.Buffer, wait func() int) {
	t.Helper()
	log = filepath.Join(t.TempDir(), "child.log")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	cmd = exec.CommandContext(ctx, f.aztoken, "exec", "-v", "--", "sh", "-c", script)
	cmd.Env = append(append([]string{}, f.env...), "LOG="+log)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr = new(bytes.Buffer)
	cmd.Stderr = stderr
	must(t, cmd.Start())
	done := make(chan int, 1)
	go func() {
		err := cmd.Wait()
		var ee *exec.ExitError
		switch {
		case err == nil:
			done <- 0
		case errors.As(err, &ee):
			done <- ee.ExitCode()
		default:
			done <- -1
		}
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, _ := os.ReadFile(log)
		if strings.Contains(string(b), "ready") {
			break
		}
		select {
		case code := <-done:
			t.Fatalf("aztoken exited %d before the child was ready; stderr:\n%s", code, stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the child never said ready; stderr:\n%s", stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return cmd, log, stderr, func() int {
		select {
		case code := <-done:
			return code
		case <-time.After(20 * time.Second):
			t.Fatalf("aztoken did not exit; stderr:\n%s", stderr)
			return -1
		}
	}
}

// waitLog waits until the child's log holds want.
func waitLog(t *testing.T, log, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(log)
		if strings.Contains(string(b), want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the child's log never said %q; it holds:\n%s", want, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestExecForwardsSignals: SIGINT and SIGHUP reach a child that handles
// them, aztoken stays until the child exits, and exits with the child's
// code, not 130 or 129.
func TestExecForwardsSignals(t *testing.T) {
	f := newExecFixture(t)
	cmd, log, stderr, wait := f.start(t, `
trap 'echo got-INT >> "$LOG"' INT
trap 'echo got-HUP >> "$LOG"' HUP
trap 'echo got-TERM >> "$LOG"; exit 7' TERM
echo ready >> "$LOG"
while :; do sleep 0.05; done`)
	must(t, cmd.Process.Signal(syscall.SIGINT))
	waitLog(t, log, "got-INT")
	must(t, cmd.Process.Signal(syscall.SIGHUP))
	waitLog(t, log, "got-HUP")
	must(t, cmd.Process.Signal(syscall.SIGTERM))
	if code := wait(); code != 7 {
		t.Fatalf("aztoken exited %d, want the child's 7; stderr:\n%s", code, stderr)
	}
	b, _ := os.ReadFile(log)
	if n := strings.Count(string(b), "got-INT"); n != 1 {
		t.Errorf("the child got SIGINT %d times:\n%s", n, b)
	}
}

// TestExecChildKilledBySignal: a child that a forwarded signal kills
// gives 128+N, as a shell reports it.
func TestExecChildKilledBySignal(t *testing.T) {
	f := newExecFixture(t)
	for _, s := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}, {syscall.SIGHUP, 129}} {
		t.Run(s.sig.String(), func(t *testing.T) {
			// sh ignores nothing here; exec makes sleep the child itself.
			cmd, _, stderr, wait := f.start(t, `echo ready >> "$LOG"; exec sleep 60`)
			must(t, cmd.Process.Signal(s.sig))
			if code := wait(); code != s.code {
				t.Fatalf("aztoken exited %d, want %d; stderr:\n%s", code, s.code, stderr)
			}
		})
	}
}

// TestExecTokenOnlyInChildEnvironment reads /proc while the child runs:
// the token is in the child's environment and in neither process's
// command line, nor in aztoken's own environment, nor on its stderr with
// -v.
func TestExecTokenOnlyInChildEnvironment(t *testing.T) {
	if _, err := os.Stat("/proc/self/environ"); err != nil {
		t.Skip("skipping: no /proc here")
	}
	f := newExecFixture(t)
	cmd, log, stderr, wait := f.start(t, `
printf '%s' "$AZURE_ACCESS_TOKEN" > "$LOG.token"
echo $$ > "$LOG.pid"
echo ready >> "$LOG"
while [ ! -e "$LOG.done" ]; do sleep 0.05; done`)
	token, err := os.ReadFile(log + ".token")
	must(t, err)
	if !anyJWT.Match(token) {
		t.Fatalf("the child's AZURE_ACCESS_TOKEN is not a token: %q", token)
	}
	pidText, err := os.ReadFile(log + ".pid")
	must(t, err)
	child := strings.TrimSpace(string(pidText))
	aztoken := strconv.Itoa(cmd.Process.Pid)
	read := func(pid, file string) []byte {
		b, err := os.ReadFile("/proc/" + pid + "/" + file)
		must(t, err)
		return b
	}
	if !bytes.Contains(read(child, "environ"), token) {
		t.Error("the token is not in the child's environment")
	}
	for _, c := range []struct{ what, pid, file string }{
		{"aztoken's environment", aztoken, "environ"},
		{"aztoken's command line", aztoken, "cmdline"},
		{"the child's command line", child, "cmdline"},
	} {
		if bytes.Contains(read(c.pid, c.file), token) {
			t.Errorf("the token is in %s", c.what)
		}
	}
	must(t, os.WriteFile(log+".done", nil, 0o600))
	if code := wait(); code != 0 {
		t.Fatalf("aztoken exited %d; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "running \"sh\" with environment's token in AZURE_ACCESS_TOKEN") {
		t.Errorf("-v said nothing of the run:\n%s", stderr)
	}
	for _, s := range []string{string(token), execSecret} {
		if strings.Contains(stderr.String(), s) {
			t.Errorf("stderr holds a secret:\n%s", stderr)
		}
	}
	if m := anyJWT.FindString(stderr.String()); m != "" {
		t.Errorf("stderr holds a token: %s…", m[:12])
	}
}

// TestExecCtrlCFromTerminalReachesChildOnce runs aztoken exec on a
// terminal of its own (util-linux's script gives it a pseudo-terminal and
// makes it the foreground job) and types Ctrl+C: the terminal sends
// SIGINT to aztoken and the child alike, so aztoken must not send the
// child a second one, which would turn a program's "stop gracefully" into
// "stop now". The child must see it exactly once.
func TestExecCtrlCFromTerminalReachesChildOnce(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Skip("skipping: no script command (util-linux) to give aztoken a terminal")
	}
	f := newExecFixture(t)
	log := filepath.Join(t.TempDir(), "child.log")
	// The child is the test binary as showenv: a shell's trap would run
	// once for two SIGINTs that came close together.
	showenv, err := exec.LookPath("showenv")
	must(t, err)
	line := "exec " + shellQuote(f.aztoken) + " exec -- " + shellQuote(showenv) + " -countint " + shellQuote(log)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "script", "-qfec", line, "/dev/null")
	cmd.Env = append(append([]string{}, f.env...), "TERM=dumb")
	stdin, err := cmd.StdinPipe()
	must(t, err)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	must(t, cmd.Start())
	waitLog(t, log, "ready")
	if _, err := stdin.Write([]byte{0x03}); err != nil { // Ctrl+C
		t.Fatal(err)
	}
	waitLog(t, log, "got-INT")
	// Time for a second copy to arrive, were one sent.
	time.Sleep(500 * time.Millisecond)
	must(t, os.WriteFile(log+".done", nil, 0o600))
	_ = stdin.Close()
	_ = cmd.Wait()
	b, _ := os.ReadFile(log)
	if n := strings.Count(string(b), "got-INT"); n != 1 {
		t.Errorf("the child got SIGINT %d times from one Ctrl+C:\n%s\nterminal:\n%s", n, b, out.String())
	}
}

// shellQuote quotes s for sh.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
