package source

import (
	"errors"
	"net/http"
	"time"

	"github.com/aztoken/aztoken/internal/httpx"
)

// Service Fabric's endpoint has a self-signed certificate whose SHA-1
// thumbprint is in IDENTITY_SERVER_THUMBPRINT. MSAL v1.10.1 pins it itself:
// it clones a plain *http.Transport, skips chain verification and compares
// the thumbprint in VerifyConnection, and forbids redirects. It will only
// do that to an *http.Client with an *http.Transport, or through a
// ClientConfigurer, and it refuses a transport that already verifies
// certificates its own way. So for Service Fabric miHTTP hands MSAL a
// plain transport that dials through httpx's loopback guard, and wraps
// what MSAL returns with the recording and body bound that httpx gives
// every other client.

// ConfigureClient implements managedidentity.ClientConfigurer; MSAL calls
// it once, from managedidentity.New, and only for Service Fabric.
func (h *miHTTP) ConfigureClient(augment func(*http.Client) (*http.Client, error)) error {
	base := &http.Client{Transport: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         httpx.Dialer().DialContext,
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     30 * time.Second,
	}}
	pinned, err := augment(base)
	if err != nil {
		return err
	}
	if pinned == nil || pinned.Transport == nil {
		return errors.New("MSAL returned no Service Fabric client")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.client = &http.Client{
		Transport:     httpx.Wrap(pinned.Transport),
		CheckRedirect: pinned.CheckRedirect,
		Timeout:       pinned.Timeout,
	}
	return nil
}
