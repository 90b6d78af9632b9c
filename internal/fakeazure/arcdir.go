package fakeazure

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// TB is what ArcTokenDir needs of a *testing.T (the package does not
// import testing; see the package doc).
type TB interface {
	Helper()
	TempDir() string
	Setenv(key, value string)
	Skipf(format string, args ...any)
	Fatal(args ...any)
	Cleanup(func())
}

// ArcTokenDir makes, for a test that drives MSAL's Azure Arc source, the
// one directory MSAL accepts in Arc's challenge on this OS, and returns it
// for ManagedOptions.ArcKeyDir:
//   - Windows: %ProgramData%\AzureConnectedMachineAgent\Tokens, with
//     ProgramData set (t.Setenv) to a temporary directory of the test's;
//   - Linux: ArcTokenDirLinux, created when this user can (root), and what
//     was created removed at the end; the test is skipped otherwise;
//   - elsewhere MSAL knows no Arc agent, and the test is skipped.
func ArcTokenDir(t TB) string {
	t.Helper()
	switch runtime.GOOS {
	case "windows":
		pd := t.TempDir()
		t.Setenv("ProgramData", pd)
		dir := filepath.Join(pd, "AzureConnectedMachineAgent", "Tokens")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		return dir
	case "linux":
	default:
		t.Skipf("skipping: MSAL knows no Azure Arc agent on %s", runtime.GOOS)
	}
	// Find the first missing ancestor so cleanup removes only what this
	// test made.
	created := ""
	for d := ArcTokenDirLinux; d != "/"; d = parentDir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		created = d
	}
	if err := os.MkdirAll(ArcTokenDirLinux, 0o700); err != nil {
		t.Skipf("skipping: MSAL reads Azure Arc keys only from %s, which this user cannot create: %v", ArcTokenDirLinux, err)
	}
	probe, err := os.CreateTemp(ArcTokenDirLinux, "probe")
	if err != nil {
		t.Skipf("skipping: MSAL reads Azure Arc keys only from %s, which this user cannot write: %v", ArcTokenDirLinux, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	if created != "" {
		t.Cleanup(func() { os.RemoveAll(created) })
	}
	return ArcTokenDirLinux
}

func parentDir(d string) string {
	i := strings.LastIndex(d, "/")
	if i <= 0 {
		return "/"
	}
	return d[:i]
}
