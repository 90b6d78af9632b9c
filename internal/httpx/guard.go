// Package httpx builds the HTTP clients every source uses: a deadline on
// every request, bounded response bodies, no redirects (so secret headers
// never follow one to another host), the requests recorded for -v and
// probe, and a guard that can refuse to dial anything but loopback.
package httpx

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync/atomic"
	"syscall"
)

// LoopbackOnlyEnv, when set to 1, makes every client refuse non-loopback
// addresses. Tests and benchmarks set it so that a forgotten override fails
// loudly instead of reaching a real Azure endpoint.
const LoopbackOnlyEnv = "AZTOKEN_LOOPBACK_ONLY"

var loopbackOnly atomic.Bool

func init() {
	if os.Getenv(LoopbackOnlyEnv) == "1" {
		loopbackOnly.Store(true)
	}
}

// RestrictToLoopback makes every client built by this package, from now on
// and already built, refuse to dial any address that is not loopback.
func RestrictToLoopback() { loopbackOnly.Store(true) }

// ErrNotLoopback is returned when the guard refuses an address.
type ErrNotLoopback struct{ Addr string }

func (e *ErrNotLoopback) Error() string {
	return fmt.Sprintf("refusing to connect to %s: only loopback addresses are allowed (%s=1)", e.Addr, LoopbackOnlyEnv)
}

// control runs after name resolution and before connect, so it sees the
// real address whatever name was dialled.
func control(network, address string, _ syscall.RawConn) error {
	if !loopbackOnly.Load() {
		return nil
	}
	return CheckLoopback(address)
}

// CheckLoopback returns an error unless address (host:port) is loopback.
func CheckLoopback(address string) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = address
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Unmap().IsLoopback() {
		return &ErrNotLoopback{Addr: address}
	}
	return nil
}

// Dialer returns a dialer that honours the guard. Anything in aztoken that
// opens a connection uses it.
func Dialer() *net.Dialer {
	return &net.Dialer{Control: control, Timeout: 0}
}
