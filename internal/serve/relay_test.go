package serve

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/claims"
	"github.com/aztoken/aztoken/internal/redact/redacttest"
)

const upstreamSecret = "upstream-secret-0123456789-UPSTREAM"

// startRelay runs an upstream serve (the given options, App Service
// protected by upstreamSecret) and a relay in front of it with open IMDS,
// both on loopback.
func startRelay(t *testing.T, up Options, relay Options) (upstreamSrv, relaySrv *Server) {
	t.Helper()
	up.Secret = upstreamSecret
	upstreamSrv = start(t, up)
	p, err := NewRelay(upstreamSrv.URL()+PathAppService, upstreamSecret, loopbackClient())
	if err != nil {
		t.Fatal(err)
	}
	relay.Provider = p
	relay.IMDS = IMDSOpen
	return upstreamSrv, start(t, relay)
}

// A client of the relay's open IMDS gets the upstream's tokens, for the
// identity it asked for; the upstream's secret appears in no log.
func TestRelayPassesRequestsUpstream(t *testing.T) {
	relayLog, relayErr, upLog := &syncBuffer{}, &syncBuffer{}, &syncBuffer{}
	up, relay := startRelay(t, Options{Emulate: &EmulatorOptions{}, AccessLog: upLog}, Options{AccessLog: relayLog, Stderr: relayErr, ProviderName: "relay"})
	c := loopbackClient()
	for _, tc := range []struct{ query, wantAppID string }{
		{"", DefaultEmulatorAppID},
		{"&client_id=0d9b4c4e-0000-4000-8000-000000000001", "0d9b4c4e-0000-4000-8000-000000000001"},
	} {
		status, body := get(t, c, relay.URL()+PathIMDS+"?api-version=2018-02-01&resource=https://vault.azure.net"+tc.query, map[string]string{"Metadata": "true"})
		if status != 200 {
			t.Fatalf("%d %s", status, body)
		}
		var v struct {
			AccessToken string `json:"access_token"`
			ClientID    string `json:"client_id"`
		}
		_ = json.Unmarshal([]byte(body), &v)
		cl, err := claims.Decode(v.AccessToken)
		if err != nil || cl.AppID != tc.wantAppID || v.ClientID != tc.wantAppID {
			t.Errorf("query %q: appid %q client_id %q (%v), want %s", tc.query, cl.AppID, v.ClientID, err, tc.wantAppID)
		}
		if !strings.HasPrefix(cl.Issuer, up.URL()) {
			t.Errorf("the token is not the upstream's: iss %s", cl.Issuer)
		}
	}
	if !strings.Contains(upLog.String(), `"GET" "/msi/token" 200`) || !strings.Contains(upLog.String(), `identity="client_id=0d9b4c4e`) {
		t.Errorf("the upstream was not asked over App Service:\n%s", upLog.String())
	}
	if !strings.Contains(relayErr.String(), "relay") {
		t.Errorf("the banner does not say it relays:\n%s", relayErr.String())
	}
	for name, out := range map[string]string{"relay access log": relayLog.String(), "relay stderr": relayErr.String(), "upstream access log": upLog.String()} {
		if strings.Contains(out, upstreamSecret) {
			t.Errorf("the %s holds the upstream's secret:\n%s", name, out)
		}
	}
}

