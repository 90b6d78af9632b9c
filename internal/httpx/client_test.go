package httpx

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
)

func TestMain(m *testing.M) {
	RestrictToLoopback()
	m.Run()
}

func TestCheckLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:80": true, "127.3.4.5:1": true, "[::1]:443": true,
		"169.254.169.254:80": false, "10.0.0.1:443": false, "20.190.1.1:443": false,
		"[::ffff:127.0.0.1]:80": true, "localhost:80": false, // a name is not an address
	} {
		if err := CheckLoopback(addr); (err == nil) != ok {
			t.Errorf("CheckLoopback(%q) = %v, want ok=%v", addr, err, ok)
		}
	}
}

// The guard acts at dial time, so no packet leaves even for a forgotten
// override such as the real IMDS address.
func TestGuardRefusesNonLoopbackDial(t *testing.T) {
	c := NewClient(Options{})
	_, err := c.Get("http://169.254.169.254/metadata/identity/oauth2/token")
	var nl *ErrNotLoopback
	if !errors.As(err, &nl) {
		t.Fatalf("Get(169.254.169.254) error = %v, want ErrNotLoopback", err)
	}
}

func TestBodyIsBounded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(strings.Repeat("x", MaxBody+10)))
	}))
	defer srv.Close()
	resp, err := NewClient(Options{}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if !errors.Is(err, ErrBodyTooLarge) || len(b) > MaxBody {
		t.Fatalf("read %d bytes, err %v; want at most %d and ErrBodyTooLarge", len(b), err, MaxBody)
	}
}

func TestBodyOfExactlyMaxIsFine(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(strings.Repeat("x", MaxBody)))
	}))
	defer srv.Close()
	resp, err := NewClient(Options{}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, err := io.ReadAll(resp.Body); err != nil || len(b) != MaxBody {
		t.Fatalf("read %d bytes, err %v", len(b), err)
	}
}

// A redirect is returned, not followed: a secret header must never travel
// to wherever a Location points.
func TestRedirectNotFollowed(t *testing.T) {
	var leaked bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked = r.Header.Get("X-Identity-Header") != ""
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL, http.StatusFound)
	}))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("X-Identity-Header", "secret-value")
	resp, err := NewClient(Options{}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || leaked {
		t.Fatalf("status %d, leaked=%v; want the 302 itself and nothing sent on", resp.StatusCode, leaked)
	}
}

func TestRecordsAndRewrites(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}))
	defer srv.Close()
	target, _ := url.Parse(srv.URL)
	c := NewClient(Options{Rewrite: func(u *url.URL) {
		if u.Host == "169.254.169.254" {
			u.Host = target.Host
		}
	}})
	rec := &chain.Recorder{}
	req, _ := http.NewRequestWithContext(chain.WithRecorder(context.Background(), rec), "GET",
		"http://169.254.169.254/path?resource=r&client_secret=abc", nil)
	req.Header.Set("Metadata", "true")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := rec.Requests()
	if len(got) != 1 || got[0].Status != http.StatusTeapot || got[0].Method != "GET" {
		t.Fatalf("recorded %+v", got)
	}
	if strings.Contains(got[0].URL, "abc") || !strings.Contains(got[0].URL, "client_secret=REDACTED") {
		t.Fatalf("URL %q: want the secret parameter redacted", got[0].URL)
	}
	if len(got[0].Headers) != 1 || got[0].Headers[0] != "Metadata" {
		t.Fatalf("headers %v: want names only", got[0].Headers)
	}
}

func TestRetryHonoursRetryAfterAndResendsTheBody(t *testing.T) {
	var calls int
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		if calls == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	rec := &chain.Recorder{}
	req, _ := http.NewRequestWithContext(chain.WithRecorder(context.Background(), rec), "POST", srv.URL, strings.NewReader("grant_type=client_credentials"))
	resp, err := NewClient(Options{Retry: true}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || calls != 2 || bodies[1] != "grant_type=client_credentials" {
		t.Fatalf("status %d after %d calls, bodies %q", resp.StatusCode, calls, bodies)
	}
	if n := len(rec.Requests()); n != 2 {
		t.Fatalf("recorded %d requests, want both attempts", n)
	}
}

// A Retry-After longer than the time left ends the retries at once, with
// the answer in hand, rather than sleeping past the deadline.
func TestRetryNeverWaitsPastTheDeadline(t *testing.T) {
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("Retry-After", "60")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
	start := time.Now()
	resp, err := NewClient(Options{Retry: true}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || calls != 1 || time.Since(start) > time.Second {
		t.Fatalf("status %d after %d calls in %v; want the 429 at once", resp.StatusCode, calls, time.Since(start))
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"0": 0, "120": 2 * time.Minute, "Thu, 01 Jan 2026 00:00:30 GMT": 30 * time.Second,
		"Wed, 31 Dec 2025 00:00:00 GMT": 0,
	} {
		if got, ok := ParseRetryAfter(in, now); !ok || got != want {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-1", "soon"} {
		if _, ok := ParseRetryAfter(in, now); ok {
			t.Errorf("ParseRetryAfter(%q) accepted", in)
		}
	}
}

// -v shows request URLs without secrets and without a dangling '?' where
// the query is empty, as MSAL's token URLs are (issue 12.12).
func TestRedactURL(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"https://login.example/t/oauth2/v2.0/token?", "https://login.example/t/oauth2/v2.0/token"},
		{"http://127.0.0.1:1/metadata/identity/oauth2/token?api-version=2018-02-01", "http://127.0.0.1:1/metadata/identity/oauth2/token?api-version=2018-02-01"},
		{"https://user:pw@x.example/p?client_secret=s&a=1", "https://x.example/p?a=1&client_secret=REDACTED"},
	} {
		u, err := url.Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := RedactURL(u); got != tt.want {
			t.Errorf("RedactURL(%s) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// Every test binary has the guard on from the start, whatever its
// environment; aztoken itself reads AZTOKEN_LOOPBACK_ONLY and
// AZTOKEN_TEST_RESOLVE from the environment cli.Main was given
// (Configure), not from the process's at package init.
func TestGuardAndResolveFromConfigure(t *testing.T) {
	if err := control("tcp", "10.0.0.1:443", nil); err == nil {
		t.Fatal("the guard is off in a test binary")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "fake") }))
	defer srv.Close()
	Configure(env.Map(map[string]string{TestResolveEnv: "cloud.example:80=" + srv.Listener.Addr().String()}))
	t.Cleanup(func() { Configure(env.Map(nil)) })
	resp, err := NewClient(Options{}).Get("http://cloud.example/x")
	if err != nil {
		t.Fatalf("the name mapped by Configure was not dialled at the fake: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "fake" {
		t.Errorf("got %q", body)
	}
}
