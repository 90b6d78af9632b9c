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

	"github.com/aztoken/aztoken/internal/chain"
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
