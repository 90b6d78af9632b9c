package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/httpx"
)

// Why retries live here and not in MSAL: MSAL's managed identity retries
// (three attempts) wait a fixed second whatever Retry-After says, give each
// attempt a minute, and do not look at the caller's deadline before
// sleeping. A CLI must honour Retry-After, must not sleep past its
// deadline, and must not let one hung attempt eat all its time silently.
// So MSAL's retries are disabled (WithRetryPolicyDisabled) and miHTTP, the
// client MSAL is given, retries instead. Every attempt goes through httpx,
// which records it for -v.

// retryPolicy shapes the retries of one token acquisition.
type retryPolicy struct {
	attempts      int           // in all, the first included
	backoff       time.Duration // first wait without Retry-After; doubles each time
	maxBackoff    time.Duration
	perAttempt    time.Duration // bounds each attempt, body included
	maxRetryAfter time.Duration // a longer Retry-After fails at once
}

func defaultRetryPolicy() retryPolicy {
	return retryPolicy{
		attempts:      4,
		backoff:       500 * time.Millisecond,
		maxBackoff:    8 * time.Second,
		perAttempt:    10 * time.Second,
		maxRetryAfter: time.Minute,
	}
}

// IMDS's documentation asks clients to retry 404, 410, 429 and 5xx (IMDS
// answers 404 while an identity is being assigned). The other endpoints
// get MSAL's list for them.
func miRetryable(k ManagedKind, status int) bool {
	if k == ManagedIMDS {
		return status == http.StatusNotFound || status == http.StatusGone ||
			status == http.StatusTooManyRequests || (status >= 500 && status <= 599)
	}
	return slices.Contains([]int{408, 429, 500, 502, 503, 504}, status)
}

// miTrace follows one token acquisition: the policy it runs under, and
// what the endpoint last said, which MSAL's errors do not carry in a form
// we can read.
type miTrace struct {
	kind   ManagedKind
	policy retryPolicy

	mu       sync.Mutex
	attempts int
	status   int
	ctype    string
	body     []byte // the last answer's body, kept for classifying errors
}

func (t *miTrace) answered(resp *http.Response, body []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.status, t.ctype, t.body = resp.StatusCode, resp.Header.Get("Content-Type"), body
}

func (t *miTrace) attempt() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.attempts++
	return t.attempts
}

func (t *miTrace) last() (attempts, status int, ctype string, body []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.attempts, t.status, t.ctype, t.body
}

type miTraceKey struct{}

func miWithTrace(ctx context.Context, t *miTrace) context.Context {
	return context.WithValue(ctx, miTraceKey{}, t)
}

func miTraceFrom(ctx context.Context) *miTrace {
	if t, ok := ctx.Value(miTraceKey{}).(*miTrace); ok {
		return t
	}
	return &miTrace{kind: ManagedAppService, policy: defaultRetryPolicy()}
}

// miHTTP is the client MSAL sends managed identity requests through. It
// retries, bounds each attempt, and reads each body whole before the
// attempt's context ends, so MSAL can read it afterwards (the bug MSAL
// fixed in v1.9.0, #634, would otherwise come back here).
type miHTTP struct {
	mu     sync.Mutex
	client *http.Client // replaced by ConfigureClient for Service Fabric
}

func (h *miHTTP) current() *http.Client {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.client
}

// CloseIdleConnections is part of MSAL's HTTP client interface.
func (h *miHTTP) CloseIdleConnections() { h.current().CloseIdleConnections() }

// Do sends req, retrying as the trace's policy says.
func (h *miHTTP) Do(req *http.Request) (*http.Response, error) {
	tr := miTraceFrom(req.Context())
	pol := tr.policy
	parent := req.Context()
	var reqBody []byte
	if req.Body != nil {
		// Cloud Shell's form body is not rewindable as MSAL builds it.
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
	}
	for {
		n := tr.attempt()
		resp, body, attemptTimedOut, err := h.once(req, reqBody, parent, pol.perAttempt)
		if err != nil {
			if parent.Err() != nil {
				return nil, miDeadlineError(parent, tr.kind, fmt.Sprintf("%d %s", n, miPlural(n, "attempt")))
			}
			if attemptTimedOut {
				if n < pol.attempts {
					continue
				}
				return nil, chain.TimedOut("the endpoint hangs; raise --timeout if it is merely slow",
					"the %s endpoint did not answer within %s, %d times", tr.kind.Title(), pol.perAttempt, n)
			}
			var broken *miBrokenBody
			if errors.As(err, &broken) {
				// req.URL still names IMDS's real address when
				// AZURE_POD_IDENTITY_AUTHORITY_HOST moved it, so no host here.
				return nil, chain.Failed(nil, "try again; if it keeps happening, check what answers for the "+tr.kind.Title()+" endpoint",
					"the connection to the %s endpoint broke while it was sending its %d answer: %s", tr.kind.Title(), broken.status, miNetReason(broken.err))
			}
			return nil, err
		}
		tr.answered(resp, body)
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if !miRetryable(tr.kind, resp.StatusCode) || n >= pol.attempts {
			return resp, nil
		}
		delay, asked := httpx.ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		if !asked {
			delay = min(pol.backoff<<(n-1), pol.maxBackoff)
		}
		if asked && delay > pol.maxRetryAfter {
			return nil, chain.TimedOut("try again later",
				"the %s endpoint answered %d and asked to retry after %s, longer than aztoken waits (%s)",
				tr.kind.Title(), resp.StatusCode, delay, pol.maxRetryAfter)
		}
		if dl, ok := parent.Deadline(); ok {
			if left := time.Until(dl); delay >= left {
				if !asked {
					// No time for another backoff: report this answer.
					return resp, nil
				}
				return nil, chain.TimedOut("raise --timeout, or try again later",
					"the %s endpoint answered %d and asked to retry after %s, but only %s remain before the deadline",
					tr.kind.Title(), resp.StatusCode, delay, left.Round(100*time.Millisecond))
			}
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-parent.Done():
			t.Stop()
			return nil, miDeadlineError(parent, tr.kind, fmt.Sprintf("while waiting to retry after %d", resp.StatusCode))
		}
	}
}

// once sends one attempt and reads its body whole within the attempt's
// time. attemptTimedOut tells the attempt's own timeout from the caller's.
func (h *miHTTP) once(req *http.Request, reqBody []byte, parent context.Context, limit time.Duration) (resp *http.Response, body []byte, attemptTimedOut bool, err error) {
	actx, cancel := context.WithTimeout(parent, limit)
	defer cancel()
	r := req.Clone(actx)
	if reqBody != nil {
		r.Body = io.NopCloser(bytes.NewReader(reqBody))
		r.ContentLength = int64(len(reqBody))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(reqBody)), nil }
	}
	resp, err = h.current().Do(r)
	if err == nil {
		body, err = io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil && !errors.Is(err, httpx.ErrBodyTooLarge) && actx.Err() == nil {
			err = &miBrokenBody{status: resp.StatusCode, err: err}
		}
	}
	if err != nil {
		return nil, nil, errors.Is(actx.Err(), context.DeadlineExceeded) && parent.Err() == nil, err
	}
	return resp, body, false, nil
}

// miBrokenBody is a body that ended early: the answer started, so the
// endpoint is there, but what it sent cannot be used.
type miBrokenBody struct {
	status int
	err    error
}

func (e *miBrokenBody) Error() string { return e.err.Error() }
func (e *miBrokenBody) Unwrap() error { return e.err }

func miPlural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
