package netnstest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/aztoken/aztoken/internal/proctest"
)

// Prefix starts the name of every namespace and root interface made here.
const Prefix = "azl-"

// RunEnv, set to "require", makes Unavailable a failure instead of a skip
// (CI, where the tests must run).
const RunEnv = "AZTOKEN_NETNS_TESTS"

// Unavailable says why network namespaces cannot be made here, or "".
// It probes (adds and deletes a namespace) once per process: every test
// and TestMain asks, and the answer does not change while it runs.
var Unavailable = sync.OnceValue(func() string {
	if os.Geteuid() != 0 {
		return "creating network namespaces needs root"
	}
	if _, err := osexec.LookPath("ip"); err != nil {
		return "iproute2's ip is not installed (apt-get install iproute2)"
	}
	name := fmt.Sprintf("%s%d-probe", Prefix, os.Getpid())
	if out, err := osexec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		return "ip netns add failed: " + strings.TrimSpace(string(out))
	}
	_ = osexec.Command("ip", "netns", "del", name).Run()
	return ""
})

// Skip skips t with Unavailable's reason, or fails it when RunEnv is
// "require".
func Skip(t testing.TB) {
	t.Helper()
	why := Unavailable()
	switch {
	case why == "":
	case os.Getenv(RunEnv) == "require":
		t.Fatalf("%s=require, but %s", RunEnv, why)
	default:
		t.Skip("skipped: " + why)
	}
}

// runOf is the process id in a name this package made, or 0.
func runOf(name string) int {
	rest, ok := strings.CutPrefix(name, Prefix)
	if !ok {
		return 0
	}
	end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if end <= 0 {
		return 0
	}
	pid, _ := strconv.Atoi(rest[:end])
	return pid
}

// Sweep removes the namespaces and root interfaces of runs whose process
// is gone, ending the processes (this package's servers) still in them.
func Sweep() {
	out, _ := osexec.Command("ip", "netns", "list").Output()
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if pid := runOf(f[0]); pid > 0 && proctest.Gone(pid) {
			_ = remove(f[0])
		}
	}
	links, _ := net.Interfaces()
	for _, l := range links {
		if pid := runOf(l.Name); pid > 0 && proctest.Gone(pid) {
			_ = osexec.Command("ip", "link", "del", l.Name).Run()
		}
	}
}

// Name is the name of this run's namespace or root interface for role:
// azl-<pid>-<role> for a namespace, azl-<pid><role> (at most 15 bytes)
// for an interface.
func Name(role string) string { return fmt.Sprintf("%s%d-%s", Prefix, os.Getpid(), role) }

// LinkName is this run's name for an interface in the machine's own
// namespace; role is a letter or two.
func LinkName(role string) string { return fmt.Sprintf("%s%d%s", Prefix, os.Getpid(), role) }

// NS is a network namespace with lo up.
type NS struct{ Name string }

// New creates this run's namespace for role and deletes it when the test
// ends, ending whatever still runs in it.
func New(t testing.TB, role string) *NS {
	t.Helper()
	n := &NS{Name: Name(role)}
	IP(t, "netns", "add", n.Name)
	t.Cleanup(func() {
		if err := remove(n.Name); err != nil {
			t.Error(err)
		}
	})
	n.IP(t, "link", "set", "lo", "up")
	return n
}

// remove ends the processes still in namespace name (never this one,
// which a test may have moved a thread of) and deletes it.
func remove(name string) error {
	pids, _ := osexec.Command("ip", "netns", "pids", name).Output()
	for _, p := range strings.Fields(string(pids)) {
		if pid, err := strconv.Atoi(p); err == nil && pid != os.Getpid() {
			_ = unix.Kill(pid, unix.SIGKILL)
		}
	}
	if out, err := osexec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
		return fmt.Errorf("ip netns del %s: %v: %s", name, err, out)
	}
	return nil
}

