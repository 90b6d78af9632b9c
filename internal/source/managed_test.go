package source

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/fakeazure"
	"github.com/aztoken/aztoken/internal/mint"
)

// These tests drive MSAL, which reads the process environment, so they
// use t.Setenv and cannot run in parallel. MSAL also keeps one token cache
// for the whole process: every test asks for its own resource (miScope)
// so that no answer comes from another test's token.

var miSeq atomic.Int64

func miScope() string { return fmt.Sprintf("https://mi-%d.aztoken.test/.default", miSeq.Add(1)) }

func miReq() chain.Request { return chain.Request{Scopes: []string{miScope()}} }

// miMinter is shared by every fake: generating an RSA key per fake would
// dominate the tests' time.
var miMinter = sync.OnceValues(func() (*mint.Minter, error) { return mint.New(nil, "") })

func newMIFake(t *testing.T, opts fakeazure.ManagedOptions) *fakeazure.Managed {
	t.Helper()
	mt, err := miMinter()
	if err != nil {
		t.Fatal(err)
	}
	opts.Minter = mt
	f, err := fakeazure.NewManaged(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f
}

// miUse points the process environment at source on f and returns a
// configuration reading it, as production does.
func miUse(t *testing.T, f *fakeazure.Managed, source string, extra map[string]string) Config {
	t.Helper()
	for k, v := range f.Env(source) {
		t.Setenv(k, v)
	}
	t.Setenv("AZURE_CLIENT_ID", "")
	for k, v := range extra {
		t.Setenv(k, v)
	}
	return Config{Env: env.OS()}
}

// newTestMI is NewManaged with Arc's agent check off and short backoffs.
func newTestMI(cfg Config) *Managed {
	m := NewManaged(cfg)
	m.himds = func() bool { return false }
	m.retry.backoff = 10 * time.Millisecond
	m.retry.maxBackoff = 50 * time.Millisecond
	return m
}

func miCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

func assertMINoSecret(t *testing.T, where, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Fatalf("%s shows a secret (%q…): %s", where, s[:min(len(s), 6)], text)
		}
	}
}

func TestManagedKinds(t *testing.T) {
	for _, tc := range []struct {
		source, endpoint string
		secretHeader     bool
	}{
		{fakeazure.SourceIMDS, fakeazure.EndpointIMDS, false},
		{fakeazure.SourceAppService, fakeazure.EndpointAppService, true},
		{fakeazure.SourceAzureML, fakeazure.EndpointAzureML, true},
		{fakeazure.SourceCloudShell, fakeazure.EndpointCloudShell, false},
		{fakeazure.SourceServiceFabric, fakeazure.EndpointServiceFabric, true},
	} {
		t.Run(tc.source, func(t *testing.T) {
			f := newMIFake(t, fakeazure.ManagedOptions{})
			m := newTestMI(miUse(t, f, tc.source, nil))
			rec := &chain.Recorder{}
			tok, err := m.GetToken(chain.WithRecorder(miCtx(t, 10*time.Second), rec), miReq())
			if err != nil {
				t.Fatalf("GetToken: %v (hint: %s)", err, chain.HintOf(err))
			}
			if _, err := fakeazure.Verify(f.Minter(), tok.AccessToken); err != nil {
				t.Fatalf("the token is not the fake's: %v", err)
			}
			if tok.Identity != "managed identity (system-assigned)" || tok.TokenType != "Bearer" || time.Until(tok.ExpiresOn) < 30*time.Minute {
				t.Fatalf("token = identity %q, type %q, expires %v", tok.Identity, tok.TokenType, tok.ExpiresOn)
			}
			if n := f.Count(tc.endpoint); n != 1 {
				t.Fatalf("%d requests at %s, want 1 (all: %v)", n, tc.endpoint, f.Counts())
			}
			got := f.Requests()[0]
			if got.Secret != tc.secretHeader {
				t.Errorf("secret header sent = %v, want %v", got.Secret, tc.secretHeader)
			}
			if n := len(rec.Requests()); n != 1 {
				t.Errorf("recorder saw %d requests, want 1", n)
			}
		})
	}
}

