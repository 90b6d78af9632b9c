package netnstest

import (
	"strings"
	"testing"
	"time"
)

// The LAN machine of issue 27 item 1: a machine on the developer's LAN
// that gives itself a link-local address and sends to 169.254.169.254
// through the developer's MAC (as the next hop of an on-link route, which
// is what a link-local address gives it).
const (
	// LANOwn is the LAN machine's own link-local address, off every
	// docker network's prefix.
	LANOwn = "169.254.77.7"
	// LANAddr is its ordinary address, and LANHost the developer
	// machine's address on the LAN.
	LANAddr = "198.51.100.2"
	LANHost = "198.51.100.1"
	// LANSpoof is an address inside the docker network's prefix
	// (169.254.169.0/24) that no container holds.
	LANSpoof = "169.254.169.77"
)

// NewLAN makes the LAN machine: a namespace joined by a veth pair to host
// (nil: this machine's own namespace), where the developer's side is
// named dev. The developer's side gets a route back to the LAN's
// link-local addresses, as avahi adds one (169.254.0.0/16 at metric 1000)
// and as an attacker that is the default gateway has: back is that route,
// narrowed in this machine's own namespace to 169.254.77.0/24. The LAN
// machine knows the developer's MAC for 169.254.169.254, as it would
// from ARP (which Linux answers for any local address on any interface).
func NewLAN(t testing.TB, host *NS, dev, back string) *NS {
	t.Helper()
	lan := New(t, "lan")
	host.ip(t, "link", "add", dev, "type", "veth", "peer", "name", "azl-l1", "netns", lan.Name)
	if host == nil {
		t.Cleanup(func() { _, _ = run("ip", "link", "del", dev) })
	}
	host.ip(t, "addr", "add", LANHost+"/24", "dev", dev)
	host.ip(t, "link", "set", dev, "up")
	host.ip(t, append([]string{"route", "add"}, append(strings.Fields(back), "dev", dev)...)...)
	lan.IP(t, "addr", "add", LANAddr+"/24", "dev", "azl-l1")
	lan.IP(t, "addr", "add", LANOwn+"/16", "dev", "azl-l1")
	lan.IP(t, "addr", "add", LANSpoof+"/32", "dev", "azl-l1")
	lan.IP(t, "link", "set", "azl-l1", "up")
	lan.IP(t, "neigh", "replace", "169.254.169.254", "lladdr", host.MAC(t, dev), "dev", "azl-l1", "nud", "permanent")
	return lan
}

// CheckLAN sends the token request target (a path and query, with
// Metadata: true) to addr from the LAN machine's three addresses. None
// may get a token. From its own link-local address and its ordinary one
// the handshake would complete, since the developer's machine routes back
// to them: the kernel refuses it where serve's socket is tied to the
// bridge (Linux's SO_BINDTODEVICE), serve answers 403 where it is not.
// From the address spoofed inside the docker network's prefix the
// handshake never completes (the developer's answers go to the bridge).
func CheckLAN(t testing.TB, lan *NS, addr, target string) {
	t.Helper()
	md := map[string]string{"Metadata": "true"}
	for _, from := range []string{LANOwn, LANAddr} {
		r := lan.Get(from, addr, target, md, 10*time.Second)
		refused := r.Err != nil && strings.Contains(r.Err.Error(), "connection refused")
		if !refused && (r.Err != nil || r.Status != 403) || strings.Contains(r.Body, "access_token") {
			t.Errorf("the LAN machine from %s: %s, want the connection refused or 403", from, r)
		}
	}
	r := lan.Get(LANSpoof, addr, target, md, 3*time.Second)
	if r.Err == nil && r.Status != 403 || strings.Contains(r.Body, "access_token") {
		t.Errorf("the LAN machine spoofing %s: %s, want no answer or 403", LANSpoof, r)
	}
}