// IP runs ip with args in the machine's own namespace, or in n's when n
// is not nil.
func (n *NS) ip(t testing.TB, args ...string) string {
	t.Helper()
	if n == nil {
		return IP(t, args...)
	}
	return n.IP(t, args...)
}

// IP runs ip with args in the machine's own namespace.
func IP(t testing.TB, args ...string) string {
	t.Helper()
	out, err := osexec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// IP runs ip with args in the namespace.
func (n *NS) IP(t testing.TB, args ...string) string {
	t.Helper()
	return IP(t, append([]string{"-n", n.Name}, args...)...)
}

// Sh runs a shell command line in the namespace (a sysctl, say).
func (n *NS) Sh(t testing.TB, script string) {
	t.Helper()
	if out, err := n.Command("sh", "-c", script).CombinedOutput(); err != nil {
		t.Fatalf("in %s: %s: %v: %s", n.Name, script, err, out)
	}
}

// Command is name with args, to be run in the namespace.
func (n *NS) Command(name string, args ...string) *osexec.Cmd {
	return osexec.Command("ip", append([]string{"netns", "exec", n.Name, name}, args...)...)
}

// MAC is the hardware address of interface dev in the namespace, or in
// the machine's own namespace when n is nil.
func (n *NS) MAC(t testing.TB, dev string) string {
	t.Helper()
	var mac string
	find := func() error {
		i, err := net.InterfaceByName(dev)
		if err != nil {
			return err
		}
		mac = i.HardwareAddr.String()
		return nil
	}
	var err error
	where := "this machine's own namespace"
	if n == nil {
		err = find()
	} else {
		where, err = n.Name, n.Do(find)
	}
	if err != nil {
		t.Fatalf("the address of %s in %s: %v", dev, where, err)
	}
	return mac
}

// Do runs f on an OS thread that is in the namespace; sockets f opens
// belong to it.
func (n *NS) Do(f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		back, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer unix.Close(back)
		fd, err := unix.Open(filepath.Join("/run/netns", n.Name), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer unix.Close(fd)
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("entering %s: %w", n.Name, err)
			return
		}
		err = f()
		// Back home, the thread may serve other goroutines again; if it
		// cannot go back, it stays locked and Go ends it with this
		// goroutine.
		if unix.Setns(back, unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

// Response is what a GET got: a status and body, or the error that
// kept it from getting one (a handshake that never completed, say).
type Response struct {
	Status int
	Body   string
	Err    error
}

// String shows the answer with any token in it cut out.
func (r Response) String() string {
	if r.Err != nil {
		return "no answer: " + r.Err.Error()
	}
	return fmt.Sprintf("%d %s", r.Status, jwtRE.ReplaceAllString(r.Body, "<token>"))
}

// jwtRE matches a JWT's first two parts.
var jwtRE = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}[A-Za-z0-9_.-]*`)

// Get sends one HTTP GET from the namespace to addr (host:port), from
// the local address from when it is not "", with Host set to addr's host
// and the headers given, over a plain socket (an http.Client would dial
// on another goroutine, outside the namespace).
func (n *NS) Get(from, addr, target string, headers map[string]string, timeout time.Duration) Response {
	var r Response
	r.Err = n.Do(func() error {
		d := net.Dialer{Timeout: timeout}
		if from != "" {
			d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(timeout))
		host, _, _ := net.SplitHostPort(addr)
		var b strings.Builder
		fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", target, host)
		for k, v := range headers {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
		b.WriteString("\r\n")
		if _, err := c.Write([]byte(b.String())); err != nil {
			return err
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var body strings.Builder
		_, err = bufio.NewReader(resp.Body).WriteTo(&body)
		r.Status, r.Body = resp.StatusCode, body.String()
		return err
	})
	return r
}

// run runs a command and returns its combined output.
func run(name string, args ...string) (string, error) {
	out, err := osexec.Command(name, args...).CombinedOutput()
	return string(out), err
}
