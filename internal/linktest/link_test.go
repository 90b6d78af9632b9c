//go:build linux

package linktest

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/buildtest"
	"github.com/aztoken/aztoken/internal/netnstest"
	"github.com/aztoken/aztoken/internal/proctest"
)

const (
	imdsAddr  = "169.254.169.254:80"
	container = "169.254.169.2"
	tokenPath = "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net"
)

var jwtRE = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}`)

func TestMain(m *testing.M) {
	if netnstest.Unavailable() == "" {
		netnstest.Sweep()
	}
	built.Sweep()
	code := m.Run()
	built.Remove()
	os.Exit(code)
}

// built is aztoken, built once for the tests.
var built = buildtest.Aztoken{Name: "linktest"}

func aztoken(t *testing.T) string { return built.Path(t) }

// host is the developer's machine: a bridge at 169.254.169.254/24 (a
// docker network's gateway) with a container on it, and a LAN on another
// interface.
func host(t *testing.T) (h, ctr, lan *netnstest.NS) {
	h = netnstest.New(t, "host")
	ctr = netnstest.New(t, "ctr")
	h.IP(t, "link", "add", "azl-br", "type", "bridge")
	h.IP(t, "addr", "add", "169.254.169.254/24", "dev", "azl-br")
	h.IP(t, "link", "set", "azl-br", "up")
	h.IP(t, "link", "add", "azl-c0", "type", "veth", "peer", "name", "azl-c1", "netns", ctr.Name)
	h.IP(t, "link", "set", "azl-c0", "master", "azl-br", "up")
	ctr.IP(t, "addr", "add", container+"/24", "dev", "azl-c1")
	ctr.IP(t, "link", "set", "azl-c1", "up")
	lan = netnstest.NewLAN(t, h, "azl-l0", "169.254.0.0/16 metric 1000")
	return h, ctr, lan
}

// stranger is a machine on the bridge's own link but outside its prefix,
// 169.254.88.8/24, which the host routes to the bridge too: its packets
// arrive on the bridge and its handshake completes, so only serve's
// address rule keeps it out.
func stranger(t *testing.T, h *netnstest.NS) *netnstest.NS {
	s := netnstest.New(t, "odd")
	h.IP(t, "link", "add", "azl-s0", "type", "veth", "peer", "name", "azl-s1", "netns", s.Name)
	h.IP(t, "link", "set", "azl-s0", "master", "azl-br", "up")
	h.IP(t, "route", "add", "169.254.88.0/24", "dev", "azl-br")
	s.IP(t, "addr", "add", "169.254.88.8/24", "dev", "azl-s1")
	s.IP(t, "link", "set", "azl-s1", "up")
	s.IP(t, "route", "add", "169.254.169.254/32", "dev", "azl-s1")
	return s
}

// serve runs aztoken serve with args in ns until the test ends, and
// returns its stderr once it has printed its banner.
func serve(t *testing.T, ns *netnstest.NS, args ...string) *proctest.SyncBuffer {
	t.Helper()
	stderr := &proctest.SyncBuffer{}
	cmd := ns.Command(aztoken(t), append([]string{"serve"}, args...)...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "AZTOKEN_LOOPBACK_ONLY=1"}
	cmd.Stdout, cmd.Stderr = stderr, stderr
	// No Pdeathsig: it fires when the thread that forked serve ends, and
	// netnstest's threads end; the cleanup below ends serve, and a
	// killed run's serve is ended by the next run's sweep.
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if jwtRE.MatchString(stderr.String()) {
			t.Errorf("serve's log holds a token:\n%s", stderr)
		}
		if t.Failed() {
			t.Logf("serve's log:\n%s", stderr)
		}
	})
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		if strings.Contains(stderr.String(), "listening on") {
			return stderr
		}
		select {
		case <-done:
			t.Fatalf("serve exited at start:\n%s", stderr)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("serve printed no banner within 30 s:\n%s", stderr)
	return nil
}

// TestOpenIMDSStaysOnItsLink: the container gets a token; the LAN machine
// gets no token from its own link-local address or its ordinary one (the
// kernel refuses the connection, serve's socket being tied to the bridge)
// nor from an address spoofed inside the bridge's prefix (no handshake);
// a machine on the bridge outside its prefix gets 403 from serve's
// address rule; with reverse-path filtering off, strict and loose, as the
// issue's reproduction tried.
func TestOpenIMDSStaysOnItsLink(t *testing.T) {
	netnstest.Skip(t)
	h, ctr, lan := host(t)
	odd := stranger(t, h)
	log := serve(t, h, "--emulate", "--addr", imdsAddr, "--imds", "open")
	for _, rp := range []string{"0", "1", "2"} {
		t.Run("rp_filter="+rp, func(t *testing.T) {
			h.Sh(t, fmt.Sprintf("echo %s > /proc/sys/net/ipv4/conf/all/rp_filter && echo %s > /proc/sys/net/ipv4/conf/azl-l0/rp_filter", rp, rp))
			r := ctr.Get("", imdsAddr, tokenPath, map[string]string{"Metadata": "true"}, 10*time.Second)
			if r.Err != nil || r.Status != 200 || !strings.Contains(r.Body, "access_token") {
				t.Errorf("the container: %s, want a token", r)
			}
			netnstest.CheckLAN(t, lan, imdsAddr, tokenPath)
			r = odd.Get("", imdsAddr, tokenPath, map[string]string{"Metadata": "true"}, 10*time.Second)
			if r.Err != nil || r.Status != 403 {
				t.Errorf("the machine on the bridge outside its prefix: %s, want 403", r)
			}
		})
	}
	if !strings.Contains(log.String(), `remote=169.254.88.8`) || !strings.Contains(log.String(), "refused: remote address") {
		t.Errorf("serve's access log does not say it refused the machine outside the prefix:\n%s", log)
	}
	// Run as root, serve ties its socket to the bridge: the LAN's
	// connections never reach it.
	for _, from := range []string{netnstest.LANOwn, netnstest.LANAddr, netnstest.LANSpoof} {
		if strings.Contains(log.String(), "remote="+from+":") {
			t.Errorf("a connection from the LAN machine's %s reached serve; its socket is not tied to the bridge:\n%s", from, log)
		}
	}
}
