//go:build !darwin && !windows

package serve

// Docker Engine on Linux (and the BSDs) maps host.docker.internal, when a
// container asks for it with --add-host host.docker.internal:host-gateway,
// to the address of a docker bridge, never to this machine's loopback: a
// loopback listener is reached from a container only over the host
// network, by 127.0.0.1 or localhost. A request for host.docker.internal
// at a loopback listener comes from a browser that asked DNS for the name,
// which a rogue network answers, so it is refused unless the hosts file
// maps the name or --allow-host names it.
const desktopForwardsLoopback = false

// systemHostsPath is the file the resolver reads before DNS.
func systemHostsPath() string { return "/etc/hosts" }
