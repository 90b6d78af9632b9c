package serve

import (
	"fmt"
	"net"
	"net/netip"
)

// Which clients an IMDS without a secret answers.
//
// A link-local address is not a promise that the client is near: Linux
// (and most systems) accept a packet for any local address on any
// interface, so a machine on the developer's LAN that gives itself
// 169.254.77.7 and sends to 169.254.169.254 through the developer's MAC
// reaches a server listening there; with a link-local route on the LAN
// interface (avahi adds one) its TCP handshake completes. What it cannot
// do is finish a handshake from an address inside the prefix of the
// interface that holds the listen address: the answers to that address go
// out of that interface (the docker network's bridge), not back to it. So
// open IMDS answers loopback, and sources inside the connected prefix of
// the listen address's own interface; for an IPv6 link-local listener,
// whose prefix (fe80::/64) every interface shares, the source must also
// have arrived on that interface (its zone).

// clientLink is the set of client addresses an IMDS without a secret
// answers besides loopback.
type clientLink struct {
	prefixes []netip.Prefix // zone-less; IPv6 link-local ones need zone too
	zone     string         // the interface that holds the listen address
	dev      string         // zone, when no other interface holds it too
}

// ifaceNet is one address of one interface, with its prefix length.
type ifaceNet struct {
	name   string
	prefix netip.Prefix
}

// interfaceNets lists this machine's interface addresses with their
// interfaces' names; tests replace it.
var interfaceNets = func() ([]ifaceNet, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	var out []ifaceNet
	for _, i := range ifs {
		addrs, err := i.Addrs()
		if err != nil {
			return nil, err
		}
		for _, a := range addrs {
			if p, err := netip.ParsePrefix(a.String()); err == nil {
				out = append(out, ifaceNet{i.Name, p})
			}
		}
	}
	return out, nil
}

// linkOf is the link of the interface that holds listenHost, among those
// nets lists. A loopback or named listener (localhost) has no link beyond
// loopback, and neither has an address on no interface (nothing would
// reach it).
func linkOf(listenHost string, nets func() ([]ifaceNet, error)) (clientLink, error) {
	ip, ok := linkLocal(listenHost)
	if !ok {
		return clientLink{}, nil
	}
	all, err := nets()
	if err != nil {
		return clientLink{}, fmt.Errorf("listing this machine's interfaces to find the link of %s failed: %w", ip, err)
	}
	var l clientLink
	holders := map[string]bool{}
	for _, n := range all {
		if n.prefix.Addr().WithZone("").Unmap() != ip.WithZone("") {
			continue
		}
		if ip.Is6() && ip.Zone() != "" && ip.Zone() != n.name {
			continue // the same fe80:: address on another interface
		}
		l.prefixes = append(l.prefixes, netip.PrefixFrom(ip.WithZone(""), n.prefix.Bits()).Masked())
		holders[n.name] = true
		l.zone = n.name
	}
	if len(holders) == 1 {
		l.dev = l.zone
	}
	return l, nil
}

// admits reports whether a client at remoteAddr (host:port) is loopback
// or on the link.
func (l clientLink) admits(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	if ip.IsLoopback() {
		return true
	}
	zone := ip.Zone()
	ip = ip.WithZone("")
	for _, p := range l.prefixes {
		if !p.Contains(ip) {
			continue
		}
		if ip.Is6() && ip.IsLinkLocalUnicast() && zone != l.zone {
			continue
		}
		return true
	}
	return false
}
