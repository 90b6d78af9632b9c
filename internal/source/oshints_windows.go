package source

// Go on Windows verifies certificates with the Windows certificate store
// and ignores SSL_CERT_FILE; it reads a proxy only from the environment,
// not from the system's (WinINET) settings that browsers and az use.
const (
	tlsTrustHint = "if a proxy inspects TLS, add its CA to the Windows certificate store (Trusted Root Certification Authorities: certutil -user -addstore Root ca.cer); SSL_CERT_FILE is not read on Windows"
	proxyHint    = "set HTTPS_PROXY if you need a proxy: aztoken does not read the Windows proxy settings"
)
