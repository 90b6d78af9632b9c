//go:build !windows && !darwin

package source

// Elsewhere Go reads the system's CA bundle, or SSL_CERT_FILE and
// SSL_CERT_DIR in its place; proxies come from the environment, as for
// every other tool there.
const (
	tlsTrustHint = "if a proxy inspects TLS, add its CA to the system trust store or SSL_CERT_FILE"
	proxyHint    = "set HTTPS_PROXY if you need a proxy"
)
