// Package httpx builds the HTTP clients every source uses: a deadline on
// every request, bounded response bodies, no redirects (so secret headers
// never follow one to another host), the requests recorded for -v and
// probe, and a guard that can refuse to dial anything but loopback.
package httpx

import (
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/aztoken/aztoken/internal/env"
)

// LoopbackOnlyEnv, when set to 1, makes every client refuse non-loopback
// addresses. The tests that run aztoken as a program set it, so that a
// forgotten override fails loudly instead of reaching a real Azure
// endpoint; cli.Main reads it, with the rest of the environment, and
// calls Configure.
const LoopbackOnlyEnv = "AZTOKEN_LOOPBACK_ONLY"

// loopbackOnly is the guard. It is on from the start in every test binary
// (testing.Testing), so that no test in any package can reach past this
// machine whatever its environment; in aztoken itself only
// AZTOKEN_LOOPBACK_ONLY=1 turns it on.
var loopbackOnly atomic.Bool

func init() { loopbackOnly.Store(testing.Testing()) }

// Configure applies the two settings of e that concern every client:
// AZTOKEN_LOOPBACK_ONLY=1 turns the guard on, for every client built by
// this package from now on and already built; AZTOKEN_TEST_RESOLVE maps
// host names to loopback addresses while the guard is on (TestResolveEnv).
// cli.Main calls it once, before anything dials.
func Configure(e env.Env) {
	if e.Get(LoopbackOnlyEnv) == "1" {
		RestrictToLoopback()
	}
	m := parseResolve(e.Get(TestResolveEnv))
	processResolve.Store(&m)
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
