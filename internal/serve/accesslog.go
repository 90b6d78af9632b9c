package serve

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// record wraps a ResponseWriter to learn what the access log needs.
type record struct {
	http.ResponseWriter
	status   int
	resource string   // set once the resource passed validation
	id       Identity // the identity asked for
	note     string   // why a request was refused, without secrets
	token    bool     // the answer is a token (set before it is written)
}

func (r *record) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	if !r.token {
		// Only a token answer keeps its connection: whoever holds many
		// open with refused, wrong or empty requests (a 404 every 20 s)
		// holds none for long.
		r.Header().Set("Connection", "close")
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *record) Write(b []byte) (int, error) {
	if r.status == 0 {
		// Through WriteHeader, so that an answer written without one
		// (the emulator's documents) closes its connection too.
		r.WriteHeader(http.StatusOK)
	}
	return r.ResponseWriter.Write(b)
}

// accessLog writes one line a request. What it writes comes from the
// request line and from validated values, never from headers, so neither
// the secret nor a token can reach it; the one place a secret can sit in
// a URL (the Cloud Shell path) is masked.
type accessLog struct {
	w      io.Writer
	secret string
	mu     sync.Mutex
}

const maxLoggedPath = 200

func (l *accessLog) write(r *http.Request, rec *record, d time.Duration) {
	if l.w == nil {
		return
	}
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	b := make([]byte, 0, 256)
	b = append(b, "aztoken serve: "...)
	b = time.Now().UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
	b = append(b, ' ')
	b = strconv.AppendQuote(b, l.bounded(r.Method))
	b = append(b, ' ')
	b = strconv.AppendQuote(b, l.safePath(r.URL.Path))
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = strconv.AppendFloat(b, float64(d.Microseconds())/1000, 'f', 3, 64)
	b = append(b, "ms remote="...)
	b = append(b, r.RemoteAddr...)
	if rec.resource != "" {
		b = append(b, " resource="...)
		b = strconv.AppendQuote(b, l.bounded(rec.resource))
	}
	if !rec.id.IsZero() {
		b = append(b, " identity="...)
		b = strconv.AppendQuote(b, l.bounded(rec.id.String()))
	}
	if rec.note != "" {
		b = append(b, " note="...)
		b = strconv.AppendQuote(b, l.mask(rec.note))
	}
	b = append(b, '\n')
	l.mu.Lock()
	_, _ = l.w.Write(b)
	l.mu.Unlock()
}

// safePath drops the secret of a protocol that carries it in the path
// (Cloud Shell) and anything that contains the secret, and bounds the
// length.
func (l *accessLog) safePath(p string) string {
	if proto := protocolFor(p); proto != nil && proto.secretInPath && p != proto.path {
		return proto.path + "/REDACTED"
	}
	p = l.mask(p)
	if len(p) > maxLoggedPath {
		p = p[:maxLoggedPath] + "..."
	}
	return p
}

// bounded masks the secret in a field the client chose (a client may put
// the secret anywhere, by mistake or to probe us) and bounds its length.
func (l *accessLog) bounded(s string) string {
	s = l.mask(s)
	if len(s) > maxLoggedPath {
		s = s[:maxLoggedPath] + "..."
	}
	return s
}

func (l *accessLog) mask(s string) string {
	if l.secret != "" && strings.Contains(s, l.secret) {
		return strings.ReplaceAll(s, l.secret, "REDACTED")
	}
	return s
}
