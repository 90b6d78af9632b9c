package source

// Go on macOS verifies certificates with the Keychain's trust settings
// and ignores SSL_CERT_FILE; it reads a proxy only from the environment,
// not from System Settings, which az (Python) does use: on a corporate
// Mac `--source az` can work while the HTTP sources cannot connect.
const (
	tlsTrustHint = "if a proxy inspects TLS, add its CA to a keychain and trust it (Keychain Access, or security add-trusted-cert); SSL_CERT_FILE is not read on macOS"
	proxyHint    = "set HTTPS_PROXY if you need a proxy: aztoken does not read the proxy from System Settings"
)
