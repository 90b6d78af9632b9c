package runner

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/proctest"
)

// helperEnv switches the test binary into one of the roles below.
const helperEnv = "AZTOKEN_RUNNER_FG_HELPER"

// TestForegroundHelper is not a test: it is aztoken's part (start a
// foreground child, say its pid, wait) or the child's (wait), when the
// test binary is run with helperEnv set.
func TestForegroundHelper(t *testing.T) {
	switch os.Getenv(helperEnv) {
	case "parent":
		self, err := os.Executable()
		if err != nil {
			os.Exit(3)
		}
		c, err := StartForeground(Foreground{
			Name:    self,
			Args:    []string{"-test.run=^TestForegroundHelper$"},
			Environ: append(os.Environ(), helperEnv+"=child"),
			Stdout:  os.Stderr,
			Stderr:  os.Stderr,
		})
		if err != nil {
			os.Exit(4)
		}
		os.Stdout.WriteString("child=" + strconv.Itoa(c.cmd.Process.Pid) + "\n")
		_, _ = c.Wait()
		os.Exit(0)
	case "child":
		time.Sleep(time.Minute)
		os.Exit(0)
	case "digest":
		sum := sha256.Sum256([]byte(os.Getenv("BIG")))
		os.Stdout.WriteString(strconv.Itoa(len(os.Getenv("BIG"))) + " " + hex.EncodeToString(sum[:]) + "\n")
		os.Exit(0)
	}
}

// TestForegroundChildEndsWithAztoken: when aztoken is killed outright
// (SIGKILL; TerminateProcess on Windows, as a CI runner stopping a step
// does), its foreground child ends too: the parent-death signal on Linux,
// the job object's kill-on-close on Windows.
func TestForegroundChildEndsWithAztoken(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "windows" {
		t.Skipf("skipping: %s cannot tie a child's life to its parent's", runtime.GOOS)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	parent := exec.Command(self, "-test.run=^TestForegroundHelper$")
	parent.Env = append(os.Environ(), helperEnv+"=parent")
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = parent.Process.Kill()
		t.Fatalf("the parent said no child pid: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(line), "child="))
	if err != nil {
		t.Fatalf("bad line %q", line)
	}
	t.Cleanup(func() { proctest.Kill(pid) })
	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = parent.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for !proctest.Gone(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("the child %d outlived its killed parent", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestForegroundBigVariable: a 7 KB token, the size of one for a principal
// in many groups, reaches the child intact, on every OS (the child is the
// test binary itself, so this runs under Windows too).
func TestForegroundBigVariable(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("eyJ0eXAiOiJKV1Qi.", 7*1024/17) + "end"
	var out strings.Builder
	c, err := StartForeground(Foreground{
		Name: self, Args: []string{"-test.run=^TestForegroundHelper$"},
		Environ: append(os.Environ(), helperEnv+"=digest"),
		Set:     map[string]string{"BIG": big},
		Stdout:  &out, Stderr: os.Stderr,
	})
	if err != nil {
		t.Fatal(err)
	}
	if code, err := c.Wait(); err != nil || code != 0 {
		t.Fatalf("Wait = %d, %v", code, err)
	}
	sum := sha256.Sum256([]byte(big))
	if want := strconv.Itoa(len(big)) + " " + hex.EncodeToString(sum[:]) + "\n"; !strings.HasSuffix(out.String(), want) || len(big) < 7000 {
		t.Errorf("the child saw %q, want %q (%d bytes)", out.String(), want, len(big))
	}
}

func TestWithVars(t *testing.T) {
	got := withVars([]string{"A=1", "PGPASSWORD=old", "B=2", "PGPASSWORD=older"}, map[string]string{"PGPASSWORD": "tok", "Z": "z"})
	want := "A=1 B=2 PGPASSWORD=tok Z=z"
	if strings.Join(got, " ") != want {
		t.Errorf("withVars = %q, want %q", got, want)
	}
	lower := withVars([]string{"pgpassword=old"}, map[string]string{"PGPASSWORD": "tok"})
	n := 2
	if runtime.GOOS == "windows" {
		// Windows reads names without regard to case: one variable.
		n = 1
	}
	if len(lower) != n {
		t.Errorf("withVars with a lower-case twin = %q, want %d entries", lower, n)
	}
}

// TestForegroundPath: what a shell would run, and its 126 and 127.
func TestForegroundPath(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("skipping: the fixtures are sh scripts")
	}
	dir := script(t, "tool", "exit 0\n")
	if err := os.WriteFile(filepath.Join(dir, "plain.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := environ(dir)
	for _, tt := range []struct {
		name, dir string
		code      int
		want      string
	}{
		{"tool", "", 0, filepath.Join(dir, "tool")},
		{"./tool", dir, 0, filepath.Join(dir, "tool")},
		{filepath.Join(dir, "tool"), "", 0, filepath.Join(dir, "tool")},
		{"no-such-tool", "", 127, ""},
		{"./no-such-tool", dir, 127, ""},
		{"./plain.txt", dir, 126, ""},
		{"./", dir, 126, ""},
	} {
		got, err := foregroundPath(Foreground{Name: tt.name, Dir: tt.dir, Environ: env})
		var se *StartError
		switch {
		case tt.code == 0 && (err != nil || got != tt.want):
			t.Errorf("%s: %q, %v; want %q", tt.name, got, err, tt.want)
		case tt.code != 0 && (!errors.As(err, &se) || se.Code != tt.code):
			t.Errorf("%s: %q, %v; want a StartError with code %d", tt.name, got, err, tt.code)
		}
	}
}

// TestForegroundRun: streams, the working directory, the variables and
// the exit code.
func TestForegroundRun(t *testing.T) {
	dir := script(t, "tool", `printf '%s|%s|%s\n' "$PWD" "$SECRET_VAR" "$(cat)"; exit 9`)
	var out strings.Builder
	c, err := StartForeground(Foreground{
		Name: "tool", Dir: dir, Environ: environ(dir, "SECRET_VAR=old"),
		Set:   map[string]string{"SECRET_VAR": "new"},
		Stdin: strings.NewReader("in"), Stdout: &out, Stderr: os.Stderr,
	})
	if err != nil {
		t.Fatal(err)
	}
	code, err := c.Wait()
	if err != nil || code != 9 {
		t.Fatalf("Wait = %d, %v; want 9", code, err)
	}
	if want := dir + "|new|in\n"; out.String() != want {
		t.Errorf("the child wrote %q, want %q", out.String(), want)
	}
}
