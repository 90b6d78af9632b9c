package httpx

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"time"
)

// TestResolveEnv lets the end-to-end tests reach a loopback fake under a
// real cloud's host name, the way curl's --resolve does:
// "login.microsoftonline.com:443=127.0.0.1:40123[,host:port=addr...]".
// The URL, the TLS server name and everything above the dial are the
// production path; only the address dialled changes.
//
// It is honoured only while AZTOKEN_LOOPBACK_ONLY=1 and only towards
// loopback addresses: set by accident without the guard it changes
// nothing, and with the guard it can only point a request at this machine,
// where the guard confines every request anyway.
const TestResolveEnv = "AZTOKEN_TEST_RESOLVE"

// processResolve is TestResolveEnv as Configure read it.
var processResolve atomic.Pointer[map[string]string]

// parseResolve reads host:port=addr pairs, dropping any whose address is
// not loopback.
func parseResolve(v string) map[string]string {
	if v == "" {
		return nil
	}
	m := map[string]string{}
	for _, pair := range strings.Split(v, ",") {
		from, to, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || CheckLoopback(to) != nil {
			continue
		}
		m[strings.ToLower(from)] = to
	}
	return m
}

// dialFunc dials through the guard, first replacing an address that
// resolve (a client's Options.Resolve) or TestResolveEnv maps, towards
// loopback only. The mappings apply only while the guard is on.
func dialFunc(resolve map[string]string, timeout time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := Dialer()
	d.Timeout = timeout
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if loopbackOnly.Load() {
			key := strings.ToLower(addr)
			if to, ok := resolve[key]; ok && CheckLoopback(to) == nil {
				addr = to
			} else if m := processResolve.Load(); m != nil {
				if to, ok := (*m)[key]; ok {
					addr = to
				}
			}
		}
		return d.DialContext(ctx, network, addr)
	}
}
