//go:build unix

package proctest

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// Gone tells a live process from a zombie from a reaped one: the checks
// that a killed child is gone prove nothing if a live one counts.
func TestGone(t *testing.T) {
	cmd := exec.Command("sleep", "1000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	t.Cleanup(func() { Kill(pid); _ = cmd.Wait() })
	if Gone(pid) {
		t.Fatalf("a running process (%d) is reported gone", pid)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Not reaped yet: a zombie, which is gone.
	deadline := time.Now().Add(5 * time.Second)
	for !Gone(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("a killed process (%d), a zombie now, is not reported gone", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = cmd.Wait()
	if !Gone(pid) {
		t.Fatalf("a reaped process (%d) is not reported gone", pid)
	}
}