// What goes wrong upstream reaches the relay's client in IMDS's shape,
// with a status SDKs act on, and never with the upstream's secret.
func TestRelayFailures(t *testing.T) {
	c := loopbackClient()
	imds := PathIMDS + "?api-version=2018-02-01&resource=https://vault.azure.net"
	ask := func(s *Server, q string) (int, string) {
		return get(t, c, s.URL()+imds+q, map[string]string{"Metadata": "true"})
	}

	t.Run("wrong upstream secret", func(t *testing.T) {
		up := start(t, Options{Emulate: &EmulatorOptions{}, Secret: upstreamSecret})
		p, _ := NewRelay(up.URL()+PathAppService, "not-the-upstream-secret-0123", loopbackClient())
		relay := start(t, Options{Provider: p, IMDS: IMDSOpen})
		status, body := ask(relay, "")
		if status != 400 || !strings.Contains(body, "refused this relay's secret") || !strings.Contains(body, "IDENTITY_HEADER") {
			t.Errorf("%d %s", status, body)
		}
		if strings.Contains(body, "not-the-upstream-secret") {
			t.Errorf("the answer holds the relay's secret: %s", body)
		}
	})
	t.Run("upstream down", func(t *testing.T) {
		up := start(t, Options{Emulate: &EmulatorOptions{}, Secret: upstreamSecret})
		url := up.URL()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = up.Shutdown(ctx)
		p, _ := NewRelay(url+PathAppService, upstreamSecret, loopbackClient())
		relay := start(t, Options{Provider: p, IMDS: IMDSOpen})
		if status, body := ask(relay, ""); status != 503 || !strings.Contains(body, "could not be reached") || strings.Contains(body, upstreamSecret) {
			t.Errorf("%d %s", status, body)
		}
	})
	t.Run("upstream fails with 5xx", func(t *testing.T) {
		_, relay := startRelay(t, Options{Provider: &upstream{err: &UpstreamError{Status: 503, Msg: "Entra ID is down"}}}, Options{})
		if status, body := ask(relay, ""); status != 503 || !strings.Contains(body, "Entra ID is down") {
			t.Errorf("%d %s", status, body)
		}
	})
	t.Run("upstream times out", func(t *testing.T) {
		_, relay := startRelay(t, Options{Provider: &upstream{delay: time.Minute}}, Options{UpstreamTimeout: 200 * time.Millisecond})
		if status, body := ask(relay, ""); status != 504 || !strings.Contains(body, "gateway_timeout") {
			t.Errorf("%d %s", status, body)
		}
	})
	t.Run("identity the upstream cannot honour", func(t *testing.T) {
		_, relay := startRelay(t, Options{Provider: &upstream{err: ErrIdentityNotFound}}, Options{})
		status, body := ask(relay, "&client_id=0d9b4c4e-0000-4000-8000-000000000009")
		if status != 400 || !strings.Contains(body, `"error_description":"Identity not found`) {
			t.Errorf("%d %s", status, body)
		}
	})
}

func TestNewRelayChecksItsEnvironment(t *testing.T) {
	cases := []struct{ endpoint, secret, want string }{
		{"", upstreamSecret, "IDENTITY_ENDPOINT"},
		{"http://127.0.0.1:1/msi/token", "", "IDENTITY_HEADER"},
		{"ftp://x/msi/token", upstreamSecret, "not an http or https URL"},
		{"http://user:pw@x/msi/token", upstreamSecret, "not an http or https URL"},
		{"127.0.0.1:8079", upstreamSecret, "not an http or https URL"},
		{"http://127.0.0.1:1/msi/token", "a\nb", "line break"},
	}
	for _, tc := range cases {
		if _, err := NewRelay(tc.endpoint, tc.secret, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewRelay(%q): %v, want %q", tc.endpoint, err, tc.want)
		}
	}
	if _, err := NewRelay("http://127.0.0.1:1/msi/token", upstreamSecret, nil); err != nil {
		t.Error(err)
	}
}

// The relay's own client follows no redirect, which would carry the
// upstream's secret to wherever it points.
func TestRelayFollowsNoRedirect(t *testing.T) {
	var leaked atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(secretHeader) != "" {
			leaked.Store(true)
		}
	}))
	defer other.Close()
	redirect := httptest.NewServer(http.RedirectHandler(other.URL+PathAppService, http.StatusFound))
	defer redirect.Close()
	p, err := NewRelay(redirect.URL+PathAppService, upstreamSecret, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Token(context.Background(), "https://vault.azure.net", Identity{})
	if err == nil || !strings.Contains(err.Error(), "answered 302") || leaked.Load() {
		t.Errorf("err %v, secret sent on: %v", err, leaked.Load())
	}
}

// An upstream that echoes the relay's secret in a long message never gets
// any piece of it into the relay's error, wherever the cut falls.
func TestRelayRefusalNeverShowsPartOfTheSecret(t *testing.T) {
	const secret = "Rl4y-Zq8~kVw2xYuT5nbR3mL"
	r, err := NewRelay("http://127.0.0.1:1"+PathAppService, secret, loopbackClient())
	if err != nil {
		t.Fatal(err)
	}
	for pad := 0; pad <= 510; pad++ {
		body, _ := json.Marshal(map[string]string{"message": strings.Repeat("m", pad) + secret + " was not accepted"})
		for _, status := range []int{400, 401, 502} {
			msg := r.refusal(status, body, false).Error()
			if leak := redacttest.Leaked(msg, secret); leak != "" {
				t.Fatalf("padding %d, HTTP %d: %q shows %q of the upstream's secret", pad, status, msg, leak)
			}
		}
	}
}

// fakeUpstream answers every App Service request with what answer
// gives: a status and a JSON body.
func fakeUpstream(t *testing.T, answer func() (int, string)) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status, body := answer()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + PathAppService
}

