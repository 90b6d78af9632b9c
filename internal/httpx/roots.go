package httpx

import (
	"crypto/x509"
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
