package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// binaries are the programs the benchmarks run, built once per process.
type binaries struct {
	aztoken, trivial, sdkcred, rss string
	// floor links net/http, crypto/tls, crypto/x509 and encoding/json and
	// prints a line: the start-up a cached get is held to (issue 23).
	floor string
	// aztokenCgo is aztoken built with cgo, for comparison: the Makefile
	// builds with CGO_ENABLED=0, which starts about 1 ms sooner.
	aztokenCgo string
	// imports links aztoken's packages under an empty main, for comparison.
	imports string
	// linked is aztoken's whole program with a main that returns at once:
	// the floor of any path inside the aztoken executable.
	linked string
	// fakebin is testdata/fakebin at the module root: fake az, azd, pwsh.
	fakebin string
}

var (
	buildOnce sync.Once
	built     binaries
	buildErr  error
	// buildDir is removed by TestMain.
	buildDir string
)

// build compiles the programs with the flags of the Makefile's build
// target (-trimpath -ldflags '-s -w'), all alike, so that no program starts
// faster for being smaller.
func build(b testing.TB) binaries {
	b.Helper()
	buildOnce.Do(func() { built, buildErr = buildAll() })
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	return built
}

func buildAll() (binaries, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return binaries{}, fmt.Errorf("the go command is not on PATH, and the benchmarks build their programs with it: %w", err)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return binaries{}, err
	}
	buildDir, err = os.MkdirTemp("", "aztoken-bench-")
	if err != nil {
		return binaries{}, err
	}
	bins := binaries{
		aztoken:    filepath.Join(buildDir, "aztoken"),
		aztokenCgo: filepath.Join(buildDir, "aztoken-cgo"),
		imports:    filepath.Join(buildDir, "imports"),
		linked:     filepath.Join(buildDir, "linked"),
		trivial:    filepath.Join(buildDir, "trivial"),
		floor:      filepath.Join(buildDir, "floor"),
		sdkcred:    filepath.Join(buildDir, "sdkcred"),
		rss:        filepath.Join(buildDir, "rss"),
		fakebin:    filepath.Join(root, "testdata", "fakebin"),
	}
	for _, t := range []struct {
		out, pkg string
		env      []string
	}{
		{bins.aztoken, "./cmd/aztoken", []string{"CGO_ENABLED=0"}},
		{bins.aztokenCgo, "./cmd/aztoken", []string{"CGO_ENABLED=1"}},
		{bins.trivial, "./internal/bench/testdata/trivial", nil},
		{bins.floor, "./internal/bench/testdata/floor", []string{"CGO_ENABLED=0"}},
		// Without cgo, as aztoken is built: with it, both would be linked
		// dynamically and pay the dynamic loader at every start.
		{bins.imports, "./internal/bench/testdata/imports", []string{"CGO_ENABLED=0"}},
		{bins.linked, "./internal/bench/testdata/linked", []string{"CGO_ENABLED=0"}},
		{bins.sdkcred, "./internal/bench/testdata/sdkcred", nil},
		{bins.rss, "./internal/bench/testdata/rss", nil},
	} {
		out, pkg := t.out, t.pkg
		cmd := exec.Command(goTool, "build", "-trimpath", "-ldflags", "-s -w", "-o", out, pkg)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), t.env...)
		if msg, err := cmd.CombinedOutput(); err != nil {
			return binaries{}, fmt.Errorf("go build %s failed: %v\n%s", pkg, err, msg)
		}
	}
	if _, err := os.Stat(filepath.Join(bins.fakebin, "az")); err != nil {
		return binaries{}, fmt.Errorf("the fake az is missing from %s: %w", bins.fakebin, err)
	}
	return bins, nil
}