func TestManagedAzureArc(t *testing.T) {
	dir := fakeazure.ArcTokenDir(t)
	f := newMIFake(t, fakeazure.ManagedOptions{ArcKeyDir: dir})
	m := newTestMI(miUse(t, f, fakeazure.SourceArc, nil))
	rec := &chain.Recorder{}
	tok, err := m.GetToken(chain.WithRecorder(miCtx(t, 10*time.Second), rec), miReq())
	if err != nil {
		t.Fatalf("GetToken: %v", err)
	}
	if _, err := fakeazure.Verify(f.Minter(), tok.AccessToken); err != nil {
		t.Fatal(err)
	}
	if f.Count(fakeazure.EndpointArcChallenge) != 1 || f.Count(fakeazure.EndpointArc) != 1 {
		t.Fatalf("counts = %v, want one challenge and one token request", f.Counts())
	}
	if n := len(rec.Requests()); n != 2 {
		t.Fatalf("recorder saw %d requests, want 2", n)
	}
}

func TestManagedUserAssigned(t *testing.T) {
	for _, source := range []string{fakeazure.SourceIMDS, fakeazure.SourceAppService} {
		f := newMIFake(t, fakeazure.ManagedOptions{UserAssigned: []fakeazure.Identity{{ClientID: "0f6d6a3e-1c7b-4a51-9b3e-2b1f5a0c7d11"}}})
		u := f.UserAssigned()[0]
		resParam := "msi_res_id"
		if source == fakeazure.SourceAppService {
			resParam = "mi_res_id"
		}
		for _, tc := range []struct {
			name   string
			cfg    func(*Config)
			param  string
			ident  string
			viaEnv bool
		}{
			{"client", func(c *Config) { c.ClientID = u.ClientID }, "client_id", "client_id=" + u.ClientID, false},
			{"object", func(c *Config) { c.ObjectID = u.ObjectID }, "object_id", "object_id=" + u.ObjectID, false},
			{"resource", func(c *Config) { c.ResourceID = u.ResourceID }, resParam, "resource_id=" + u.ResourceID, false},
			{"AZURE_CLIENT_ID", func(*Config) {}, "client_id", "client_id=" + u.ClientID, true},
		} {
			t.Run(source+"/"+tc.name, func(t *testing.T) {
				cfg := miUse(t, f, source, nil)
				if tc.viaEnv {
					t.Setenv("AZURE_CLIENT_ID", u.ClientID)
				}
				tc.cfg(&cfg)
				f.Reset()
				tok, err := newTestMI(cfg).GetToken(miCtx(t, 10*time.Second), miReq())
				if err != nil {
					t.Fatalf("GetToken: %v", err)
				}
				if tok.Identity != tc.ident {
					t.Errorf("Identity = %q, want %q", tok.Identity, tc.ident)
				}
				reqs := f.Requests()
				if len(reqs) != 1 || !strings.Contains(reqs[0].RawQuery, tc.param+"=") {
					t.Fatalf("requests = %+v, want one naming %s", reqs, tc.param)
				}
			})
		}
	}
}

