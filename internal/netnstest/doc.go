// Package netnstest builds small networks of Linux network namespaces for
// tests that need real addresses, interfaces and routes (a host with a
// docker-like bridge, a container on it, a machine on the LAN) without
// any traffic leaving this machine: a namespace starts with nothing but
// lo, so what a test sends reaches only the namespaces it wired together.
//
// Every namespace and every interface it makes in the machine's own
// namespace is named azl-<pid>-..., after the test process, and removed
// when the test ends; Sweep removes what a killed run left behind. The
// helpers need root and iproute2's ip; Unavailable says why they cannot
// be used, for the test to skip with. Outside Linux there is nothing
// here: the tests that use it are Linux's own.
package netnstest
