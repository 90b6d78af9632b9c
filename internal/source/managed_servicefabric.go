package source

import (
	"errors"
	"io"
	"net/http"
	"sort"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
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
		Transport:     &miRecording{base: pinned.Transport},
		CheckRedirect: pinned.CheckRedirect,
		Timeout:       pinned.Timeout,
	}
	return nil
}

// miRecording records each round trip into the context's chain.Recorder and
// bounds the body to httpx.MaxBody, as httpx's own transport does.
type miRecording struct{ base http.RoundTripper }

func (t *miRecording) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	var names []string
	for k := range req.Header {
		names = append(names, k)
	}
	sort.Strings(names)
	ri := chain.RequestInfo{Method: req.Method, URL: httpx.RedactURL(req.URL), Headers: names, Duration: time.Since(start)}
	if resp != nil {
		ri.Status = resp.StatusCode
	}
	chain.RecorderFrom(req.Context()).Add(ri)
	if err != nil {
		return nil, err
	}
	resp.Body = &miBoundedBody{rc: resp.Body, left: httpx.MaxBody}
	return resp, nil
}

type miBoundedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *miBoundedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, httpx.ErrBodyTooLarge
		}
		return b.rc.Read(p)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *miBoundedBody) Close() error { return b.rc.Close() }
