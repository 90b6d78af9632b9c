// Package containertest runs aztoken with real containers: unmodified
// Azure SDK clients (Go's azidentity always; Python's azure-identity,
// node's @azure/identity and `az login --identity` where this machine has
// them) in containers that hold no Azure variable, getting tokens over
// IMDS at 169.254.169.254 in the two topologies of docs/containers.md:
//
//   - host: `aztoken serve --imds open` on the host, at the gateway
//     (169.254.169.254) of a docker network;
//   - relay: aztoken's own image at 169.254.169.254 inside the network,
//     passing requests on to `aztoken serve` on the host over the App
//     Service protocol;
//
// each with serve proxying a credential chain (a fake az on PATH) and
// with the emulator. docs/docker-compose.yml is run as written where a
// compose command is installed.
//
// The package holds only tests (and goclient, the Go app they run). They
// need a Docker engine (.ci/docker-engine start) and root (for iptables);
// without an engine they say "skipped: docker unavailable", unless
// AZTOKEN_CONTAINER_TESTS=require (make test-containers, CI) makes that a
// failure.
//
// # Nothing leaves the machine
//
// Every network is created --internal on the link-local subnet
// 169.254.169.0/24, so its containers have no default route: they reach
// their own network and nothing else (a test checks each network's route
// table from inside a container). The engine runs with --iptables=false
// --ip-forward=false, so it adds no forwarding or masquerading of its
// own; where br_netfilter sends bridged frames through a FORWARD chain
// that drops them, the tests accept traffic from the network's bridge to
// the same bridge only, and delete that rule with the network. Docker's
// embedded DNS resolver dials outside servers from inside the container's
// network namespace, where there is no route to them. The host never
// dials 169.254.169.254 itself: servers are known to be up from their own
// banners. Client images are FROM scratch with the host's /usr, /lib,
// /lib64 and /bin mounted read-only, so nothing is pulled.
//
// TestDockerNetworkStaysOnItsLink also adds a machine on the LAN: a
// network namespace of its own joined to the host by a veth pair named
// azl-<pid>l, which gets 198.51.100.1/24 and a route for the LAN
// machine's 169.254.77.0/24; nothing else of the host's routing changes,
// and namespace and pair go with the test (internal/netnstest).
//
// Containers, networks, rules and images carry this run's process id in
// a label or comment; they are removed when a test ends, failed or not,
// and a later run removes what a killed run left behind.
package containertest
