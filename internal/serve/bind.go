package serve

import (
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"strings"
)

// checkBind refuses a listener that the options do not allow, and returns
// the warnings to show. Loopback is always allowed. A link-local address
// (169.254.0.0/16, fe80::/10) is allowed without --allow-remote: no router
// forwards it, so only the machines on that one link (a docker network
// whose gateway it is) reach it. Anything else needs allowRemote, and
// cannot serve IMDS open. nets lists this machine's interfaces, asked
// only for a link-local address.
func checkBind(addr string, allowRemote bool, imds IMDSMode, nets func() ([]ifaceNet, error)) (warnings []string, err error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("the listen address %q is not host:port (for example 127.0.0.1:8080): %w", addr, err)
	}
	if isLoopbackHost(host) {
		return nil, nil
	}
	what := host
	if host == "" || host == "0.0.0.0" || host == "::" {
		what = "every network interface"
	}
	if ip, ok := linkLocal(host); ok {
		if err := linkLocalOnHost(ip, nets); err != nil {
			return nil, err
		}
		return nil, nil
	}
	if imds == IMDSOpen {
		return nil, fmt.Errorf("--imds open serves tokens with no secret, as Azure's IMDS does, so it listens only on loopback or on a link-local address (169.254.0.0/16, fe80::/10) that no router forwards; %s is neither. Listen on the gateway of a docker network, e.g. --addr 169.254.169.254:80 (see docs/containers.md), or use --imds secret", what)
	}
	if !allowRemote {
		return nil, fmt.Errorf("refusing to listen on %s without --allow-remote: anyone who can reach that address and learns the secret gets tokens for your identity. Bind 127.0.0.1 (the default), or pass --allow-remote if you mean it", what)
	}
	return []string{fmt.Sprintf("listening on %s (--allow-remote): any machine that can reach it and knows the secret gets tokens for your identity; IMDS requires the secret there", what)}, nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// linkLocal reports whether host is a link-local unicast IP.
func linkLocal(host string) (netip.Addr, bool) {
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	ip = ip.Unmap()
	return ip, ip.IsLinkLocalUnicast()
}

// linkLocalOnHost says, when ip is on none of this machine's interfaces,
// how to put it there: a link-local address exists only where a network
// puts it, and the usual one is a docker network's gateway.
func linkLocalOnHost(ip netip.Addr, nets func() ([]ifaceNet, error)) error {
	all, err := nets()
	if err != nil {
		return fmt.Errorf("listing this machine's addresses to find %s failed: %w", ip, err)
	}
	for _, n := range all {
		if n.prefix.Addr().WithZone("").Unmap() == ip.WithZone("") {
			return nil
		}
	}
	return linkLocalMissing(runtime.GOOS, ip)
}

// linkLocalMissing says how to put ip on this machine. Only a Linux host
// runs docker's networks itself: Docker Desktop (macOS, Windows) keeps
// them in its VM, where no listener here can be, so there the way is the
// relay.
func linkLocalMissing(goos string, ip netip.Addr) error {
	if goos != "linux" {
		return fmt.Errorf("the link-local address %s is not on this machine, and no docker network puts it here: Docker Desktop keeps its networks in its VM. Serve on loopback and run aztoken serve --relay --imds open in a container on the network (docs/containers.md, \"Any Docker, Docker Desktop included: the relay\")", ip)
	}
	if ip.Is4() {
		subnet := netip.PrefixFrom(ip, 24).Masked()
		return fmt.Errorf("the link-local address %s is not on this machine; a docker network whose gateway it is puts it here: docker network create --internal --subnet %s --gateway %s NAME (then run containers with --network NAME)", ip, subnet, ip)
	}
	return fmt.Errorf("the link-local address %s is not on this machine; give an address of one of its interfaces (ip -6 addr shows them), or use an IPv4 docker network: docker network create --internal --subnet 169.254.169.0/24 --gateway 169.254.169.254 NAME", ip)
}