func TestManagedProbe(t *testing.T) {
	t.Run("silent", func(t *testing.T) {
		bh, err := fakeazure.NewBlackhole()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(bh.Close)
		t.Setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", bh.URL())
		miClearEnv(t)
		m := newTestMI(Config{Env: env.OS(), ProbeIMDS: true, IMDSTimeout: 150 * time.Millisecond})
		ctx := miCtx(t, 20*time.Second)
		_, err = m.GetToken(ctx, miReq())
		if chain.StatusOf(err) != chain.StatusUnavailable || !strings.Contains(err.Error(), "did not answer within 150ms") {
			t.Fatalf("err = %v (%s), want unavailable: did not answer within 150ms", err, chain.StatusOf(err))
		}
		if !strings.Contains(chain.HintOf(err), "az login") || !strings.Contains(chain.HintOf(err), "--imds-timeout") {
			t.Errorf("hint = %q", chain.HintOf(err))
		}
		if ctx.Err() != nil || bh.Accepted() != 1 {
			t.Fatalf("the probe was not bounded by IMDSTimeout (ctx %v, %d connections)", ctx.Err(), bh.Accepted())
		}
	})

	t.Run("refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		_ = ln.Close()
		t.Setenv("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://"+addr)
		miClearEnv(t)
		m := newTestMI(Config{Env: env.OS(), ProbeIMDS: true})
		_, err = m.GetToken(miCtx(t, 10*time.Second), miReq())
		if chain.StatusOf(err) != chain.StatusUnavailable || !strings.Contains(err.Error(), "nothing listens at "+addr) {
			t.Fatalf("err = %v, want unavailable: nothing listens at %s", err, addr)
		}
	})

	t.Run("answered", func(t *testing.T) {
		f := newMIFake(t, fakeazure.ManagedOptions{})
		cfg := miUse(t, f, fakeazure.SourceIMDS, nil)
		cfg.ProbeIMDS = true
		m := newTestMI(cfg)
		for i := range 2 {
			if _, err := m.GetToken(miCtx(t, 10*time.Second), miReq()); err != nil {
				t.Fatalf("GetToken %d: %v", i, err)
			}
		}
		if f.Count(fakeazure.EndpointProbe) != 1 || f.Count(fakeazure.EndpointIMDS) != 2 {
			t.Fatalf("counts = %v, want one probe and two token requests", f.Counts())
		}
	})

	t.Run("not without ProbeIMDS", func(t *testing.T) {
		f := newMIFake(t, fakeazure.ManagedOptions{})
		if _, err := newTestMI(miUse(t, f, fakeazure.SourceIMDS, nil)).GetToken(miCtx(t, 10*time.Second), miReq()); err != nil {
			t.Fatal(err)
		}
		if f.Count(fakeazure.EndpointProbe) != 0 {
			t.Fatalf("counts = %v, want no probe", f.Counts())
		}
	})

	t.Run("docker desktop", func(t *testing.T) {
		f := newMIFake(t, fakeazure.ManagedOptions{})
		f.SetFault(fakeazure.EndpointProbe, fakeazure.Fault{Unreachable403: true})
		cfg := miUse(t, f, fakeazure.SourceIMDS, nil)
		cfg.ProbeIMDS = true
		_, err := newTestMI(cfg).GetToken(miCtx(t, 10*time.Second), miReq())
		if chain.StatusOf(err) != chain.StatusUnavailable || !strings.Contains(chain.HintOf(err), "Docker Desktop") {
			t.Fatalf("err = %v (hint %q), want unavailable naming Docker Desktop", err, chain.HintOf(err))
		}
		if f.Count(fakeazure.EndpointIMDS) != 0 {
			t.Fatalf("a token request followed the proxy's 403: %v", f.Counts())
		}
	})
}

// miClearEnv clears every variable that would make MSAL pick another
// source than IMDS.
func miClearEnv(t *testing.T) {
	for _, k := range fakeazure.ManagedEnvVars {
		if k != "AZURE_POD_IDENTITY_AUTHORITY_HOST" {
			t.Setenv(k, "")
		}
	}
	t.Setenv("AZURE_CLIENT_ID", "")
}

