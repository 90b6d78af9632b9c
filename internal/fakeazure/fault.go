package fakeazure

import (
	"fmt"
	"slices"
	"sync"
	"time"
)

// DockerDesktopUnreachable is the body Docker Desktop's proxy sends with a
// 403 when a container asks for 169.254.169.254. azidentity treats a 403
// whose body contains "unreachable" as "IMDS is not here" and moves on.
const DockerDesktopUnreachable = "connecting to 169.254.169.254:80: connecting to 169.254.169.254:80: dial tcp 169.254.169.254:80: connectex: A socket operation was attempted to an unreachable network."

// Fault changes how an endpoint answers. The zero Fault changes nothing.
// Fields combine in this order: Delay first; then Hang, Unreachable403 or
// RedirectTo, whichever is set first, replace the answer entirely;
// otherwise the body is chosen (Body, HTML, Oversized, a default error
// when Status is an error, else the normal answer altered by
// NoAccessToken, ExpiresOnPast and AlreadyExpiredToken) and sent whole,
// truncated (TruncatedJSON), or cut off (HangMidBody, ResetMidBody).
type Fault struct {
	// Status replaces the HTTP status. An error status (>= 400) without a
	// Body gets an error JSON shaped like the endpoint's real errors.
	Status int
	// RetryAfter, when set, is sent as the Retry-After header.
	RetryAfter string
	// Body is sent verbatim instead of the normal body.
	Body string
	// HTML sends an HTML error page, as a proxy or captive portal would,
	// with Status or, when Status is 0, 200.
	HTML bool
	// TruncatedJSON sends only the first half of the body, as a complete
	// response (its Content-Length matches what is sent).
	TruncatedJSON bool
	// Oversized sends a token-shaped JSON body this many bytes long, e.g.
	// 10<<20, so a client's response size cap can be tested. A client
	// without one gets a gigantic access_token.
	Oversized int
	// NoAccessToken sends a success without access_token.
	NoAccessToken bool
	// ExpiresOnPast makes the response's expiry fields (expires_on,
	// expires_in) say the token expired an hour ago.
	ExpiresOnPast bool
	// AlreadyExpiredToken issues a JWT whose exp is an hour ago while the
	// response's expiry fields look normal.
	AlreadyExpiredToken bool
	// Delay waits this long before sending headers.
	Delay time.Duration
	// Hang never answers; the handler returns when the client goes away
	// or the fake is closed.
	Hang bool
	// HangMidBody sends the headers (with the full Content-Length) and
	// half the body, then hangs as Hang does.
	HangMidBody bool
	// ResetMidBody sends the headers and half the body, then resets the
	// TCP connection.
	ResetMidBody bool
	// RedirectTo answers 302 with this Location, so tests can check that
	// secret headers are not sent on to another host.
	RedirectTo string
	// Unreachable403 answers 403 with DockerDesktopUnreachable.
	Unreachable403 bool
	// Times applies the fault to the first Times matching requests only;
	// later ones are answered normally. 0 means every request.
	Times int
}

// faultTable holds the faults of one fake, by endpoint name.
type faultTable struct {
	mu     sync.Mutex
	faults map[string]*faultEntry
}

type faultEntry struct {
	fault     Fault
	remaining int // meaningful only when fault.Times > 0
}

func (t *faultTable) set(endpoint string, f Fault) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.faults == nil {
		t.faults = map[string]*faultEntry{}
	}
	t.faults[endpoint] = &faultEntry{fault: f, remaining: f.Times}
}

func (t *faultTable) clear() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.faults = nil
}

// take returns the fault to apply to one request for endpoint, counting
// it against Times.
func (t *faultTable) take(endpoint string) (Fault, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.faults[endpoint]
	if !ok {
		return Fault{}, false
	}
	if e.fault.Times > 0 {
		e.remaining--
		if e.remaining <= 0 {
			delete(t.faults, endpoint)
		}
	}
	return e.fault, true
}

// mustServe panics unless endpoint is one of served.
func mustServe(fake string, served []string, endpoint string) {
	if !slices.Contains(served, endpoint) {
		panic(fmt.Sprintf("fakeazure: the %s fake has no endpoint %q; use one of %v", fake, endpoint, served))
	}
}
