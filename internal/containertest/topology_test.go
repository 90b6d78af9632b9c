//go:build linux

package containertest

import (
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestHostTopology: `aztoken serve --imds open` on the host, at the
// gateway (169.254.169.254) of a docker network, run by an ordinary user
// with cap_net_bind_service on the binary; unmodified clients in
// containers on that network get tokens.
func TestHostTopology(t *testing.T) {
	a := setup(t)
	n := newNetwork(t, imdsIP)
	checkIsolated(t, a, n)
	for _, m := range modes() {
		t.Run(m.name, func(t *testing.T) {
			bin, u, ok := unprivileged(t, a)
			// Proxy mode finds its address through the network
			// (--docker-network checks that its gateway is IMDS's); the
			// emulator is given it.
			args := []string{"--addr", imdsIP + ":80", "--imds", "open"}
			if m.name == "proxy" && (u.uid == 0 || len(u.groups) > 0) {
				args = []string{"--docker-network", n.Name}
			}
			srv := startServe(t, a, bin, u, m, args...)
			if ok {
				t.Logf("serve %s runs as uid %d with cap_net_bind_service: %s", strings.Join(args, " "), u.uid, srv.URL)
			}
			runClients(t, a, n, m.want)
			if m.name == "proxy" {
				checkAzCalled(t, u, srv)
			}
		})
	}
}

// TestRelayTopology: aztoken's image as the IMDS relay at 169.254.169.254
// inside the network, passing requests on to `aztoken serve` on the host
// (at the network's gateway) over the App Service protocol; only the
// relay holds IDENTITY_ENDPOINT and IDENTITY_HEADER.
func TestRelayTopology(t *testing.T) {
	a := setup(t)
	const gateway = "169.254.169.1"
	n := newNetwork(t, gateway)
	for _, m := range modes() {
		t.Run(m.name, func(t *testing.T) {
			secret := "relay-secret-" + randomHex(12)
			secretFile := filepath.Join(t.TempDir(), "secret")
			if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			srv := startServe(t, a, a.bin, user{}, m, "--addr", gateway+":0", "--allow-remote", "--secret-file", secretFile)
			relay := startRelay(t, a, n, srv.URL+"/msi/token", secret)
			runClients(t, a, n, m.want)
			if log := relay.logs(t); strings.Contains(log, secret) {
				t.Errorf("the relay's log holds the upstream secret:\n%s", log)
			} else if jwtRE.MatchString(log) {
				t.Errorf("the relay's log holds a token:\n%s", log)
			} else if t.Failed() {
				t.Logf("the relay's log:\n%s", log)
			}
		})
	}
}

// startRelay starts aztoken's image at 169.254.169.254 on n, relaying to
// endpoint, and waits for its banner.
func startRelay(t *testing.T, a *artifacts, n *network, endpoint, secret string) *container {
	t.Helper()
	c := startContainer(t, "--network", n.Name, "--ip", imdsIP,
		"-e", "IDENTITY_ENDPOINT="+endpoint, "-e", "IDENTITY_HEADER="+secret,
		a.image, "serve", "--relay", "--addr", imdsIP+":80", "--imds", "open")
	waitLog(t, c, "listening on")
	return c
}

// waitLog waits up to 30 s for a container's log to show want.
func waitLog(t *testing.T, c *container, want string) {
	t.Helper()
	for range 300 {
		log := c.logs(t)
		if strings.Contains(log, want) {
			return
		}
		state, _ := docker(t.Context(), "inspect", "--format", "{{.State.Status}}", c.Name)
		if s := strings.TrimSpace(state); s == "exited" || s == "dead" {
			t.Fatalf("%s stopped at start:\n%s", c.Name, log)
		}
		sleep100ms()
	}
	t.Fatalf("%s did not log %q within 30 s:\n%s", c.Name, want, c.logs(t))
}

// checkAzCalled makes sure the proxy's tokens came from az.
func checkAzCalled(t *testing.T, u user, srv *server) {
	t.Helper()
	if u.home == "" {
		return
	}
	log, err := os.ReadFile(filepath.Join(u.home, "az.log"))
	if err != nil || !strings.Contains(string(log), "args: account get-access-token") {
		t.Errorf("serve at %s did not ask az for the token (az log: %q, %v)", srv.URL, log, err)
	}
}

// checkIsolated makes sure a container on n reaches the host at the
// gateway and nothing else: a listener on every host address answers at
// the gateway, and is out of reach at the host's other addresses (which
// are on this machine, so the probe itself sends nothing away).
func checkIsolated(t *testing.T, a *artifacts, n *network) {
	t.Helper()
	ln, err := net.Listen("tcp4", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	probe := func(ip string) (bool, string) {
		args := append(a.clientArgs(n), a.client, "/usr/bin/timeout", "3", "/bin/bash", "-c",
			"exec 3<>/dev/tcp/"+ip+"/"+port+" && echo connected")
		_, out := runContainer(t, nil, args...)
		return strings.Contains(out, "connected"), out
	}
	if ok, out := probe(n.Gateway); !ok {
		t.Fatalf("a container on %s cannot reach the host at the gateway %s:%s: %s", n.Name, n.Gateway, port, out)
	}
	other := otherHostAddr(n)
	if other == "" {
		t.Logf("this host has no IPv4 address off the test network to probe")
		return
	}
	if ok, _ := probe(other); ok {
		t.Errorf("a container on %s reached the host at %s: it is not kept in its network", n.Name, other)
	}
}

// otherHostAddr is one of the host's IPv4 addresses that is neither
// loopback nor on the test subnet.
func otherHostAddr(n *network) string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	sub := netip.MustParsePrefix(subnet)
	for _, a := range addrs {
		p, err := netip.ParsePrefix(a.String())
		if err != nil {
			continue
		}
		if ip := p.Addr(); ip.Is4() && !ip.IsLoopback() && !sub.Contains(ip) {
			return ip.String()
		}
	}
	return ""
}

func sleep100ms() { time.Sleep(100 * time.Millisecond) }