func TestManagedAnswers(t *testing.T) {
	tests := []struct {
		name     string
		source   string
		opts     fakeazure.ManagedOptions
		endpoint string
		fault    fakeazure.Fault
		chained  bool
		clientID string
		want     chain.Status
		msg      string
	}{
		{name: "docker 403", source: fakeazure.SourceIMDS, endpoint: fakeazure.EndpointIMDS, fault: fakeazure.Fault{Unreachable403: true},
			want: chain.StatusUnavailable, msg: "unreachable"},
		{name: "400 system-assigned", source: fakeazure.SourceIMDS, opts: fakeazure.ManagedOptions{NoSystemAssigned: true},
			want: chain.StatusUnavailable, msg: "no system-assigned identity"},
		{name: "400 user-assigned", source: fakeazure.SourceIMDS, clientID: "9d1e3a61-0000-4000-8000-000000000001",
			want: chain.StatusFailed, msg: "the requested identity isn't assigned to this resource"},
		{name: "html in a chain", source: fakeazure.SourceIMDS, endpoint: fakeazure.EndpointIMDS, fault: fakeazure.Fault{HTML: true}, chained: true,
			want: chain.StatusUnavailable, msg: "something other than IMDS"},
		{name: "html alone", source: fakeazure.SourceIMDS, endpoint: fakeazure.EndpointIMDS, fault: fakeazure.Fault{HTML: true},
			want: chain.StatusFailed, msg: "an HTML page"},
		{name: "truncated json", source: fakeazure.SourceIMDS, endpoint: fakeazure.EndpointIMDS, fault: fakeazure.Fault{TruncatedJSON: true},
			want: chain.StatusFailed, msg: "incomplete JSON"},
		{name: "oversized", source: fakeazure.SourceIMDS, endpoint: fakeazure.EndpointIMDS, fault: fakeazure.Fault{Oversized: 3 << 20},
			want: chain.StatusFailed, msg: "larger than 1024 KiB"},
		{name: "oversized in a chain", source: fakeazure.SourceIMDS, endpoint: fakeazure.EndpointIMDS, fault: fakeazure.Fault{Oversized: 3 << 20}, chained: true,
			want: chain.StatusUnavailable, msg: "larger than 1024 KiB"},
		{name: "reset mid body", source: fakeazure.SourceAppService, endpoint: fakeazure.EndpointAppService, fault: fakeazure.Fault{ResetMidBody: true},
			want: chain.StatusFailed, msg: "broke while it was sending its 200 answer"},
		{name: "no access_token", source: fakeazure.SourceIMDS, endpoint: fakeazure.EndpointIMDS, fault: fakeazure.Fault{NoAccessToken: true},
			want: chain.StatusFailed, msg: "without an access_token"},
		{name: "app service html", source: fakeazure.SourceAppService, endpoint: fakeazure.EndpointAppService, fault: fakeazure.Fault{HTML: true, Status: 502},
			want: chain.StatusFailed, msg: "answered 502 after 4 attempts with an HTML page"},
		{name: "app service 403 is no docker", source: fakeazure.SourceAppService, endpoint: fakeazure.EndpointAppService, fault: fakeazure.Fault{Unreachable403: true},
			want: chain.StatusFailed, msg: "answered 403"},
		{name: "cloud shell 500", source: fakeazure.SourceCloudShell, endpoint: fakeazure.EndpointCloudShell, fault: fakeazure.Fault{Status: 500},
			want: chain.StatusFailed, msg: "Cloud Shell endpoint answered 500 after 4 attempts"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newMIFake(t, tc.opts)
			if tc.endpoint != "" {
				f.SetFault(tc.endpoint, tc.fault)
			}
			cfg := miUse(t, f, tc.source, nil)
			cfg.ProbeIMDS, cfg.ClientID = tc.chained, tc.clientID
			_, err := newTestMI(cfg).GetToken(miCtx(t, 10*time.Second), miReq())
			if chain.StatusOf(err) != tc.want || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v (%s), want %s mentioning %q", err, chain.StatusOf(err), tc.want, tc.msg)
			}
			// Fake tokens are JWTs; none may leak through an error.
			assertMINoSecret(t, "the error", err.Error()+chain.HintOf(err), "eyJ", f.Secret())
		})
	}
}

