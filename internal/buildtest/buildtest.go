// Package buildtest builds aztoken for the tests that run it as a real
// program beside real clients or in network namespaces
// (internal/clienttest, internal/linktest): once per test process, with
// the Makefile's static build, into a temporary directory that names the
// package and the process, so that a later run can remove what a killed
// one left behind.
package buildtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aztoken/aztoken/internal/proctest"
)

// Aztoken is ./cmd/aztoken, built on first use. Name, such as
// "clienttest", names its directory: aztoken-<Name>-<pid>-*.
type Aztoken struct {
	Name string

	once      sync.Once
	dir, path string
	err       error
}

// Path returns the program's path, building it the first time; a failed
// build fails the test.
func (a *Aztoken) Path(t testing.TB) string {
	t.Helper()
	a.once.Do(a.build)
	if a.err != nil {
		t.Fatal(a.err)
	}
	return a.path
}

func (a *Aztoken) build() {
	_, file, _, _ := runtime.Caller(0)
	repo := filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
	if a.dir, a.err = os.MkdirTemp("", fmt.Sprintf("aztoken-%s-%d-", a.Name, os.Getpid())); a.err != nil {
		return
	}
	a.path = filepath.Join(a.dir, "aztoken")
	cmd := exec.Command("go", "build", "-trimpath", "-o", a.path, "./cmd/aztoken")
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		a.err = fmt.Errorf("go build ./cmd/aztoken: %v: %s", err, out)
	}
}

// Remove deletes the build, if there is one; TestMain calls it after the
// tests.
func (a *Aztoken) Remove() {
	if a.dir != "" {
		os.RemoveAll(a.dir)
	}
}

// Sweep removes the builds of this package's runs that were killed
// before their Remove: those whose process is gone.
func (a *Aztoken) Sweep() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "aztoken-"+a.Name+"-*-*"))
	for _, d := range dirs {
		pid, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(filepath.Base(d), "aztoken-"+a.Name+"-"), "-", 2)[0])
		if err == nil && proctest.Gone(pid) {
			os.RemoveAll(d)
		}
	}
}
