package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/aztoken/aztoken/internal/proctest"
)

// TestBinaryHasNoTestFakes keeps the loopback fakes out of what ships: the
// emulator signs with internal/mint, and nothing in the binary may reach
// for internal/fakeazure's servers or its permissive test defaults.
func TestBinaryHasNoTestFakes(t *testing.T) {
	if proctest.UnderWine() {
		t.Skip("skipping: the Go toolchain here is a Linux program, which Wine cannot run (the Linux run checks the same binary)")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps gave only %q; the check would prove nothing", deps)
	}
	for _, d := range deps {
		if strings.HasSuffix(d, "/internal/fakeazure") || strings.HasSuffix(d, "/internal/proctest") {
			t.Errorf("the aztoken binary imports %s, which is test code", d)
		}
	}
}
