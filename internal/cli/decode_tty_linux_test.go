package cli

import (
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/iostreams"
)

// openPTY opens a pseudo-terminal pair: what is written to master is
// what a person types at slave.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("skipping: no pseudo-terminals here (%v)", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return m, s
}

// A token pasted at a real terminal is read whole, though it is longer
// than a canonical-mode line may be (4096 bytes on Linux, 1024 on macOS,
// where every Entra token is longer), and the terminal's settings are
// restored after.
func TestDecodeLongLineAtATerminal(t *testing.T) {
	master, slave := openPTY(t)
	before, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	pad := strings.Repeat("x", 6000)
	tok := b64([]byte(`{"alg":"none"}`)) + "." + b64([]byte(`{"upn":"ada@contoso.com","pad":"`+pad+`"}`)) + ".sig"

	// Typed only once the terminal is out of canonical mode: what a
	// canonical terminal receives beyond its limit is dropped on arrival.
	go func() {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			cur, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
			if err == nil && cur.Lflag&unix.ICANON == 0 {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		// Always typed: in canonical mode the line arrives cut, and the
		// test fails on what decode read rather than hanging.
		_, _ = master.WriteString(tok + "\r")
	}()

	io, _, out, errOut := iostreams.Test()
	io.In = slave
	io.SetStdinTTY(true)
	code := Run(context.Background(), &App{IO: io, Env: env.Map(nil)}, []string{"decode"})
	if code != ExitOK {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitOK, errOut)
	}
	if !strings.Contains(out.String(), "ada@contoso.com") {
		t.Errorf("the claims were not printed:\n%s", out)
	}
	after, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if *after != *before {
		t.Errorf("the terminal's settings were not restored:\nbefore %+v\nafter  %+v", *before, *after)
	}
}
