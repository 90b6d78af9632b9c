package fakeazure

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/confidential"
	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"
	mi "github.com/AzureAD/microsoft-authentication-library-for-go/apps/managedidentity"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"
)

// imdsRequest is a well-formed IMDS token request.
func imdsRequest(t *testing.T, m *Managed) *http.Request {
	return newReq(t, "GET", m.EndpointURL(SourceIMDS)+"?api-version="+IMDSAPIVersion+"&resource=r", nil, "Metadata", "true")
}

func TestFaultsChangeTheAnswer(t *testing.T) {
	m := startManaged(t, ManagedOptions{})
	tests := []struct {
		name  string
		fault Fault
		check func(t *testing.T, status int, h http.Header, body map[string]any, raw []byte)
	}{
		{"status with Retry-After", Fault{Status: 429, RetryAfter: "7"}, func(t *testing.T, status int, h http.Header, body map[string]any, raw []byte) {
			wantStatus(t, status, 429, raw)
			if h.Get("Retry-After") != "7" || body["error"] == nil {
				t.Errorf("Retry-After %q, body %s", h.Get("Retry-After"), raw)
			}
		}},
		{"raw body", Fault{Status: 500, Body: "upstream exploded"}, func(t *testing.T, status int, h http.Header, _ map[string]any, raw []byte) {
			wantStatus(t, status, 500, raw)
			if string(raw) != "upstream exploded" || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
				t.Errorf("body %q, content type %q", raw, h.Get("Content-Type"))
			}
		}},
		{"HTML page", Fault{HTML: true}, func(t *testing.T, status int, h http.Header, body map[string]any, raw []byte) {
			wantStatus(t, status, 200, raw)
			if body != nil || !strings.Contains(string(raw), "<html>") || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				t.Errorf("body %q", raw)
			}
		}},
		{"HTML error page", Fault{HTML: true, Status: 502}, func(t *testing.T, status int, _ http.Header, _ map[string]any, raw []byte) {
			wantStatus(t, status, 502, raw)
			if !strings.Contains(string(raw), "Bad Gateway") {
				t.Errorf("body %q", raw)
			}
		}},
		{"truncated JSON", Fault{TruncatedJSON: true}, func(t *testing.T, status int, _ http.Header, body map[string]any, raw []byte) {
			wantStatus(t, status, 200, raw)
			if body != nil || !strings.HasPrefix(string(raw), `{"access_token":`) {
				t.Errorf("body %q is not a cut-off token response", raw)
			}
		}},
		{"oversized", Fault{Oversized: 1 << 20}, func(t *testing.T, status int, _ http.Header, body map[string]any, raw []byte) {
			wantStatus(t, status, 200, raw)
			if len(raw) != 1<<20 || body == nil || len(body["access_token"].(string)) < 1<<19 {
				t.Errorf("body is %d bytes", len(raw))
			}
		}},
		{"no access_token", Fault{NoAccessToken: true}, func(t *testing.T, status int, _ http.Header, body map[string]any, raw []byte) {
			wantStatus(t, status, 200, raw)
			if _, ok := body["access_token"]; ok || body["expires_on"] == nil {
				t.Errorf("body %s", raw)
			}
		}},
		{"expires_on in the past", Fault{ExpiresOnPast: true}, func(t *testing.T, status int, _ http.Header, body map[string]any, raw []byte) {
			wantStatus(t, status, 200, raw)
			on, _ := strconv.ParseInt(body["expires_on"].(string), 10, 64)
			if on > time.Now().Unix() || body["expires_in"] != "-3600" {
				t.Errorf("body %s", raw)
			}
			claimsOf(t, m.Minter(), body["access_token"].(string)) // the token itself is still good
		}},
		{"already expired token", Fault{AlreadyExpiredToken: true}, func(t *testing.T, status int, _ http.Header, body map[string]any, raw []byte) {
			wantStatus(t, status, 200, raw)
			on, _ := strconv.ParseInt(body["expires_on"].(string), 10, 64)
			if on < time.Now().Unix() {
				t.Errorf("expires_on %d should look fine", on)
			}
			if _, err := Verify(m.Minter(), body["access_token"].(string)); err == nil || !strings.Contains(err.Error(), "expired") {
				t.Errorf("Verify = %v, want an expired token", err)
			}
		}},
		{"Docker Desktop's 403", Fault{Unreachable403: true}, func(t *testing.T, status int, _ http.Header, _ map[string]any, raw []byte) {
			wantStatus(t, status, 403, raw)
			if string(raw) != DockerDesktopUnreachable {
				t.Errorf("body %q", raw)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m.Reset()
			m.SetFault(EndpointIMDS, tt.fault)
			defer m.ClearFaults()
			status, h, body, raw := do(t, m.Client(), imdsRequest(t, m))
			tt.check(t, status, h, body, raw)
			if r := m.Requests(); len(r) != 1 || !r[0].Fault || r[0].Status != status {
				t.Errorf("record %+v", r)
			}
		})
	}
}

