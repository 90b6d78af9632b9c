package fakeazure

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"strconv"
)

// write sends rep, whole or cut short as the fault asks.
func (c *core) write(w http.ResponseWriter, r *http.Request, rep reply, f Fault) {
	for k, v := range rep.header {
		w.Header()[k] = v
	}
	body := rep.body
	if f.TruncatedJSON {
		body = body[:len(body)/2]
	}
	switch {
	case f.ResetMidBody:
		c.resetMidBody(w, rep.status, body)
	case f.HangMidBody:
		// Announce the whole body so the client keeps waiting for the rest.
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rep.status)
		_, _ = w.Write(body[:half(body)])
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
		c.wait(r.Context(), -1)
		abort()
	default:
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rep.status)
		_, _ = w.Write(body)
	}
}

// half is how much of a body the mid-body faults send: at least one byte,
// so the client has really started reading.
func half(body []byte) int {
	if len(body) <= 1 {
		return len(body)
	}
	return len(body) / 2
}

// resetMidBody takes the connection from net/http, writes the status,
// headers and half the body by hand, and closes the TCP socket with
// SO_LINGER 0 so the client sees a reset rather than a clean end.
func (c *core) resetMidBody(w http.ResponseWriter, status int, body []byte) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		// Only HTTP/2 lacks Hijacker, and these servers never speak it;
		// aborting the handler still cuts the body off.
		abort()
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		abort()
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	writeHead(buf, status, w.Header())
	_, _ = buf.Write(body[:half(body)])
	_ = buf.Flush()

	raw := conn
	if tc, ok := conn.(*tls.Conn); ok {
		// Closing the tls.Conn would send close_notify first; closing
		// the socket underneath is the abrupt end a reset should be.
		raw = tc.NetConn()
	}
	if tcp, ok := raw.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = raw.Close()
}

func writeHead(buf *bufio.ReadWriter, status int, h http.Header) {
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	_ = h.Write(buf)
	_, _ = buf.WriteString("\r\n")
}