func TestManagedRetries(t *testing.T) {
	t.Run("retry-after honoured", func(t *testing.T) {
		f := newMIFake(t, fakeazure.ManagedOptions{})
		f.SetFault(fakeazure.EndpointIMDS, fakeazure.Fault{Status: 429, RetryAfter: "1", Times: 1})
		m := newTestMI(miUse(t, f, fakeazure.SourceIMDS, nil))
		start := time.Now()
		out := chain.Try(miCtx(t, 10*time.Second), m, miReq())
		if out.Status != chain.StatusOK {
			t.Fatalf("outcome = %s: %s", out.Status, out.Reason)
		}
		if waited := time.Since(start); waited < 900*time.Millisecond {
			t.Fatalf("retried after %v, before Retry-After's 1s", waited)
		}
		if len(out.Requests) != 2 || out.Requests[0].Status != 429 || out.Requests[1].Status != 200 {
			t.Fatalf("recorded requests = %+v, want 429 then 200", out.Requests)
		}
	})

	t.Run("backoff without retry-after", func(t *testing.T) {
		f := newMIFake(t, fakeazure.ManagedOptions{})
		f.SetFault(fakeazure.EndpointIMDS, fakeazure.Fault{Status: 503, Times: 2})
		m := newTestMI(miUse(t, f, fakeazure.SourceIMDS, nil))
		if _, err := m.GetToken(miCtx(t, 10*time.Second), miReq()); err != nil {
			t.Fatal(err)
		}
		if n := f.Count(fakeazure.EndpointIMDS); n != 3 {
			t.Fatalf("%d requests, want 3", n)
		}
	})

	t.Run("retry-after beyond the deadline", func(t *testing.T) {
		f := newMIFake(t, fakeazure.ManagedOptions{})
		f.SetFault(fakeazure.EndpointIMDS, fakeazure.Fault{Status: 503, RetryAfter: "30"})
		m := newTestMI(miUse(t, f, fakeazure.SourceIMDS, nil))
		ctx := miCtx(t, 3*time.Second)
		_, err := m.GetToken(ctx, miReq())
		if chain.StatusOf(err) != chain.StatusTimedOut || !strings.Contains(err.Error(), "asked to retry after 30s, but only") {
			t.Fatalf("err = %v, want a timeout saying Retry-After exceeds the time left", err)
		}
		if ctx.Err() != nil || f.Count(fakeazure.EndpointIMDS) != 1 {
			t.Fatalf("waited for the deadline (%v) or retried (%d requests)", ctx.Err(), f.Count(fakeazure.EndpointIMDS))
		}
	})

	t.Run("hang bounded by the deadline", func(t *testing.T) {
		f := newMIFake(t, fakeazure.ManagedOptions{})
		f.SetFault(fakeazure.EndpointAppService, fakeazure.Fault{Hang: true})
		m := newTestMI(miUse(t, f, fakeazure.SourceAppService, nil))
		_, err := m.GetToken(miCtx(t, 300*time.Millisecond), miReq())
		if chain.StatusOf(err) != chain.StatusTimedOut || !strings.Contains(err.Error(), "did not answer before the deadline") {
			t.Fatalf("err = %v (%s), want timed out", err, chain.StatusOf(err))
		}
	})

	t.Run("a hung attempt is retried", func(t *testing.T) {
		f := newMIFake(t, fakeazure.ManagedOptions{})
		f.SetFault(fakeazure.EndpointIMDS, fakeazure.Fault{Hang: true, Times: 1})
		m := newTestMI(miUse(t, f, fakeazure.SourceIMDS, nil))
		m.retry.perAttempt = 200 * time.Millisecond
		if _, err := m.GetToken(miCtx(t, 10*time.Second), miReq()); err != nil {
			t.Fatal(err)
		}
		if n := f.Count(fakeazure.EndpointIMDS); n != 2 {
			t.Fatalf("%d requests, want 2", n)
		}
	})

	t.Run("every attempt hangs", func(t *testing.T) {
		f := newMIFake(t, fakeazure.ManagedOptions{})
		f.SetFault(fakeazure.EndpointIMDS, fakeazure.Fault{HangMidBody: true})
		m := newTestMI(miUse(t, f, fakeazure.SourceIMDS, nil))
		m.retry.perAttempt, m.retry.attempts = 100*time.Millisecond, 2
		_, err := m.GetToken(miCtx(t, 10*time.Second), miReq())
		if chain.StatusOf(err) != chain.StatusTimedOut || !strings.Contains(err.Error(), "did not answer within 100ms, 2 times") {
			t.Fatalf("err = %v (%s)", err, chain.StatusOf(err))
		}
		assertMINoSecret(t, "the error", err.Error(), "eyJ")
	})
}

func TestManagedCoalesces(t *testing.T) {
	f := newMIFake(t, fakeazure.ManagedOptions{})
	f.SetFault(fakeazure.EndpointIMDS, fakeazure.Fault{Delay: 300 * time.Millisecond, Times: 1})
	cfg := miUse(t, f, fakeazure.SourceIMDS, nil)
	req := miReq()
	const n = 8
	var wg sync.WaitGroup
	toks := make([]string, n)
	errs := make([]error, n)
	// One source asked by many at once, as serve's requests for one
	// identity ask the chain it keeps for that identity.
	m := newTestMI(cfg)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := m.GetToken(miCtx(t, 10*time.Second), req)
			toks[i], errs[i] = tok.AccessToken, err
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || toks[i] == "" || toks[i] != toks[0] {
			t.Fatalf("caller %d: err %v, same token %v", i, errs[i], toks[i] == toks[0])
		}
	}
	if c := f.Count(fakeazure.EndpointIMDS); c != 1 {
		t.Fatalf("%d requests reached IMDS, want 1", c)
	}
}

