package cli

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/httpx"
	"github.com/aztoken/aztoken/internal/iostreams"
)

// A get answered from the cache never listens for signals (it costs a
// thread start, issue 23); a get that runs a source listens before the
// source starts, and every other command before it does anything.
func TestSignalsAreCaughtBeforeAnySourceRuns(t *testing.T) {
	httpx.RestrictToLoopback()
	fakebin, err := filepath.Abs(filepath.Join("..", "..", "testdata", "fakebin"))
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	vars := []string{
		"HOME=" + home, "USERPROFILE=" + home,
		"AZTOKEN_CACHE_DIR=" + filepath.Join(home, "cache"),
		"AZTOKEN_CACHE_ENCRYPTION=off",
		"AZTOKEN_LOOPBACK_ONLY=1",
		"PATH=" + fakebin + string(os.PathListSeparator) + os.Getenv("PATH"),
	}
	// What Windows needs to start az.cmd.
	for _, name := range []string{"PATHEXT", "SystemRoot", "ComSpec"} {
		if v, ok := os.LookupEnv(name); ok {
			vars = append(vars, name+"="+v)
		}
	}
	e := env.FromList(vars)

	run := func(args ...string) (armed int) {
		t.Helper()
		io, _, out, errOut := iostreams.Test()
		a := &App{IO: io, Env: e, catchSignals: func() { armed++ }}
		if code := Run(context.Background(), a, args); code != ExitOK {
			t.Fatalf("aztoken %q: exit %d\n%s", args, code, errOut)
		}
		if args[0] == "get" && out.Len() == 0 {
			t.Fatalf("aztoken %q printed no token", args)
		}
		return armed
	}
	get := []string{"get", "--source", "az", "--scope", "https://vault.azure.net/.default"}
	if n := run(get...); n != 1 {
		t.Errorf("a get that ran az listened for signals %d times, want once, before az started", n)
	}
	if n := run(get...); n != 0 {
		t.Errorf("a get answered from the cache listened for signals (%d times)", n)
	}
	if n := run("explain", "--source", "az"); n != 1 {
		t.Errorf("explain listened for signals %d times, want once", n)
	}
	if n := run("version"); n != 0 {
		t.Errorf("version, which starts nothing, listened for signals (%d times)", n)
	}
}
