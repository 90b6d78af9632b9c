package chain

import (
	"context"
	"sync"
	"time"
)

// Status is how a source fared.
type Status int

const (
	StatusNotTried Status = iota
	StatusOK
	StatusUnavailable
	StatusFailed
	StatusTimedOut
)

var statusNames = map[Status]string{
	StatusNotTried:    "not tried",
	StatusOK:          "ok",
	StatusUnavailable: "unavailable",
	StatusFailed:      "failed",
	StatusTimedOut:    "timed out",
}

func (s Status) String() string { return statusNames[s] }

// MarshalText writes the status as its name, for JSON output.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Outcome is what one source did when it was tried: get reports the
// outcomes of a failed chain, probe reports every source's, and get and
// serve log each with -v. (explain tries nothing; it reports a Description.)
// Commands that print outcomes as JSON choose their own field names.
type Outcome struct {
	Source string
	Status Status
	Reason string
	Hint   string
	// HalfConfigured is set for a source that is unavailable because only
	// part of its configuration is there (see chain.HalfConfigured).
	HalfConfigured bool
	// Deadline is set for a source that was still working when the
	// command's deadline passed: the chain stops there (Decide).
	Deadline bool
	Duration time.Duration
	Requests []RequestInfo
	// Token is set when Status is StatusOK.
	Token Token
}

// Recorder collects the requests a source makes while it runs. A source's
// HTTP client finds it in the context (see WithRecorder), so sources need no
// extra parameter to report what they sent.
type Recorder struct {
	mu   sync.Mutex
	reqs []RequestInfo
}

// Add records one request.
func (r *Recorder) Add(ri RequestInfo) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, ri)
	r.mu.Unlock()
}

// Requests returns what was recorded so far.
func (r *Recorder) Requests() []RequestInfo {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]RequestInfo(nil), r.reqs...)
}

type recorderKey struct{}

// WithRecorder returns a context that carries r.
func WithRecorder(ctx context.Context, r *Recorder) context.Context {
	return context.WithValue(ctx, recorderKey{}, r)
}

// RecorderFrom returns the recorder carried by ctx, or nil.
func RecorderFrom(ctx context.Context) *Recorder {
	r, _ := ctx.Value(recorderKey{}).(*Recorder)
	return r
}
