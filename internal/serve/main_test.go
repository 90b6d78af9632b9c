package serve

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/httpx"
	"github.com/aztoken/aztoken/internal/proctest"
)

func TestMain(m *testing.M) {
	httpx.RestrictToLoopback()
	os.Exit(m.Run())
}

// upstream is a Provider standing in for the credential chain: it counts
// calls, can be slow or fail, and returns recognisable tokens.
type upstream struct {
	calls    atomic.Int64
	delay    time.Duration
	lifetime time.Duration
	now      func() time.Time
	mu       sync.Mutex
	err      error
	started  chan struct{} // when set, receives once per call as it starts
}

const tokenMarker = "UPSTREAM-ACCESS-TOKEN"

func (u *upstream) Token(ctx context.Context, resource string, id Identity) (chain.Token, error) {
	n := u.calls.Add(1)
	if u.started != nil {
		u.started <- struct{}{}
	}
	if u.delay > 0 {
		select {
		case <-time.After(u.delay):
		case <-ctx.Done():
			return chain.Token{}, ctx.Err()
		}
	}
	u.mu.Lock()
	err := u.err
	u.mu.Unlock()
	if err != nil {
		return chain.Token{}, err
	}
	now := time.Now
	if u.now != nil {
		now = u.now
	}
	life := u.lifetime
	if life == 0 {
		life = time.Hour
	}
	return chain.Token{
		AccessToken: fmt.Sprintf("%s-%d-%s-%s", tokenMarker, n, resource, id.key()),
		TokenType:   "Bearer",
		ExpiresOn:   now().Add(life),
		Identity:    "11111111-2222-3333-4444-555555555555",
	}, nil
}

func (u *upstream) setErr(err error) {
	u.mu.Lock()
	u.err = err
	u.mu.Unlock()
}

// syncBuffer collects a server's stderr while the test reads it.
type syncBuffer = proctest.SyncBuffer

const testSecret = "test-secret-0123456789abcdefABCDEF"

// start runs a server for the test and stops it afterwards.
func start(t testing.TB, o Options) *Server {
	t.Helper()
	if o.Secret == "" && o.SecretFile == "" && o.SecretEnv == "" {
		o.Secret = testSecret
	}
	s, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	})
	return s
}

// loopbackClient is an HTTP client whose dialer refuses anything but
// loopback, like every client aztoken builds.
func loopbackClient() *http.Client {
	return httpx.NewClient(httpx.Options{Timeout: 10 * time.Second})
}

func get(t testing.TB, c *http.Client, url string, headers map[string]string) (int, string) {
	t.Helper()
	return do(t, c, http.MethodGet, url, "", headers)
}

func do(t testing.TB, c *http.Client, method, url, body string, headers map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

// Test helpers that the server itself has no use for.

// providerFunc adapts a function to Provider.
type providerFunc func(ctx context.Context, resource string, id Identity) (chain.Token, error)

func (f providerFunc) Token(ctx context.Context, resource string, id Identity) (chain.Token, error) {
	return f(ctx, resource, id)
}

// newCache is a cache with the server's default bounds.
func newCache(p Provider, timeout time.Duration, now func() time.Time) *cache {
	return newBoundedCache(p, timeout, now, DefaultMaxEntries, DefaultMaxUpstream)
}

// len is the number of cached tokens.
func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
