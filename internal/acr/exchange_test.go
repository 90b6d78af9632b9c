package acr

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/httpx"
)

const entraToken = "eyJhbGciOiJSUzI1NiJ9.eyJ0aWQiOiJ0In0.c2lnbmF0dXJlLXNlY3JldA"

// registry is a loopback TLS server answering /oauth2/exchange with h.
func registry(t *testing.T, h http.HandlerFunc) (host string, client *http.Client, hits *atomic.Int32) {
	t.Helper()
	hits = new(atomic.Int32)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	client = httpx.NewClient(httpx.Options{TLS: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, Timeout: 5 * time.Second})
	return strings.TrimPrefix(srv.URL, "https://"), client, hits
}

func TestExchangeSendsWhatACRExpects(t *testing.T) {
	var got http.Request
	var form map[string][]string
	host, client, _ := registry(t, func(w http.ResponseWriter, r *http.Request) {
		got = *r
		_ = r.ParseForm()
		form = r.PostForm
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"refresh_token":"opaque-refresh"}`))
	})
	before := time.Now()
	rt, err := Exchange(context.Background(), client, host, "tenant-1", entraToken)
	if err != nil {
		t.Fatal(err)
	}
	if got.Method != http.MethodPost || got.URL.Path != "/oauth2/exchange" {
		t.Errorf("request = %s %s, want POST /oauth2/exchange", got.Method, got.URL.Path)
	}
	want := map[string]string{"grant_type": "access_token", "service": host, "tenant": "tenant-1", "access_token": entraToken}
	for k, v := range want {
		if len(form[k]) != 1 || form[k][0] != v {
			t.Errorf("form %s = %q, want %q", k, form[k], v)
		}
	}
	if rt.Token != "opaque-refresh" {
		t.Errorf("token = %q", rt.Token)
	}
	// Not a JWT: the registry's three hours.
	if d := rt.ExpiresOn.Sub(before); d < DefaultLifetime-time.Minute || d > DefaultLifetime+time.Minute {
		t.Errorf("expires in %v, want about %v", d, DefaultLifetime)
	}
}

func TestExchangeReadsTheRefreshTokensExpiry(t *testing.T) {
	// {"exp": 4102444800} (2100-01-01)
	jwt := "eyJhbGciOiJub25lIn0.eyJleHAiOjQxMDI0NDQ4MDB9.c2ln"
	host, client, _ := registry(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"refresh_token":"` + jwt + `"}`))
	})
	rt, err := Exchange(context.Background(), client, host, "", entraToken)
	if err != nil {
		t.Fatal(err)
	}
	if rt.ExpiresOn.Unix() != 4102444800 {
		t.Errorf("expires %v, want the token's exp", rt.ExpiresOn)
	}
}

func TestExchangeFailures(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status int
		body   string
		want   []string
	}{
		{"refused", 401, `{"errors":[{"code":"UNAUTHORIZED","message":"the identity has no pull permission"}]}`,
			[]string{"refused the Entra ID token (HTTP 401: UNAUTHORIZED the identity has no pull permission)", "AcrPull"}},
		{"forbidden, oauth words", 403, `{"error":"invalid_grant","error_description":"tenant mismatch"}`,
			[]string{"HTTP 403: invalid_grant tenant mismatch", "AcrPull"}},
		{"echoes the token", 401, `{"errors":[{"code":"UNAUTHORIZED","message":"bad token ` + entraToken + `"}]}`,
			[]string{"HTTP 401: UNAUTHORIZED bad token [REDACTED]"}},
		{"redirect", 302, ``, []string{"redirect (HTTP 302)", "does not follow"}},
		{"server error", 503, `<html>busy</html>`, []string{"failed the token exchange (HTTP 503); try again later"}},
		{"no token", 200, `{"access_token":"x"}`, []string{"without a refresh token"}},
		{"not json", 200, `hello`, []string{"without a refresh token"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			host, client, hits := registry(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.status == 302 {
					w.Header().Set("Location", "https://elsewhere.example/oauth2/exchange")
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			})
			_, err := Exchange(context.Background(), client, host, "t", entraToken)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "eyJ") || strings.Contains(err.Error(), "c2lnbmF0dXJlLXNlY3JldA") {
				t.Errorf("error holds the token: %q", err)
			}
			if hits.Load() != 1 {
				t.Errorf("%d requests, want 1 (no redirect followed, no retry)", hits.Load())
			}
		})
	}
}

func TestExchangeIsHTTPSOnly(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	_, err := Exchange(context.Background(), httpx.NewClient(httpx.Options{Timeout: 5 * time.Second}), host, "t", entraToken)
	if err == nil || strings.Contains(err.Error(), "eyJ") {
		t.Fatalf("err = %v, want a TLS failure without the token", err)
	}
	if hits.Load() != 0 {
		t.Errorf("a plain-HTTP server got %d requests", hits.Load())
	}
}

func TestExchangeUnreachableOrSlow(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	client := httpx.NewClient(httpx.Options{Timeout: 5 * time.Second})
	_, err = Exchange(context.Background(), client, closed, "t", entraToken)
	if err == nil || !strings.Contains(err.Error(), "did not answer the token exchange") || strings.Contains(err.Error(), "eyJ") {
		t.Errorf("closed port: %v", err)
	}

	release := make(chan struct{})
	host, client, _ := registry(t, func(w http.ResponseWriter, r *http.Request) { <-release })
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = Exchange(ctx, client, host, "t", entraToken)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a registry that never answers: %v, want the deadline", err)
	}
}
