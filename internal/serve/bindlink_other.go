//go:build !linux

package serve

import "syscall"

// bindToLink is Linux's SO_BINDTODEVICE (bindlink_linux.go). Elsewhere
// the listener is not tied to an interface, and clientLink's address
// check alone keeps open IMDS to its link: macOS and Windows have no
// docker bridge on the host, so a link-local listener is rare there.
func bindToLink(string) func(network, address string, c syscall.RawConn) error { return nil }
