//go:build linux

package containertest

import (
	"strings"
	"testing"

	"github.com/aztoken/aztoken/internal/netnstest"
)

// TestDockerNetworkStaysOnItsLink: `aztoken serve --docker-network`
// (open IMDS at the network's gateway, 169.254.169.254) answers the Go
// client in a container on the network, and not a machine on the LAN (a
// network namespace joined to this machine by a veth pair) that sends to
// 169.254.169.254 through this machine's MAC from its own link-local
// address, from its ordinary one, or from one spoofed inside the
// network's prefix (issue 27 item 1; internal/linktest does the same with
// a bridge of its own, without docker).
func TestDockerNetworkStaysOnItsLink(t *testing.T) {
	a := setup(t)
	netnstest.Skip(t)
	n := newNetwork(t, imdsIP)
	m := modes()[1]
	if m.name != "emulate" {
		t.Fatalf("modes()[1] is %s, not the emulator", m.name)
	}
	srv := startServe(t, a, a.bin, user{}, m, "--docker-network", n.Name)
	// This machine's own namespace routes back to the LAN's link-local
	// addresses through the veth pair only for 169.254.77.0/24, the
	// LAN machine's, so that nothing else of the machine's changes.
	lan := netnstest.NewLAN(t, nil, netnstest.LinkName("l"), "169.254.77.0/24")
	runClient(t, a, n, clients[0], m.want)
	netnstest.CheckLAN(t, lan, imdsIP+":80", "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net")
	// Run as root, serve ties its socket to the network's bridge: the
	// LAN's connections never reach it.
	for _, from := range []string{netnstest.LANOwn, netnstest.LANAddr, netnstest.LANSpoof} {
		if log := srv.stderr.String(); strings.Contains(log, "remote="+from+":") {
			t.Errorf("a connection from the LAN machine's %s reached serve; its socket is not tied to the bridge:\n%s", from, log)
		}
	}
}
