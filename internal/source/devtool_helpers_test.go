package source

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

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/proctest"
)

// toolFakeBin is the absolute path of the fake az, azd and pwsh.
func toolFakeBin(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "testdata", "fakebin"))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// toolConfig is a Config whose PATH finds the fakes first, with its own
// HOME and the given variables; "<nofake>" as PATH leaves the fakes out.
func toolConfig(t *testing.T, vars map[string]string) Config {
	t.Helper()
	home := t.TempDir()
	environ := []string{
		"PATH=" + proctest.PathList(toolFakeBin(t), proctest.SystemPath()),
		"HOME=" + home,
	}
	if runtime.GOOS == "windows" {
		// The .cmd fakes hang by starting this test binary as a sleeper
		// (proctest.SleeperEnv); the tools find their logins under
		// USERPROFILE there.
		exe, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		environ = append(environ, "FAKE_SLEEPER="+exe, "USERPROFILE="+home)
	}
	for k, v := range vars {
		if k == "PATH" && v == "<nofake>" {
			v = proctest.SystemPath()
		}
		environ = append(environ, k+"="+v)
	}
	return Config{Env: env.FromList(environ), CLITimeout: 20 * time.Second}
}

// toolFile is the name of the fake tool exe in testdata/fakebin: the sh
// script, or on Windows the batch file (az.cmd).
func toolFile(exe string) string {
	if runtime.GOOS == "windows" {
		return exe + ".cmd"
	}
	return exe
}

// toolRunDir is where the tools run: "/", or on Windows the Windows
// directory (toolConfig sets no SystemRoot, so the runner's default).
func toolRunDir() string {
	if runtime.GOOS == "windows" {
		return `C:\Windows`
	}
	return "/"
}

// hangTimeout is the --cli-timeout for a hung tool: long enough for the
// fake to have started its grandchild. On Windows the .cmd fakes start
// the test binary for that, which takes a while, the more under Wine.
func hangTimeout() time.Duration {
	if runtime.GOOS == "windows" {
		return 5 * time.Second
	}
	return 300 * time.Millisecond
}

// toolLog is a fresh log file path for a fake tool's FAKE_*_LOG.
func toolLog(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "calls.log")
}

func readToolLog(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	// The .cmd fakes end their lines in CRLF.
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

// checkGrandchildGone finds the pid the fake logged for its grandchild and
// waits for it to be gone.
func checkGrandchildGone(t *testing.T, log string) {
	t.Helper()
	_, rest, ok := strings.Cut(readToolLog(t, log), "grandchild: ")
	if !ok {
		t.Fatalf("the fake logged no grandchild:\n%s", readToolLog(t, log))
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(rest, "\n", 2)[0]))
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !proctest.Gone(pid) {
		if time.Now().After(deadline) {
			proctest.Kill(pid)
			t.Fatalf("grandchild %d outlived the run", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func tryTool(s chain.Source, req chain.Request) chain.Outcome {
	return chain.Try(context.Background(), s, req)
}

// toolCase names a developer-tool source for tests that run all three.
type toolCase struct {
	exe    string
	prefix string // FAKE_AZ, FAKE_AZD, FAKE_PWSH
	login  string // the exact login command
	newSrc func(Config) chain.Source
}

var toolCases = []toolCase{
	{"az", "FAKE_AZ", "az login", func(c Config) chain.Source { return NewAzureCLI(c) }},
	{"azd", "FAKE_AZD", "azd auth login", func(c Config) chain.Source { return NewAzureDevCLI(c) }},
	{"pwsh", "FAKE_PWSH", "Connect-AzAccount", func(c Config) chain.Source { return NewPowerShell(c) }},
}
