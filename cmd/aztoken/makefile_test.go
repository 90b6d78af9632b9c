package main

import (
	"os/exec"
	"strings"
	"testing"
)

// make install puts the binary under $(DESTDIR)$(PREFIX)/bin and the man
// pages under share/man/man1 there (issue 12.12: it ignored PREFIX). A dry
// run says where, without building or installing anything.
func TestMakeInstallHonoursPrefix(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	out, err := exec.Command("make", "-C", "../..", "-n", "install", "PREFIX=/opt/aztoken-test", "DESTDIR=/tmp/stage").CombinedOutput()
	if err != nil {
		t.Fatalf("make -n install: %v\n%s", err, out)
	}
	for _, want := range []string{"/tmp/stage/opt/aztoken-test/bin/aztoken", "/tmp/stage/opt/aztoken-test/bin/docker-credential-aztoken", "/tmp/stage/opt/aztoken-test/share/man/man1/"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("make -n install does not install to %s:\n%s", want, out)
		}
	}
}

// make test works on a fresh machine (issue 21): it downloads the modules
// itself, test-only ones included, before go vet needs them, and says in a
// sentence that -race needs a C compiler when there is none, instead of
// failing halfway through the build.
func TestMakeTestFetchesModulesAndNamesTheCCompiler(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	out, err := exec.Command("make", "-C", "../..", "-n", "test").CombinedOutput()
	if err != nil {
		t.Fatalf("make -n test: %v\n%s", err, out)
	}
	download, vet := strings.Index(string(out), "go mod download"), strings.Index(string(out), "go vet ./...")
	if download < 0 || vet < 0 || download > vet {
		t.Errorf("make test does not run go mod download before go vet:\n%s", out)
	}
	cmd := exec.Command("make", "-C", "../..", "test-prereqs")
	cmd.Env = append(cmd.Environ(), "CC=/nonexistent/aztoken-test-cc")
	out, err = cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "go test -race needs cgo and a C compiler") || !strings.Contains(string(out), "apt-get install gcc") {
		t.Errorf("make test-prereqs without a C compiler: err %v, output:\n%s", err, out)
	}
}
