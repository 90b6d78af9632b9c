package fakeazure

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// core is one running loopback server: routing, recording, faults and a
// way to stop hanging handlers. The Entra fake has one; the managed
// identity fake has two (plain HTTP, and HTTPS for Service Fabric) that
// share a recorder and a fault table.
type core struct {
	name    string
	srv     *httptest.Server
	cert    *serverCert // nil for plain HTTP
	mux     *http.ServeMux
	rec     *recorder
	faults  *faultTable
	closing chan struct{}
	once    sync.Once
	// conns counts accepted connections: for a TLS fake, handshakes.
	conns atomic.Int64
	// errorReply builds the body of an injected error status, shaped like
	// the real endpoint's errors.
	errorReply func(r *http.Request, endpoint string, status int) reply
}

// route is one endpoint of a fake.
type route struct {
	endpoint string
	method   string
	// classify, when set, picks the endpoint name per request (IMDS's
	// probe and token requests share a path).
	classify func(*http.Request) string
	handle   func(*exchange) reply
}

// exchange is what a handler gets: the request, its record (to add what
// it learns, such as the credential used) and the fault in force, whose
// content faults (NoAccessToken, ExpiresOnPast, AlreadyExpiredToken) only
// the handler can apply.
type exchange struct {
	r     *http.Request
	rec   *Request
	fault Fault
}

// reply is a complete answer, built before anything is written so faults
// can truncate or cut it.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func newCore(name string, useTLS bool, addr string, rec *recorder, faults *faultTable) (*core, error) {
	c := &core{
		name:    name,
		mux:     http.NewServeMux(),
		rec:     rec,
		faults:  faults,
		closing: make(chan struct{}),
	}
	c.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		c.serve(route{endpoint: EndpointUnknown, handle: notFound}, w, r)
	})
	c.srv = httptest.NewUnstartedServer(c.mux)
	if addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("the %s fake cannot listen on %s: %w", name, addr, err)
		}
		_ = c.srv.Listener.Close()
		c.srv.Listener = ln
	}
	// Clients that give up mid-handshake or mid-body are the point of
	// several faults; their noise does not belong in test output.
	c.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	c.srv.Config.ReadHeaderTimeout = 10 * time.Second
	c.srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			c.conns.Add(1)
		}
	}
	if useTLS {
		cert, err := newServerCert(name)
		if err != nil {
			_ = c.srv.Listener.Close()
			return nil, err
		}
		c.cert = cert
		c.srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert.tls}, MinVersion: tls.VersionTLS12}
		c.srv.StartTLS()
	} else {
		c.srv.Start()
	}
	return c, nil
}

// handle registers rt at pattern (a net/http ServeMux pattern without a
// method, so a wrong method is recorded and answered by the fake itself).
func (c *core) handle(pattern string, rt route) {
	c.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) { c.serve(rt, w, r) })
}

// close stops the server. Hanging handlers watch c.closing, so closing it
// first lets httptest's Close, which waits for every handler, return.
func (c *core) close() {
	c.once.Do(func() {
		close(c.closing)
		c.srv.Close()
	})
}

// wait sleeps for d (forever when d < 0) and reports whether it slept the
// whole time rather than being cut short by the client or by close.
func (c *core) wait(ctx context.Context, d time.Duration) bool {
	var timeout <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-timeout:
		return true
	case <-ctx.Done():
		return false
	case <-c.closing:
		return false
	}
}

