package fakeazure

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"time"
)

// IMDSAddr is the address MSAL and the Azure SDKs dial for IMDS. It is
// hard-coded in MSAL, so a test moves it with a dialer rewrite rather than
// with configuration.
const IMDSAddr = "169.254.169.254:80"

// LoopbackDialer returns a DialContext function that connects only to
// loopback addresses. An address found in rewrite (keyed by "host:port",
// as the transport passes it) is replaced by its value before the check,
// which is how IMDSAddr is sent to a fake. "localhost" means 127.0.0.1.
// Any other address, including any other host name, is refused without a
// DNS lookup: a resolver is itself a network peer, and a test that forgot
// a rewrite must fail loudly rather than reach Azure.
func LoopbackDialer(rewrite map[string]string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	// Copy the map so a caller changing it later cannot race the dialer.
	routes := make(map[string]string, len(rewrite))
	for from, to := range rewrite {
		routes[from] = to
	}
	d := &net.Dialer{Timeout: 5 * time.Second}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if to, ok := routes[addr]; ok {
			addr = to
		}
		if host, port, err := net.SplitHostPort(addr); err == nil && host == "localhost" {
			// Resolve it here: a resolver asked about "localhost" may
			// still consult DNS.
			addr = net.JoinHostPort("127.0.0.1", port)
		}
		if err := checkLoopback(addr); err != nil {
			return nil, err
		}
		return d.DialContext(ctx, network, addr)
	}
}

// checkLoopback returns an error unless addr names a loopback address.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("fakeazure refuses to dial %q: it is not a host:port address", addr)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Unmap().IsLoopback() {
		return fmt.Errorf("fakeazure refuses to dial %s: only loopback addresses are allowed in tests", addr)
	}
	return nil
}

// LoopbackTransport returns a transport that dials through LoopbackDialer,
// never uses a proxy (HTTPS_PROXY from the environment would otherwise
// send requests off the machine) and trusts roots, or the system roots
// when roots is nil. It is a plain *http.Transport without DialTLS so that
// MSAL's Service Fabric source can clone it and add its certificate pin.
func LoopbackTransport(rewrite map[string]string, roots *x509.CertPool) *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           LoopbackDialer(rewrite),
		TLSClientConfig:       &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   5 * time.Second,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       30 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}
