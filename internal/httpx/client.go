package httpx

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
)

// MaxBody bounds every response body. Token responses are a few KiB; a
// proxy's HTML page or a hostile endpoint must not fill memory.
const MaxBody = 1 << 20

// Options shape a client.
type Options struct {
	// TLS, when set, replaces the default TLS configuration (Service
	// Fabric pins a thumbprint this way).
	TLS *tls.Config
	// Rewrite, when set, may change a request's URL before it is sent
	// (AZURE_POD_IDENTITY_AUTHORITY_HOST moves the IMDS host this way).
	Rewrite func(*url.URL)
	// Timeout bounds each request; zero means only the context bounds it.
	Timeout time.Duration
	// DialTimeout bounds establishing a connection; zero means only the
	// context bounds it. Managed identity alone uses --imds-timeout here:
	// where nothing routes IMDS's address, the connection never completes.
	DialTimeout time.Duration
	// Retry asks again after 429 and 5xx answers, honouring Retry-After
	// within the request's deadline (Entra ID's token endpoint).
	Retry bool
	// KnownAuthorities answers MSAL's metadata requests to the known Entra
	// ID clouds without sending them (see knownAuthorities), so that a cold
	// token is one request.
	KnownAuthorities bool
	// Resolve maps host:port to a loopback address to dial instead, as
	// TestResolveEnv does for the whole process, for one client: tests
	// that run in parallel, each with its own fake under the same cloud
	// host name, need their own. It applies only while the loopback guard
	// is on, and only towards loopback addresses.
	Resolve map[string]string
}

// NewClient returns a client with the guard, bounded bodies, no redirects
// and request recording.
func NewClient(o Options) *http.Client {
	// A configuration of our own (a pinned thumbprint) speaks HTTP/1.1.
	h2 := o.TLS == nil
	if o.TLS == nil || o.TLS.RootCAs == nil {
		if roots := testRoots(); roots != nil {
			tc := &tls.Config{}
			if o.TLS != nil {
				tc = o.TLS.Clone()
			}
			tc.RootCAs = roots
			o.TLS = tc
		}
		warmRoots()
	}
	base := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialFunc(o.Resolve, o.DialTimeout),
		TLSClientConfig:       o.TLS,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 0,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     h2,
	}
	// Retries wrap the recording transport, so -v shows every attempt.
	var rt http.RoundTripper = &transport{base: base, rewrite: o.Rewrite}
	if o.Retry {
		rt = &retrying{base: rt}
	}
	// Above the recording: an answer known without asking was never sent,
	// so -v and probe show only the requests that were.
	if o.KnownAuthorities {
		rt = &knownAuthorities{base: rt}
	}
	return &http.Client{
		Transport: rt,
		Timeout:   o.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			// Managed-identity and token endpoints never redirect; following
			// one would carry secret headers to wherever it points.
			return http.ErrUseLastResponse
		},
	}
}

// Wrap adds recording and the body bound to a transport built elsewhere
// (MSAL builds Service Fabric's, to pin its certificate thumbprint).
func Wrap(rt http.RoundTripper) http.RoundTripper { return &transport{base: rt} }

// closeIdle forwards http.Client.CloseIdleConnections through a wrapping
// RoundTripper to the transport that holds the connections: without it a
// client whose transport is wrapped closes nothing, and a source dropped
// by serve would keep its sockets until the idle timeout.
func closeIdle(base http.RoundTripper) {
	if c, ok := base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// CloseIdleConnections closes the base transport's idle connections.
func (t *transport) CloseIdleConnections() { closeIdle(t.base) }

// CloseIdleConnections closes the base transport's idle connections.
func (t *retrying) CloseIdleConnections() { closeIdle(t.base) }

// CloseIdleConnections closes the base transport's idle connections.
func (t *knownAuthorities) CloseIdleConnections() { closeIdle(t.base) }

type transport struct {
	base    http.RoundTripper
	rewrite func(*url.URL)
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.rewrite != nil {
		u := *req.URL
		t.rewrite(&u)
		if u != *req.URL {
			req = req.Clone(req.Context())
			req.URL = &u
			req.Host = u.Host
		}
	}
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	ri := chain.RequestInfo{Method: req.Method, URL: RedactURL(req.URL), Headers: HeaderNames(req.Header), Duration: time.Since(start)}
	if resp != nil {
		ri.Status = resp.StatusCode
	}
	chain.RecorderFrom(req.Context()).Add(ri)
	if err != nil {
		var nl *ErrNotLoopback
		if errors.As(err, &nl) {
			return nil, nl
		}
		return nil, err
	}
	resp.Body = &limitedBody{rc: resp.Body, left: MaxBody}
	return resp, nil
}

// ErrBodyTooLarge is returned by a response body read past MaxBody.
var ErrBodyTooLarge = fmt.Errorf("the response body is larger than %d KiB, which no token endpoint sends", MaxBody>>10)

type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly MaxBody from a longer one.
		var one [1]byte
		n, _ := b.rc.Read(one[:])
		if n > 0 {
			return 0, ErrBodyTooLarge
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

func (b *limitedBody) Close() error { return b.rc.Close() }

var secretParams = []string{"secret", "password", "assertion", "token", "sig", "code", "key"}

// RedactURL renders u with the values of secret-looking query parameters
// masked.
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	c.User = nil
	// A URL with an empty query (MSAL's token and IMDS URLs) would print
	// with a dangling '?'.
	c.ForceQuery = false
	q := c.Query()
	changed := false
	for k := range q {
		lk := strings.ToLower(k)
		for _, s := range secretParams {
			if strings.Contains(lk, s) {
				q.Set(k, "REDACTED")
				changed = true
			}
		}
	}
	if changed {
		c.RawQuery = q.Encode()
	}
	return c.String()
}

// HeaderNames lists the names of h, sorted: what -v, probe and explain
// show of a request's headers, whose values may be secrets.
func HeaderNames(h http.Header) []string {
	var out []string
	for k := range h {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
