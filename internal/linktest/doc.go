// Package linktest checks, with real network namespaces, that `aztoken
// serve --imds open` at 169.254.169.254 answers the containers on its own
// network and nobody else (issue 27 item 1): three namespaces stand for
// the developer's machine (with a bridge at 169.254.169.254, as a docker
// network has), a container on that bridge, and a machine on the LAN
// that gives itself a link-local address and sends to 169.254.169.254
// through the developer's MAC. The same check with a real docker network
// (serve --docker-network) is internal/containertest's.
//
// The package holds only tests. They need Linux, root and iproute2; they
// skip with the reason elsewhere, unless AZTOKEN_NETNS_TESTS=require (CI)
// makes that a failure. Nothing leaves the machine: the namespaces hold
// no route but to each other.
package linktest
