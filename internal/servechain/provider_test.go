package servechain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/serve"
	"github.com/aztoken/aztoken/internal/source"
)

// countedSource answers every request and counts how often it was built
// and asked; unavailable makes it say it has nothing to offer.
type countedSource struct {
	name        string
	asked       *atomic.Int64
	unavailable bool
	cfg         source.Config
	scopes      *[]string // when set, collects the scopes asked for
}

func (s *countedSource) Name() string { return s.name }

func (s *countedSource) GetToken(_ context.Context, req chain.Request) (chain.Token, error) {
	s.asked.Add(1)
	if s.scopes != nil {
		*s.scopes = append(*s.scopes, req.Scopes...)
	}
	if s.unavailable {
		return chain.Token{}, chain.Unavailable("", "no IMDS here")
	}
	return chain.Token{AccessToken: "tok-" + s.name + "-" + s.cfg.ClientID, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// countedBuild is a Provider's Build that makes counted sources and
// counts how often each name was built and asked.
type countedBuild struct {
	unavailable  map[string]bool
	built, asked map[string]*atomic.Int64
	scopes       []string // every scope asked of any source
}

func newCountedBuild(unavailable map[string]bool) *countedBuild {
	return &countedBuild{unavailable: unavailable, built: map[string]*atomic.Int64{}, asked: map[string]*atomic.Int64{}}
}

func (b *countedBuild) count(m map[string]*atomic.Int64, n string) *atomic.Int64 {
	if m[n] == nil {
		m[n] = &atomic.Int64{}
	}
	return m[n]
}

// provider returns a Provider over the named sources that builds
// counted ones.
func (b *countedBuild) provider(names ...string) *Provider {
	for _, n := range names {
		b.count(b.built, n)
		b.count(b.asked, n)
	}
	return New(Options{Names: names, Build: func(n string, c source.Config) (chain.Source, error) {
		b.built[n].Add(1)
		return &countedSource{name: n, asked: b.asked[n], unavailable: b.unavailable[n], cfg: c, scopes: &b.scopes}, nil
	}})
}

// serve builds the chain's sources once per identity, so what they keep
// (MSAL's in-memory cache, managed identity's probe) lasts across requests.
func TestBuildsSourcesOncePerIdentity(t *testing.T) {
	b := newCountedBuild(nil)
	p := b.provider(chain.Managed, chain.AzureCLI)
	built := b.built
	const req = "https://vault.azure.net"
	one, two := serve.Identity{ClientID: guid(1)}, serve.Identity{ClientID: guid(2)}
	ids := []serve.Identity{{}, {}, one, one, {}, two}
	for _, id := range ids {
		if _, err := p.Token(context.Background(), req, id); err != nil {
			t.Fatal(err)
		}
	}
	// Three identities: three managed sources, and az only for the
	// system-assigned one (a user-assigned identity goes to managed
	// identity alone).
	if got := built[chain.Managed].Load(); got != 3 {
		t.Errorf("managed identity built %d times for 3 identities", got)
	}
	if got := built[chain.AzureCLI].Load(); got != 1 {
		t.Errorf("az built %d times, want once", got)
	}
}

// A user-assigned identity the chain cannot honour is "identity not
// found", never the az user's token: when managed identity is not
// selected (az is not asked at all), and when it is but is unavailable.
func TestIdentityNotFound(t *testing.T) {
	b := newCountedBuild(map[string]bool{chain.Managed: true})
	const req = "https://vault.azure.net"
	id := serve.Identity{ClientID: "0d9b4c4e-0000-4000-8000-000000000001"}
	for _, names := range [][]string{{chain.AzureCLI}, {chain.Managed, chain.AzureCLI}} {
		p := b.provider(names...)
		tok, err := p.Token(context.Background(), req, id)
		if !errors.Is(err, serve.ErrIdentityNotFound) || tok.AccessToken != "" {
			t.Errorf("sources %v: %q, %v; want identity not found", names, tok.AccessToken, err)
		}
		// The system-assigned identity still gets az's token.
		if tok, err := p.Token(context.Background(), req, serve.Identity{}); err != nil || tok.AccessToken != "tok-"+chain.AzureCLI+"-" {
			t.Errorf("sources %v, system-assigned: %q, %v", names, tok.AccessToken, err)
		}
	}
	if n := b.asked[chain.AzureCLI].Load(); n != 2 {
		t.Errorf("az was asked %d times; want only the 2 system-assigned requests", n)
	}
}

// Every distinct user-assigned id a client sends through serve used to
// leave an MSAL client, its transport and an open connection behind for
// good; what serve holds per identity is now bounded by the chains it
// keeps. The endpoint refuses every identity, as Azure does for one that
// is not assigned, over keep-alive connections.
func TestDistinctIdentitiesStayBounded(t *testing.T) {
	var open atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"statusCode":400,"message":"No User Assigned or Delegated Managed Identity found for specified ClientId/ResourceId/PrincipalId."}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			open.Add(1)
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	vars := map[string]string{"IDENTITY_ENDPOINT": srv.URL + "/msi/token", "IDENTITY_HEADER": "fake-identity-header-secret"}
	// MSAL reads the process environment; the source checks it agrees.
	for k, v := range vars {
		t.Setenv(k, v)
	}
	t.Setenv("MSI_ENDPOINT", "")
	t.Setenv("AZURE_CLIENT_ID", "")
	e := env.Map(vars)
	p := New(Options{Names: []string{chain.Managed}, Config: source.Config{Env: e}})
	const req = "https://vault.azure.net"
	const n = 300
	ask := func(i int) {
		id := serve.Identity{ClientID: guid(i)}
		if _, err := p.Token(context.Background(), req, id); err == nil {
			t.Fatalf("identity %d got a token from an endpoint that refuses every identity", i)
		}
	}
	// What is made once (the system's root certificates, MSAL's and
	// net/http's package state) is made before the count starts.
	for i := range MaxIdentityChains {
		ask(n + i)
	}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range n {
		ask(i)
	}
	// A dropped chain closes its idle connections; the server sees them
	// close a moment later.
	deadline := time.Now().Add(10 * time.Second)
	for open.Load() > MaxIdentityChains && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	var after runtime.MemStats
	// Twice, with a pause: a closed connection's file is freed by a
	// cleanup that the first collection only queues.
	runtime.GC()
	time.Sleep(100 * time.Millisecond)
	runtime.GC()
	runtime.ReadMemStats(&after)
	t.Logf("%d identities: %d connections open, heap %+d KiB", n, open.Load(), (int64(after.HeapAlloc)-int64(before.HeapAlloc))/1024)
	if got := open.Load(); got > MaxIdentityChains {
		t.Errorf("%d connections stay open after %d distinct identities; want at most %d (one per kept chain)", got, n, MaxIdentityChains)
	}
	// Per identity beyond the kept chains, the heap may not grow by a
	// transport and an MSAL client (several KiB each).
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 1<<20 {
		t.Errorf("the heap grew by %d KiB for %d distinct identities; what serve holds per identity must be bounded", grown/1024, n)
	}
}

// guid makes the n-th client id of a test.
func guid(n int) string { return fmt.Sprintf("0d9b4c4e-0000-4000-8000-%012d", n) }

// The chains kept per identity are a least-recently-used set: an
// identity clients keep asking for is never dropped for one asked once,
// and the system-assigned identity's chain is never dropped at all.
func TestKeepsRecentlyUsedIdentities(t *testing.T) {
	b := newCountedBuild(nil)
	p := b.provider(chain.Managed, chain.AzureCLI)
	built := b.built
	const req = "https://vault.azure.net"
	ask := func(id serve.Identity) {
		t.Helper()
		if _, err := p.Token(context.Background(), req, id); err != nil {
			t.Fatal(err)
		}
	}
	hot := serve.Identity{ClientID: guid(0)}
	ask(serve.Identity{})
	ask(hot)
	// Each new identity past the cap drops the least recently used one;
	// hot is asked between any two, so it is never that one.
	const rounds = 300
	for i := 1; i <= rounds; i++ {
		ask(serve.Identity{ClientID: guid(i)})
		ask(hot)
		ask(serve.Identity{})
	}
	// One managed source for the system-assigned chain, one for hot, one
	// per new identity.
	if got, want := built[chain.Managed].Load(), int64(2+rounds); got != want {
		t.Errorf("managed identity built %d times, want %d: a recently used identity's chain was dropped", got, want)
	}
	if got := built[chain.AzureCLI].Load(); got != 1 {
		t.Errorf("az built %d times, want once: the system-assigned chain was dropped", got)
	}
	// The oldest one-off identity is gone; the newest is still kept.
	ask(serve.Identity{ClientID: guid(rounds)})
	if got, want := built[chain.Managed].Load(), int64(2+rounds); got != want {
		t.Errorf("the newest identity's chain was rebuilt")
	}
	ask(serve.Identity{ClientID: guid(1)})
	if got, want := built[chain.Managed].Load(), int64(3+rounds); got != want {
		t.Errorf("the oldest identity's chain was kept past the cap")
	}
}

// The chain is asked for the resource's .default scope, the client's
// trailing slash kept, as get --resource keeps it.
func TestAsksForTheResourcesScope(t *testing.T) {
	b := newCountedBuild(nil)
	p := b.provider(chain.AzureCLI)
	for _, res := range []string{"api://a", "api://a/", "https://management.azure.com/"} {
		if _, err := p.Token(context.Background(), res, serve.Identity{}); err != nil {
			t.Fatal(err)
		}
	}
	want := "api://a/.default api://a//.default https://management.azure.com//.default"
	if got := strings.Join(b.scopes, " "); got != want {
		t.Errorf("scopes asked: %s\nwant: %s", got, want)
	}
}
