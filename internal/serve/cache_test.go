package serve

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestCacheServesRefreshesAndBacksOff(t *testing.T) {
	clk := &clock{t: time.Unix(1_700_000_000, 0)}
	up := &upstream{now: clk.now, lifetime: time.Hour}
	c := newCache(up, 5*time.Second, clk.now)
	var failures atomic.Int64
	c.onError = func(string, error) { failures.Add(1) }
	defer c.close()
	ctx := context.Background()
	get := func() string {
		t.Helper()
		tok, _, err := c.get(ctx, "api://r", Identity{})
		if err != nil {
			t.Fatal(err)
		}
		return tok.AccessToken
	}

	first := get()
	clk.add(20 * time.Minute)
	if get() != first || up.calls.Load() != 1 {
		t.Fatalf("a fresh token was not served from the cache (calls %d)", up.calls.Load())
	}
	// Past half-life: answered from the cache at once, refreshed behind.
	clk.add(11 * time.Minute)
	if get() != first {
		t.Fatal("the request past the refresh time waited for a new token")
	}
	waitFor(t, "the background refresh", func() bool { return up.calls.Load() == 2 })
	waitFor(t, "the refreshed token", func() bool { return get() != first })

	// A failing refresh is tried once, then not again for 30 s.
	up.setErr(chain.Failed(nil, "", "az is logged out"))
	clk.add(31 * time.Minute)
	get()
	waitFor(t, "the failed refresh", func() bool { return failures.Load() == 1 })
	for range 10 {
		get()
	}
	if n := up.calls.Load(); n != 3 {
		t.Fatalf("a failing upstream was asked %d times, want 3", n)
	}
	clk.add(31 * time.Second)
	get()
	waitFor(t, "the second failed refresh", func() bool { return failures.Load() == 2 })

	// Under five minutes left, the cached token is no longer served.
	clk.add(25 * time.Minute)
	if _, _, err := c.get(ctx, "api://r", Identity{}); err == nil || err.Error() != "az is logged out" {
		t.Fatalf("err = %v, want the upstream's failure", err)
	}
}

func TestCacheKeysByIdentityAndResource(t *testing.T) {
	up := &upstream{}
	c := newCache(up, 5*time.Second, time.Now)
	defer c.close()
	ctx := context.Background()
	for _, r := range []struct {
		res string
		id  Identity
	}{
		{"api://a", Identity{}},
		{"API://A", Identity{}},  // another token: its aud is spelled so (issue 27.10)
		{"api://a/", Identity{}}, // another token: the slash changes aud (see package resources)
		{"api://b", Identity{}},
		{"api://a", Identity{ClientID: "c1"}},
		{"api://a", Identity{ClientID: "C1"}}, // same identity
		{"api://a", Identity{ObjectID: "c1"}},
		{"api://a", Identity{ResourceID: "c1"}},
	} {
		if _, _, err := c.get(ctx, r.res, r.id); err != nil {
			t.Fatal(err)
		}
	}
	if n := up.calls.Load(); n != 7 {
		t.Errorf("upstream asked %d times, want 7", n)
	}
	// The provider is asked for the resource as the client spelled it,
	// trailing slash and all.
	for _, res := range []string{"api://b", "api://b/"} {
		tok, _, err := c.get(ctx, res, Identity{})
		if err != nil || !strings.Contains(tok.AccessToken, "-"+res+"-") {
			t.Errorf("resource %q: token %q, %v; want one asked for %q", res, tok.AccessToken, err, res)
		}
	}
}

// A waiter that gives up does not fail the acquisition for the others.
func TestCacheWaiterCancelDoesNotFailOthers(t *testing.T) {
	up := &upstream{delay: 200 * time.Millisecond}
	c := newCache(up, 5*time.Second, time.Now)
	defer c.close()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, _, err := c.get(ctx, "api://slow", Identity{})
		errc <- err
	}()
	waitFor(t, "the first acquisition", func() bool { return up.calls.Load() == 1 })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("the cancelled waiter got %v", err)
	}
	if _, _, err := c.get(context.Background(), "api://slow", Identity{}); err != nil {
		t.Fatal(err)
	}
	if n := up.calls.Load(); n != 1 {
		t.Errorf("upstream asked %d times, want 1", n)
	}
}

func TestRefreshTime(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	cases := []struct {
		name      string
		life      time.Duration
		refreshOn time.Duration // from t0; 0 = none
		want      time.Duration // from t0
	}{
		{"one hour: half-life", time.Hour, 0, 30 * time.Minute},
		{"a day: half-life", 24 * time.Hour, 0, 12 * time.Hour},
		{"issuer's refresh_on", 24 * time.Hour, 2 * time.Hour, 2 * time.Hour},
		{"refresh_on too late is pulled before the 5-minute cut", time.Hour, 59 * time.Minute, 50 * time.Minute},
		{"short token: a minute after the fetch, not at once", 8 * time.Minute, 0, time.Minute},
		{"very short token: half its life", time.Minute, 0, 30 * time.Second},
		{"12 minutes: at most a minute's wait", 12 * time.Minute, 0, 2 * time.Minute},
	}
	for _, tc := range cases {
		tok := chain.Token{ExpiresOn: t0.Add(tc.life)}
		if tc.refreshOn > 0 {
			tok.RefreshOn = t0.Add(tc.refreshOn)
		}
		if got := refreshTime(tok, t0).Sub(t0); got != tc.want {
			t.Errorf("%s: refresh after %s, want %s", tc.name, got, tc.want)
		}
	}
}