func TestFaultTimes(t *testing.T) {
	m := startManaged(t, ManagedOptions{})
	m.SetFault(EndpointIMDS, Fault{Status: 503, Times: 2})
	var got []int
	for range 4 {
		status, _, _, _ := do(t, m.Client(), imdsRequest(t, m))
		got = append(got, status)
	}
	if want := []int{503, 503, 200, 200}; !slices.Equal(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	// A fault on one endpoint leaves the others alone.
	m.SetFault(EndpointAppService, Fault{Status: 500})
	if status, _, _, raw := do(t, m.Client(), imdsRequest(t, m)); status != 200 {
		t.Errorf("IMDS answered %d: %s", status, raw)
	}
	m.ClearFaults()
	req := newReq(t, "GET", m.EndpointURL(SourceAppService)+"?api-version="+AppServiceAPIVersion+"&resource=r", nil, "X-IDENTITY-HEADER", m.Secret())
	if status, _, _, raw := do(t, m.Client(), req); status != 200 {
		t.Errorf("after ClearFaults App Service answered %d: %s", status, raw)
	}
}

func TestFaultDelay(t *testing.T) {
	m := startManaged(t, ManagedOptions{})
	m.SetFault(EndpointIMDS, Fault{Delay: 150 * time.Millisecond})
	start := time.Now()
	status, _, _, raw := do(t, m.Client(), imdsRequest(t, m))
	wantStatus(t, status, 200, raw)
	if took := time.Since(start); took < 150*time.Millisecond {
		t.Errorf("answered after %v, want at least the delay", took)
	}
}

func TestFaultHangEndsWithTheClientOrClose(t *testing.T) {
	m := startManaged(t, ManagedOptions{})
	m.SetFault(EndpointProbe, Fault{Hang: true})

	// The chain's probe gives up after its own timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req := newReq(t, "GET", "http://"+IMDSAddr+IMDSPath, nil).WithContext(ctx)
	if _, err := m.Client().Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	if m.Count(EndpointProbe) != 1 {
		t.Errorf("the hanging request was not recorded")
	}

	// A client without a deadline hangs until Close, which must not block.
	errc := make(chan error, 1)
	go func() {
		resp, err := m.Client().Do(newReq(t, "GET", "http://"+IMDSAddr+IMDSPath, nil))
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	waitFor(t, func() bool { return m.Count(EndpointProbe) == 2 })
	start := time.Now()
	m.Close()
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Close took %v with a hanging request", took)
	}
	select {
	case err := <-errc:
		if err == nil {
			t.Error("the hung request got an answer")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the hung client never returned after Close")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFaultHangMidBody(t *testing.T) {
	m := startManaged(t, ManagedOptions{})
	m.SetFault(EndpointIMDS, Fault{HangMidBody: true})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	resp, err := m.Client().Do(imdsRequest(t, m).WithContext(ctx))
	if err != nil {
		t.Fatalf("headers should arrive: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.ContentLength <= 0 {
		t.Fatalf("status %d, length %d", resp.StatusCode, resp.ContentLength)
	}
	got, err := io.ReadAll(resp.Body)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("reading the body: %v, want the deadline", err)
	}
	if len(got) == 0 || int64(len(got)) >= resp.ContentLength {
		t.Errorf("read %d of %d bytes, want part of the body", len(got), resp.ContentLength)
	}
}

func TestFaultResetMidBody(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T) (*http.Response, error)
	}{
		{"plain HTTP", func(t *testing.T) (*http.Response, error) {
			m := startManaged(t, ManagedOptions{})
			m.SetFault(EndpointIMDS, Fault{ResetMidBody: true})
			return m.Client().Do(imdsRequest(t, m))
		}},
		{"TLS", func(t *testing.T) (*http.Response, error) {
			e := startEntra(t, EntraOptions{})
			e.SetFault(EndpointOpenID, Fault{ResetMidBody: true})
			return e.Client().Get(e.Authority(DefaultTenantID) + "/v2.0/.well-known/openid-configuration")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := tc.run(t)
			if err != nil {
				t.Fatalf("headers should arrive: %v", err)
			}
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			if err == nil {
				t.Fatalf("read %d bytes without error, want the connection cut", len(got))
			}
			if len(got) == 0 || int64(len(got)) >= resp.ContentLength {
				t.Errorf("read %d of %d bytes", len(got), resp.ContentLength)
			}
		})
	}
}

// TestFaultRedirect shows what the fault is for: net/http's default
// client follows the 302 and sends custom secret headers on to the other
// host, so a client must refuse redirects itself.
func TestFaultRedirect(t *testing.T) {
	a := startManaged(t, ManagedOptions{Secret: "s"})
	b := startManaged(t, ManagedOptions{Secret: "s"})
	q := "?api-version=" + AppServiceAPIVersion + "&resource=r"
	a.SetFault(EndpointAppService, Fault{RedirectTo: b.EndpointURL(SourceAppService) + q})

	status, _, _, raw := do(t, a.Client(), newReq(t, "GET", a.EndpointURL(SourceAppService)+q, nil, "X-IDENTITY-HEADER", "s"))
	wantStatus(t, status, 200, raw)
	if r := b.Requests(); len(r) != 1 || !r[0].Secret {
		t.Fatalf("the other host saw %+v, want the followed request with its secret header", r)
	}

	noFollow := a.Client()
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	status, h, _, raw := do(t, noFollow, newReq(t, "GET", a.EndpointURL(SourceAppService)+q, nil, "X-IDENTITY-HEADER", "s"))
	wantStatus(t, status, 302, raw)
	if h.Get("Location") == "" || len(b.Requests()) != 1 {
		t.Errorf("Location %q, other host saw %d requests", h.Get("Location"), len(b.Requests()))
	}
}

func TestEntraFaults(t *testing.T) {
	e := startEntra(t, EntraOptions{Tenants: []string{testTenant}, Secrets: map[string]string{secretClient: "s"}})
	cred, _ := confidential.NewCredFromSecret("s")

	// An injected error status gets an Entra-shaped body.
	e.SetFault(EndpointOpenID, Fault{Status: 503, RetryAfter: "1", Times: 1})
	status, h, body, raw := do(t, e.Client(), newReq(t, "GET", e.Authority(testTenant)+"/v2.0/.well-known/openid-configuration", nil))
	wantStatus(t, status, 503, raw)
	wantAADSTS(t, body, "temporarily_unavailable", 50000)
	if h.Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q", h.Get("Retry-After"))
	}

	// MSAL validates a confidential client's token response, unlike its
	// managed identity client.
	e.SetFault(EndpointToken, Fault{NoAccessToken: true, Times: 1})
	c := newConfidential(t, e, secretClient, cred)
	if _, err := c.AcquireTokenByCredential(msalContext(t), []string{"api://a/.default"}); err == nil || !strings.Contains(err.Error(), "missing access_token") {
		t.Errorf("no access_token: err = %v", err)
	}
	e.SetFault(EndpointToken, Fault{TruncatedJSON: true, Times: 1})
	if _, err := c.AcquireTokenByCredential(msalContext(t), []string{"api://b/.default"}); err == nil || !strings.Contains(err.Error(), "json") {
		t.Errorf("truncated JSON: err = %v", err)
	}
	e.SetFault(EndpointToken, Fault{ExpiresOnPast: true, Times: 1})
	if ar, err := c.AcquireTokenByCredential(msalContext(t), []string{"api://c/.default"}); err != nil || ar.ExpiresOn.After(time.Now()) {
		t.Errorf("expires_in in the past: ExpiresOn %v, err %v", ar.ExpiresOn, err)
	}
	e.SetFault(EndpointToken, Fault{AlreadyExpiredToken: true, Times: 1})
	ar, err := c.AcquireTokenByCredential(msalContext(t), []string{"api://d/.default"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(e.Minter(), ar.AccessToken); err == nil {
		t.Error("the token should be expired")
	}

	// The user realm lookup failing stops MSAL's password flow.
	e.AddUser(publicClient, "alice@contoso.com", "p")
	e.SetFault(EndpointUserRealm, Fault{HTML: true})
	pc, err := public.New(publicClient, public.WithAuthority(e.Authority(testTenant)), public.WithHTTPClient(e.Client()), public.WithInstanceDiscovery(false))
	if err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 the password grant is what EnvironmentCredential uses; the fake must serve it.
	if _, err := pc.AcquireTokenByUsernamePassword(msalContext(t), []string{"api://x/.default"}, "alice@contoso.com", "p"); err == nil || !strings.Contains(err.Error(), "user realm") {
		t.Errorf("user realm fault: err = %v", err)
	}
}

func TestMSALManagedIdentityFaults(t *testing.T) {
	m := startManaged(t, ManagedOptions{})

	// IMDS 503 once: MSAL retries after a second and succeeds.
	m.SetFault(EndpointIMDS, Fault{Status: 503, Times: 1})
	c := newMI(t, m, SourceIMDS, mi.SystemAssigned())
	if _, err := c.AcquireToken(msalContext(t), uniqueResource(t)+"retry"); err != nil {
		t.Fatalf("AcquireToken after one 503: %v", err)
	}
	if n := m.Count(EndpointIMDS); n != 2 {
		t.Errorf("%d IMDS requests, want 2", n)
	}

	c = newMI(t, m, SourceIMDS, mi.SystemAssigned(), mi.WithRetryPolicyDisabled())

	// Docker Desktop's proxy: a 403 whose body says "unreachable".
	m.SetFault(EndpointIMDS, Fault{Unreachable403: true})
	_, err := c.AcquireToken(msalContext(t), uniqueResource(t)+"docker")
	if err == nil || !strings.Contains(err.Error(), "unreachable") || !strings.Contains(err.Error(), "403") {
		t.Errorf("Docker Desktop: err = %v", err)
	}

	// A 200 without access_token is, to MSAL's managed identity client,
	// an empty token and no error.
	m.SetFault(EndpointIMDS, Fault{NoAccessToken: true})
	ar, err := c.AcquireToken(msalContext(t), uniqueResource(t)+"empty")
	if err != nil || ar.AccessToken != "" {
		t.Errorf("no access_token: token %q, err %v", ar.AccessToken, err)
	}

	// Not JSON at all: MSAL reports an InvalidJsonErr, which azidentity
	// takes to mean "not IMDS".
	m.SetFault(EndpointIMDS, Fault{HTML: true})
	_, err = c.AcquireToken(msalContext(t), uniqueResource(t)+"html")
	var jsonErr msalerrors.InvalidJsonErr
	if !errors.As(err, &jsonErr) {
		t.Errorf("HTML: err = %v (%T), want an InvalidJsonErr", err, err)
	}
	m.ClearFaults()

	// A client deadline ends a hang.
	m.SetFault(EndpointIMDS, Fault{Hang: true})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := c.AcquireToken(ctx, uniqueResource(t)+"hang"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hang: err = %v", err)
	}
}

func TestOversizedIsExact(t *testing.T) {
	for _, n := range []int{1, 10, 100, 4096, 10 << 20} {
		b := oversizedBody(n)
		if len(b) != n {
			t.Errorf("oversizedBody(%d) is %d bytes", n, len(b))
		}
		if n >= 100 && n < 1<<20 && !json.Valid(b) { // json.Valid is slow under -race
			t.Errorf("oversizedBody(%d) is not JSON", n)
		}
	}
}