// unsignedJWT is a token whose only claim is exp.
func unsignedJWT(exp time.Time) string {
	payload := base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"exp":%d}`, exp.Unix())))
	return "eyJhbGciOiJub25lIn0." + payload + ".c2ln"
}

// The relay's tokens pass the chain's expiry rule (issue 27.3): the
// earlier of the upstream's expires_on and the token's exp decides what
// the client is told, and a token expired on either count is refused,
// not served with 200.
func TestRelayRefusesExpiredTokens(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name           string
		jwtExp, expOn  time.Time
		status         int
		wantExpiresIn  int // about, in seconds; when status is 200
		wantInResponse string
	}{
		{"exp past, expires_on ahead", now.Add(-time.Hour), now.Add(time.Hour), http.StatusBadRequest, 0, "already expired"},
		{"both past", now.Add(-2 * time.Hour), now.Add(-time.Hour), http.StatusBadRequest, 0, "already expired"},
		{"exp earlier than expires_on", now.Add(20 * time.Minute), now.Add(time.Hour), http.StatusOK, 1200, ""},
		{"expires_on earlier than exp", now.Add(time.Hour), now.Add(30 * time.Minute), http.StatusOK, 1800, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up := fakeUpstream(t, func() (int, string) {
				return http.StatusOK, fmt.Sprintf(`{"access_token":%q,"expires_on":"%d","token_type":"Bearer","resource":"https://vault.azure.net"}`, unsignedJWT(tc.jwtExp), tc.expOn.Unix())
			})
			p, err := NewRelay(up, upstreamSecret, loopbackClient())
			if err != nil {
				t.Fatal(err)
			}
			s := start(t, Options{Provider: p, IMDS: IMDSOpen})
			status, body := get(t, loopbackClient(), s.URL()+PathIMDS+"?api-version=2018-02-01&resource=https://vault.azure.net", map[string]string{"Metadata": "true"})
			if status != tc.status || !strings.Contains(body, tc.wantInResponse) {
				t.Fatalf("%d %s; want %d with %q", status, body, tc.status, tc.wantInResponse)
			}
			if status != http.StatusOK {
				return
			}
			var v struct {
				ExpiresIn string `json:"expires_in"`
			}
			_ = json.Unmarshal([]byte(body), &v)
			if in, err := strconv.Atoi(v.ExpiresIn); err != nil || in > tc.wantExpiresIn || in < tc.wantExpiresIn-60 {
				t.Errorf("expires_in %q, want about %d", v.ExpiresIn, tc.wantExpiresIn)
			}
		})
	}
}

// What the relay's upstream says reaches serve's stderr, when a
// background refresh fails, without its escape sequences (issue 27.7): an
// upstream cannot set the terminal's title, colours or clear it.
func TestRelayRefreshFailureStripsEscapes(t *testing.T) {
	var failing atomic.Bool
	up := fakeUpstream(t, func() (int, string) {
		if failing.Load() {
			return http.StatusInternalServerError, `{"statusCode":500,"message":"down \u001b]0;pwned\u0007\u001b[2J\u001b[31mred\u009b0m"}`
		}
		return http.StatusOK, fmt.Sprintf(`{"access_token":"opaque-token","expires_on":"%d","token_type":"Bearer"}`, time.Now().Add(time.Hour).Unix())
	})
	p, err := NewRelay(up, upstreamSecret, loopbackClient())
	if err != nil {
		t.Fatal(err)
	}
	var offset atomic.Int64
	stderr := &syncBuffer{}
	s := start(t, Options{Provider: p, IMDS: IMDSOpen, Stderr: stderr, Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }})
	url := s.URL() + PathIMDS + "?api-version=2018-02-01&resource=https://vault.azure.net"
	if status, body := get(t, loopbackClient(), url, map[string]string{"Metadata": "true"}); status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	// Past the token's refresh time: the next request is answered from the
	// cache and starts a refresh, which the upstream now fails.
	failing.Store(true)
	offset.Store(int64(40 * time.Minute))
	if status, body := get(t, loopbackClient(), url, map[string]string{"Metadata": "true"}); status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), "refreshing a cached token failed") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	out := stderr.String()
	if !strings.Contains(out, "refreshing a cached token failed") || !strings.Contains(out, "down") {
		t.Fatalf("stderr has no refresh failure: %q", out)
	}
	if strings.ContainsAny(out, "\x1b\x07\u009b") {
		t.Errorf("stderr carries the upstream's escape sequences: %q", out)
	}
}
