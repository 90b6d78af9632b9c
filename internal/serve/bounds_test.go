package serve

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/resources"
)

// gauge is an upstream that counts the acquisitions running at once and
// hands out tokens the size of real ones.
type gauge struct {
	delay   time.Duration
	calls   atomic.Int64
	running atomic.Int64
	peak    atomic.Int64
}

func (g *gauge) Token(ctx context.Context, resource string, _ Identity) (chain.Token, error) {
	g.calls.Add(1)
	n := g.running.Add(1)
	defer g.running.Add(-1)
	for p := g.peak.Load(); n > p && !g.peak.CompareAndSwap(p, n); p = g.peak.Load() {
	}
	if g.delay > 0 {
		select {
		case <-time.After(g.delay):
		case <-ctx.Done():
			return chain.Token{}, ctx.Err()
		}
	}
	// A real access token is 1.5 to 2.5 KiB.
	tok := tokenMarker + "." + resource + "." + strings.Repeat("x", 2000)
	return chain.Token{AccessToken: tok, TokenType: "Bearer", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// askDistinct sends n requests for distinct resources through the
// handler from workers goroutines and returns how many were not 200.
func askDistinct(s *Server, n, workers int, prefix string) int64 {
	var next, bad atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				r := httptest.NewRequest("GET", fmt.Sprintf("%s?api-version=2019-08-01&resource=api://%s-%d", PathAppService, prefix, i), nil)
				r.RemoteAddr = "127.0.0.1:50000"
				r.Host = "127.0.0.1"
				r.Header.Set(secretHeader, testSecret)
				w := httptest.NewRecorder()
				s.ServeHTTP(w, r)
				if w.Code != 200 {
					bad.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return bad.Load()
}

// 300 clients asking at once for 300 distinct resources start at most
// MaxUpstream acquisitions at a time (before, 300 az processes at once),
// and every client is answered.
func TestUpstreamConcurrencyBounded(t *testing.T) {
	g := &gauge{delay: 20 * time.Millisecond}
	s := start(t, Options{Provider: g, MaxUpstream: 4})
	if bad := askDistinct(s, 300, 300, "bounded"); bad != 0 {
		t.Errorf("%d requests failed", bad)
	}
	if g.calls.Load() != 300 || g.peak.Load() > 4 {
		t.Errorf("%d acquisitions, at most %d at once; want 300, at most 4", g.calls.Load(), g.peak.Load())
	}
}

// The cache keeps at most MaxEntries tokens, dropping the least recently
// used, and expired tokens before fresh ones.
func TestCacheEvictsLeastRecentlyUsedAndExpired(t *testing.T) {
	clk := &clock{t: time.Unix(1_700_000_000, 0)}
	up := &upstream{now: clk.now, lifetime: time.Hour}
	c := newBoundedCache(up, 5*time.Second, clk.now, 3, 2)
	defer c.close()
	ask := func(r string) {
		t.Helper()
		if _, _, err := c.get(context.Background(), r, Identity{}); err != nil {
			t.Fatal(err)
		}
	}
	has := func(r string) bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.entries[Identity{}.key()+"|"+r] != nil
	}
	ask("api://a")
	ask("api://b")
	ask("api://c")
	ask("api://a") // a is now the most recently used
	ask("api://d") // b, the least recently used, goes
	if c.len() != 3 || has("api://b") || !has("api://a") || !has("api://c") || !has("api://d") {
		t.Errorf("after a, b, c, a, d with room for 3: len %d, a %v b %v c %v d %v", c.len(), has("api://a"), has("api://b"), has("api://c"), has("api://d"))
	}
	// 56 minutes on, a, c and d have under five minutes left: the next
	// token stored drops every expired one at the cold end.
	clk.add(56 * time.Minute)
	ask("api://e")
	if c.len() != 1 || !has("api://e") {
		t.Errorf("expired tokens kept: len %d", c.len())
	}
}

// The load the red team ran: 100,000 distinct resources. The upstream is
// asked at most MaxUpstream at a time, the cache holds at most MaxEntries,
// and the heap stays far under the 271 MB the unbounded cache reached.
// It counts; it does not time.
func TestLoadDistinctKeysBounded(t *testing.T) {
	n := 100_000
	if raceEnabled {
		n = 10_000 // the race detector slows each request tenfold
	}
	if testing.Short() {
		n = 5_000
	}
	g := &gauge{}
	s := start(t, Options{Provider: g, MaxEntries: 1000, MaxUpstream: 4})
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if bad := askDistinct(s, n, 32, "load"); bad != 0 {
		t.Fatalf("%d of %d requests failed", bad, n)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d distinct resources: %d upstream calls, at most %d at once, %d cached, heap grew %.1f MB", n, g.calls.Load(), g.peak.Load(), s.cache.len(), float64(grown)/(1<<20))
	if g.peak.Load() > 4 {
		t.Errorf("%d acquisitions ran at once, want at most 4", g.peak.Load())
	}
	if s.cache.len() > 1000 {
		t.Errorf("%d tokens cached, want at most 1000", s.cache.len())
	}
	// 1000 tokens of about 2 KiB, plus their keys: a few MB. Unbounded,
	// 100,000 such tokens are over 200 MB.
	if grown > 32<<20 {
		t.Errorf("the heap grew %.1f MB for %d distinct resources", float64(grown)/(1<<20), n)
	}
}

// Resources outside the shape of a resource are refused before any
// acquisition starts.
func TestResourceShape(t *testing.T) {
	cases := map[string]bool{
		"https://vault.azure.net":                    true,
		"https://management.core.windows.net/":       true,
		"https://ossrdbms-aad.database.windows.net":  true,
		"api://0d9b4c4e-0000-4000-8000-000000000001": true,
		"api://my-app/scope-path":                    true,
		"https://host.example.com:8443/x":            true,
		"499b84ac-1321-427f-aa17-267ca6975798":       true,
		"vault":                                      false, // an alias: clients send URIs
		"a":                                          false,
		"/etc/passwd":                                false,
		"https://":                                   false,
		"https:///x":                                 false,
		"https://-x":                                 false,
		"https://a..b":                               false,
		"https://a/../b":                             false,
		"https://a//b":                               false,
		"https://a/./b":                              false,
		"https://a:port":                             false,
		"https://a:123456":                           false,
		"1https://a":                                 false,
		"https://a/b:c":                              false,
		"https://a b":                                false,
		"https://" + strings.Repeat("a", resources.MaxLen): false,
	}
	g := &gauge{}
	s := start(t, Options{Provider: g})
	for r, want := range cases {
		if got := resources.CheckShape(r) == nil; got != want {
			t.Errorf("resources.CheckShape(%q) ok = %v, want %v", r, got, want)
		}
		status, _ := get(t, loopbackClient(), s.URL()+PathAppService+"?api-version=2019-08-01&resource="+strings.ReplaceAll(r, " ", "%20"), map[string]string{secretHeader: testSecret})
		if (status == 200) != want {
			t.Errorf("resource %q answered %d", r, status)
		}
	}
	if int(g.calls.Load()) != 7 {
		t.Errorf("the upstream was asked %d times, want once per valid resource (7)", g.calls.Load())
	}
}

// serve holds at most MaxConns connections open; the rest wait in the
// kernel's queue, so clients holding connections idle cannot exhaust
// file descriptors.
func TestConnectionsCapped(t *testing.T) {
	s := start(t, Options{Provider: &upstream{}, MaxConns: 4, MaxConnsPerAddr: 4})
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range 12 {
		c, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	waitFor(t, "4 connections accepted", func() bool { return s.conns.open.Load() == 4 })
	// Closing two lets two waiting ones in, and no more.
	conns[0].Close()
	conns[1].Close()
	waitFor(t, "the freed slots taken", func() bool { return s.conns.peak.Load() == 4 && s.conns.open.Load() == 4 })
	// A good client still gets through once the idle ones are gone.
	for _, c := range conns {
		c.Close()
	}
	if status, _ := get(t, loopbackClient(), s.URL()+PathAppService+"?api-version=2019-08-01&resource=https://vault.azure.net", map[string]string{secretHeader: testSecret}); status != 200 {
		t.Errorf("after the idle clients left: %d", status)
	}
	if p := s.conns.peak.Load(); p > 4 {
		t.Errorf("%d connections were open at once, want at most 4", p)
	}
}

// A refused client keeps no connection.
func TestRefusedRequestClosesConnection(t *testing.T) {
	s := start(t, Options{Provider: &upstream{}})
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	_, _ = fmt.Fprintf(c, "GET %s?api-version=2019-08-01&resource=https://vault.azure.net HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", PathAppService)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 401 || !resp.Close {
		t.Errorf("status %d, close %v; want 401 and the connection closed", resp.StatusCode, resp.Close)
	}
	if _, err := br.ReadByte(); err == nil {
		t.Error("the server kept the refused client's connection open")
	}
}

// With an upstream that hangs, a graceful stop ends within
// ShutdownTimeout, and Abort (a second SIGINT) ends it at once.
func TestStopWithHungUpstream(t *testing.T) {
	for _, abort := range []bool{false, true} {
		up := &upstream{delay: time.Hour, started: make(chan struct{}, 1)}
		timeout := 100 * time.Millisecond
		if abort {
			timeout = time.Hour // only Abort can end it
		}
		s, err := New(Options{Provider: up, Secret: testSecret, ShutdownTimeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- s.Serve(ctx) }()
		go func() {
			_, _ = fetchOnce(loopbackClient(), s.URL()+PathAppService+"?api-version=2019-08-01&resource=api://hung")
		}()
		<-up.started
		cancel()
		if abort {
			s.Abort()
		}
		want := "ran out of time"
		if abort {
			want = "stopped at once"
		}
		select {
		case err := <-errc:
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("abort %v: Serve returned %v, want %q", abort, err, want)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("abort %v: Serve did not return with a hung upstream", abort)
		}
	}
}

// Only a token answer keeps its connection (issue 27.6): a client that
// holds connections with requests serve refuses or cannot answer (404,
// 400, 401) gets each one closed after the answer.
func TestOnlyTokenAnswersKeepTheConnection(t *testing.T) {
	s := start(t, Options{Emulate: &EmulatorOptions{}})
	for _, tc := range []struct {
		name, target string
		headers      map[string]string
		status       int
		keep         bool
	}{
		{"no such path", "/nothing", nil, 404, false},
		{"a discovery document", "/.well-known/openid-configuration", nil, 200, false},
		{"no resource", PathAppService + "?api-version=2019-08-01", map[string]string{secretHeader: testSecret}, 400, false},
		{"no secret", PathAppService + "?api-version=2019-08-01&resource=https://vault.azure.net", nil, 401, false},
		{"a token", PathAppService + "?api-version=2019-08-01&resource=https://vault.azure.net", map[string]string{secretHeader: testSecret}, 200, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", s.Addr())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			req := "GET " + tc.target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			for k, v := range tc.headers {
				req += k + ": " + v + "\r\n"
			}
			if _, err := c.Write([]byte(req + "\r\n")); err != nil {
				t.Fatal(err)
			}
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			// The server closes a connection it does not keep: the next
			// read ends at once rather than at the read deadline.
			_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
			_, err = br.ReadByte()
			closed := errors.Is(err, io.EOF)
			if resp.Close == tc.keep || closed == tc.keep {
				t.Errorf("Connection: close %v, closed by the server %v (%v); want the connection kept: %v", resp.Close, closed, err, tc.keep)
			}
		})
	}
}

// One remote address holds at most its share of the connections (issue
// 27.6): past it, its new connections are closed at once, so a client at
// another address still gets in while the first holds connections open.
func TestConnectionsCappedPerAddress(t *testing.T) {
	s := start(t, Options{Provider: &upstream{}, MaxConns: 8})
	other := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, Timeout: 2 * time.Second}
	probe, err := other.Dial("tcp", s.Addr())
	if err != nil {
		t.Skipf("no second loopback address to dial from here (%v): Linux has 127.0.0.0/8 on lo, other systems only 127.0.0.1", err)
	}
	probe.Close()
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	// A greedy client at 127.0.0.1 opens as many connections as serve
	// allows in all, and sends nothing (each stays until the header
	// timeout, 5 s).
	for range 8 {
		c, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	// Wait until serve has dealt with all eight: accepted, or closed (a
	// read on a closed one ends at once).
	closed := make([]bool, len(held))
	waitFor(t, "the greedy client's connections accepted or closed", func() bool {
		n := 0
		for i, c := range held {
			if !closed[i] {
				_ = c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
				_, err := c.Read(make([]byte, 1))
				// EOF, or a reset (spelled per OS); a timeout means open.
				var ne net.Error
				closed[i] = err != nil && !(errors.As(err, &ne) && ne.Timeout())
			}
			if closed[i] {
				n++
			}
		}
		return int(s.conns.open.Load())+n == len(held)
	})
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DialContext: other.DialContext}}
	status, body := get(t, hc, s.URL()+PathAppService+"?api-version=2019-08-01&resource=https://vault.azure.net", map[string]string{secretHeader: testSecret})
	if status != 200 {
		t.Errorf("a client at another address: %d %s", status, body)
	}
}
