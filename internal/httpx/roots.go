package httpx

import (
	"crypto/x509"
	"os"
	"runtime"
	"sync"
)

var warmRootsOnce sync.Once

// warmRoots starts loading the system's trusted roots in the background.
// Go loads them lazily, when the first TLS handshake checks the server's
// certificate, after the TCP connect and the server's first flight; on
// Linux that means parsing the CA bundle and every file in /etc/ssl/certs,
// 10-50 ms of CPU. Started when the first client that will need them is
// built, the work overlaps with the rest of start-up and with the network
// round trips before the check, instead of adding to them. Only a client
// that may connect starts it, so a token served from the cache never pays
// for it.
func warmRoots() {
	warmRootsOnce.Do(func() { go func() { _, _ = x509.SystemCertPool() }() })
}

// testRoots is, for tests only, the trust anchors of SSL_CERT_FILE on top
// of the system's, where Go itself does not read that variable (Windows,
// macOS: it verifies with the OS's store there), or nil. It applies only
// while the loopback guard is on, which refuses every address that is
// not loopback, so it never changes whom a real aztoken trusts. With it
// the same txtar scripts trust their loopback fakes' CAs on every OS, as
// they do through SSL_CERT_FILE on Linux.
func testRoots() *x509.CertPool {
	if !loopbackOnly.Load() || runtime.GOOS != "windows" && runtime.GOOS != "darwin" {
		return nil
	}
	file := os.Getenv("SSL_CERT_FILE")
	if file == "" {
		return nil
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil
	}
	return pool
}
