package buildtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// A killed run's build goes; a live run's (this one's) stays.
func TestSweep(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	gone := exec.Command(exe, "-test.run=^$")
	if err := gone.Run(); err != nil {
		t.Fatal(err)
	}
	a := Aztoken{Name: "sweeptest"}
	dead := filepath.Join(os.TempDir(), fmt.Sprintf("aztoken-sweeptest-%d-1", gone.Process.Pid))
	live := filepath.Join(os.TempDir(), fmt.Sprintf("aztoken-sweeptest-%d-2", os.Getpid()))
	for _, d := range []string{dead, live} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(d) })
	}
	a.Sweep()
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Errorf("the build of a run that is gone is still there (%v)", err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("the build of a live run was removed: %v", err)
	}
}