// serve runs one request through faults, the handler and the recorder.
func (c *core) serve(rt route, w http.ResponseWriter, r *http.Request) {
	endpoint := rt.endpoint
	if rt.classify != nil {
		endpoint = rt.classify(r)
	}
	if r.Method == http.MethodPost {
		// A malformed body leaves the form empty, which the handler then
		// rejects the way the real service would reject missing fields.
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		_ = r.ParseForm()
	}
	rec := newRequestRecord(endpoint, r)
	f, faulted := c.faults.take(endpoint)
	rec.Fault = faulted

	if f.Delay > 0 && !c.wait(r.Context(), f.Delay) {
		c.rec.add(rec)
		abort()
	}
	if f.Hang {
		// Record before hanging so a test can see the request arrive.
		c.rec.add(rec)
		c.wait(r.Context(), -1)
		abort()
	}

	var rep reply
	switch {
	case f.Unreachable403:
		rep = textReply(http.StatusForbidden, "text/plain; charset=utf-8", DockerDesktopUnreachable)
	case f.RedirectTo != "":
		rep = textReply(http.StatusFound, "text/html; charset=utf-8", `<a href="`+html.EscapeString(f.RedirectTo)+`">Found</a>`)
		rep.header.Set("Location", f.RedirectTo)
	case f.Body != "":
		ctype := "text/plain; charset=utf-8"
		if strings.HasPrefix(strings.TrimSpace(f.Body), "{") {
			ctype = "application/json; charset=utf-8"
		}
		rep = textReply(statusOr(f.Status, http.StatusOK), ctype, f.Body)
	case f.HTML:
		rep = htmlReply(statusOr(f.Status, http.StatusOK))
	case f.Oversized > 0:
		rep = reply{status: statusOr(f.Status, http.StatusOK), header: jsonHeader(), body: oversizedBody(f.Oversized)}
	case f.Status >= 400:
		rep = c.errorReply(r, endpoint, f.Status)
	case rt.method != "" && r.Method != rt.method:
		rep = c.errorReply(r, endpoint, http.StatusMethodNotAllowed)
		rep.header.Set("Allow", rt.method)
	default:
		rep = rt.handle(&exchange{r: r, rec: &rec, fault: f})
		if f.Status != 0 {
			rep.status = f.Status
		}
	}
	if rep.header == nil {
		rep.header = http.Header{}
	}
	if f.RetryAfter != "" {
		rep.header.Set("Retry-After", f.RetryAfter)
	}
	rec.Status = rep.status
	c.rec.add(rec)
	c.write(w, r, rep, f)
}

// abort ends a request that was never answered by dropping its
// connection; returning normally would send an empty 200 instead.
func abort() {
	panic(http.ErrAbortHandler)
}

func statusOr(status, def int) int {
	if status != 0 {
		return status
	}
	return def
}

func notFound(x *exchange) reply {
	return jsonReply(http.StatusNotFound, map[string]any{
		"error":             "not_found",
		"error_description": fmt.Sprintf("fakeazure serves nothing at %s %s", x.r.Method, x.r.URL.Path),
	})
}

func jsonHeader() http.Header {
	return http.Header{"Content-Type": {"application/json; charset=utf-8"}}
}

func jsonReply(status int, v any) reply {
	b, err := json.Marshal(v)
	if err != nil {
		// Every value given here is built from strings, numbers and maps.
		panic(fmt.Sprintf("fakeazure: marshalling a reply failed: %v", err))
	}
	return reply{status: status, header: jsonHeader(), body: b}
}

func textReply(status int, ctype, body string) reply {
	return reply{status: status, header: http.Header{"Content-Type": {ctype}}, body: []byte(body)}
}

// htmlReply is the kind of page a proxy, captive portal or load balancer
// sends where JSON was expected.
func htmlReply(status int) reply {
	text := http.StatusText(status)
	page := fmt.Sprintf("<!DOCTYPE html>\n<html><head><title>%d %s</title></head>\n"+
		"<body><h1>%s</h1><p>The proxy server could not handle the request.</p><hr><address>fakeazure</address></body></html>\n",
		status, text, text)
	return textReply(status, "text/html; charset=utf-8", page)
}

// oversizedBody is valid, token-shaped JSON of exactly n bytes, so that a
// client without a size cap visibly accepts a gigantic token.
func oversizedBody(n int) []byte {
	const prefix = `{"token_type":"Bearer","expires_in":3599,"access_token":"`
	const suffix = `"}`
	if n <= len(prefix)+len(suffix) {
		return []byte(strings.Repeat("A", n))
	}
	b := make([]byte, 0, n)
	b = append(b, prefix...)
	b = append(b, bytes.Repeat([]byte{'A'}, n-len(prefix)-len(suffix))...)
	return append(b, suffix...)
}
