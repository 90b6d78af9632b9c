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
