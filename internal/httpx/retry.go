package httpx

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ParseRetryAfter reads a Retry-After header: seconds, or an HTTP date.
// ok is false when the header is absent or unreadable.
func ParseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > 1<<31 {
			n = 1 << 31
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// retryAttempts bounds the tries of one request, the first included.
const retryAttempts = 3

// retryable are the answers worth asking again: throttling and a server
// that is briefly unwell. Entra ID documents 429 and 503 with Retry-After.
func retryable(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retrying asks again after a retryable answer, waiting as Retry-After
// says (else 0.5 s, then 1 s), but never past the request's deadline: when
// the wait would not fit, the answer in hand is returned for the caller to
// report.
type retrying struct{ base http.RoundTripper }

func (t *retrying) RoundTrip(req *http.Request) (*http.Response, error) {
	backoff := 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		resp, err := t.base.RoundTrip(req)
		if err != nil || !retryable(resp.StatusCode) || attempt == retryAttempts {
			return resp, err
		}
		if req.Body != nil && req.GetBody == nil {
			return resp, nil // the body cannot be sent again
		}
		wait, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		if !ok {
			wait = backoff
			backoff *= 2
		}
		if dl, has := req.Context().Deadline(); has && time.Until(dl) < wait {
			return resp, nil
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if err := sleep(req.Context(), wait); err != nil {
			return nil, err
		}
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req = req.Clone(req.Context())
			req.Body = body
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