func TestManagedPodIdentityHost(t *testing.T) {
	f := newMIFake(t, fakeazure.ManagedOptions{})
	cfg := miUse(t, f, fakeazure.SourceIMDS, nil)
	out := chain.Try(miCtx(t, 10*time.Second), newTestMI(cfg), miReq())
	if out.Status != chain.StatusOK || len(out.Requests) != 1 {
		t.Fatalf("outcome %s (%s), %d requests", out.Status, out.Reason, len(out.Requests))
	}
	if want := f.URL() + fakeazure.IMDSPath + "?"; !strings.HasPrefix(out.Requests[0].URL, want) {
		t.Fatalf("request went to %s, want %s…", out.Requests[0].URL, want)
	}
}

func TestManagedSecretsNeverShown(t *testing.T) {
	f := newMIFake(t, fakeazure.ManagedOptions{})
	secret := f.Secret()
	for _, source := range []string{fakeazure.SourceAppService, fakeazure.SourceAzureML, fakeazure.SourceServiceFabric} {
		t.Run(source, func(t *testing.T) {
			endpoint := source
			f.SetFault(endpoint, fakeazure.Fault{Status: 401, Body: `{"error":"unauthorized","error_description":"bad secret ` + secret + `"}`})
			t.Cleanup(f.ClearFaults)
			cfg := miUse(t, f, source, nil)
			m := newTestMI(cfg)
			_, err := m.GetToken(miCtx(t, 10*time.Second), miReq())
			if chain.StatusOf(err) != chain.StatusFailed || !strings.Contains(err.Error(), "answered 401") {
				t.Fatalf("err = %v, want failed: answered 401", err)
			}
			assertMINoSecret(t, "the error", err.Error()+chain.HintOf(err), secret)
			assertMINoSecret(t, "Describe", miDescribeText(m.Describe(miReq())), secret)
		})
	}

	t.Run("token in an unreadable answer", func(t *testing.T) {
		const token = "secret-access-token-value"
		f.SetFault(fakeazure.EndpointAppService, fakeazure.Fault{Body: `{"access_token":"` + token + `","token_type":"Bearer"}`})
		t.Cleanup(f.ClearFaults)
		_, err := newTestMI(miUse(t, f, fakeazure.SourceAppService, nil)).GetToken(miCtx(t, 10*time.Second), miReq())
		if chain.StatusOf(err) != chain.StatusFailed {
			t.Fatalf("err = %v, want failed", err)
		}
		assertMINoSecret(t, "the error", err.Error(), token)
	})
}

func TestManagedServiceFabricPin(t *testing.T) {
	f := newMIFake(t, fakeazure.ManagedOptions{})
	cfg := miUse(t, f, fakeazure.SourceServiceFabric, map[string]string{
		"IDENTITY_SERVER_THUMBPRINT": strings.Repeat("AB", 20),
	})
	_, err := newTestMI(cfg).GetToken(miCtx(t, 10*time.Second), miReq())
	if chain.StatusOf(err) != chain.StatusFailed || !strings.Contains(err.Error(), "IDENTITY_SERVER_THUMBPRINT") {
		t.Fatalf("err = %v, want failed on the thumbprint", err)
	}
	if n := f.Count(fakeazure.EndpointServiceFabric); n != 0 {
		t.Fatalf("the secret reached an unpinned server (%d requests)", n)
	}
}

func TestManagedEnvMismatch(t *testing.T) {
	f := newMIFake(t, fakeazure.ManagedOptions{})
	miUse(t, f, fakeazure.SourceIMDS, nil)
	cfg := Config{Env: env.Map(f.Env(fakeazure.SourceAppService))}
	_, err := newTestMI(cfg).GetToken(miCtx(t, 10*time.Second), miReq())
	if chain.StatusOf(err) != chain.StatusFailed || !strings.Contains(err.Error(), "reads the process environment") {
		t.Fatalf("err = %v, want a refusal to go on", err)
	}
	if len(f.Requests()) != 0 {
		t.Fatalf("requests were sent: %v", f.Counts())
	}
}
