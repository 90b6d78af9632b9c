package bench

import (
	"runtime"
	"strings"
	"testing"
)

// A child's stderr is shown when a run fails; the bench secret must not be
// in what is shown.
func TestRedactHidesTheSecret(t *testing.T) {
	stderr := "aztoken: environment: AADSTS7000215: invalid secret " + benchSecret + " for client\n"
	got := redact(stderr)
	if strings.Contains(got, benchSecret) {
		t.Fatalf("redact left the secret in %q", got)
	}
	if !strings.Contains(got, "[secret]") || !strings.Contains(got, "AADSTS7000215") {
		t.Errorf("redact(%q) = %q, want the secret replaced and the rest kept", stderr, got)
	}
}

// runCmd gives the exit code, both streams and a wall time, and the
// default check refuses what a benchmark must not time.
func TestRunCmdAndChecks(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("skipping: the benchmarks time aztoken against its peers through /bin/sh, on Linux (docs/benchmarks.md)")
	}
	tests := []struct {
		name    string
		script  string
		code    int
		checkOK bool
	}{
		{"prints and exits 0", "echo tok", 0, true},
		{"exits 0 silently", "true", 0, false},
		{"fails after printing", "echo tok; echo oops >&2; exit 3", 3, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := runCmd(binaries{}, command("/bin/sh", []string{"PATH=" + basePath}, "-c", tt.script), false)
			if err != nil {
				t.Fatal(err)
			}
			if r.code != tt.code {
				t.Errorf("code = %d, want %d", r.code, tt.code)
			}
			if r.wall <= 0 {
				t.Errorf("wall = %v, want a positive duration", r.wall)
			}
			if err := okWithOutput(r); (err == nil) != tt.checkOK {
				t.Errorf("okWithOutput = %v, want ok=%v", err, tt.checkOK)
			}
		})
	}
	r, _ := runCmd(binaries{}, command("/bin/sh", []string{"PATH=" + basePath}, "-c", "echo other"), false)
	if err := printsToken("tok")(r); err == nil || strings.Contains(err.Error(), "other") {
		t.Errorf("printsToken accepted another token, or echoed it: %v", err)
	}
}
