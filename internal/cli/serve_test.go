package cli

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
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
}

func (s *countedSource) Name() string { return s.name }

func (s *countedSource) GetToken(context.Context, chain.Request) (chain.Token, error) {
	s.asked.Add(1)
	if s.unavailable {
		return chain.Token{}, chain.Unavailable("", "no IMDS here")
	}
	return chain.Token{AccessToken: "tok-" + s.name + "-" + s.cfg.ClientID, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// withCountedSources replaces the constructors of the named sources for
// one test, and returns how often each was built and asked.
func withCountedSources(t *testing.T, unavailable map[string]bool, names ...string) (built, asked map[string]*atomic.Int64) {
	built, asked = map[string]*atomic.Int64{}, map[string]*atomic.Int64{}
	for _, n := range names {
		old := constructors[n]
		t.Cleanup(func() { constructors[n] = old })
		built[n], asked[n] = &atomic.Int64{}, &atomic.Int64{}
		constructors[n] = func(c source.Config) chain.Source {
			built[n].Add(1)
			return &countedSource{name: n, asked: asked[n], unavailable: unavailable[n], cfg: c}
		}
	}
	return built, asked
}

// serve builds the chain's sources once per identity, so what they keep
// (MSAL's in-memory cache, managed identity's probe) lasts across requests.
func TestServeBuildsSourcesOncePerIdentity(t *testing.T) {
	built, _ := withCountedSources(t, nil, chain.Managed, chain.AzureCLI)
	p := newChainProvider(&App{}, &serveOptions{}, &resolved{names: []string{chain.Managed, chain.AzureCLI}})
	req := chain.Request{Scopes: []string{"https://vault.azure.net/.default"}}
	ids := []serve.Identity{{}, {}, {ClientID: "a"}, {ClientID: "a"}, {}, {ClientID: "b"}}
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
func TestServeIdentityNotFound(t *testing.T) {
	_, asked := withCountedSources(t, map[string]bool{chain.Managed: true}, chain.Managed, chain.AzureCLI)
	req := chain.Request{Scopes: []string{"https://vault.azure.net/.default"}}
	id := serve.Identity{ClientID: "0d9b4c4e-0000-4000-8000-000000000001"}
	for _, names := range [][]string{{chain.AzureCLI}, {chain.Managed, chain.AzureCLI}} {
		p := newChainProvider(&App{}, &serveOptions{}, &resolved{names: names})
		tok, err := p.Token(context.Background(), req, id)
		if !errors.Is(err, serve.ErrIdentityNotFound) || tok.AccessToken != "" {
			t.Errorf("sources %v: %q, %v; want identity not found", names, tok.AccessToken, err)
		}
		// The system-assigned identity still gets az's token.
		if tok, err := p.Token(context.Background(), req, serve.Identity{}); err != nil || tok.AccessToken != "tok-"+chain.AzureCLI+"-" {
			t.Errorf("sources %v, system-assigned: %q, %v", names, tok.AccessToken, err)
		}
	}
	if n := asked[chain.AzureCLI].Load(); n != 2 {
		t.Errorf("az was asked %d times; want only the 2 system-assigned requests", n)
	}
}

// The first signal starts a graceful stop; a second one stops at once.
func TestServeSecondSignalAborts(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	registered := make(chan chan<- os.Signal, 1)
	aborted := make(chan struct{})
	var stderr strings.Builder
	done := make(chan struct{})
	go func() {
		defer close(done)
		abortOnSecondSignal(ctx, served, &stderr, func() { close(aborted) }, func(c chan<- os.Signal) func() {
			registered <- c
			return func() {}
		})
	}()
	cancel() // the first SIGINT
	c := <-registered
	c <- os.Interrupt // the second
	<-aborted
	<-done
	if !strings.Contains(stderr.String(), "interrupt again to stop at once") {
		t.Errorf("stderr: %q", stderr.String())
	}
	// A server that stops by itself leaves nothing waiting.
	served2 := make(chan struct{})
	close(served2)
	abortOnSecondSignal(context.Background(), served2, &stderr, func() { t.Error("aborted") }, nil)
}

func TestSameHostPort(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"169.254.169.254:80", "169.254.169.254:80", true},
		{"169.254.169.254:80", "169.254.169.254:8080", false},
		{"127.0.0.1:80", "169.254.169.254:80", false},
		{"[::1]:80", "[0:0::1]:80", true},
		{"LocalHost.:80", "localhost:80", true},
		{"169.254.169.254", "169.254.169.254:80", false},
	} {
		if got := sameHostPort(c.a, c.b); got != c.want {
			t.Errorf("sameHostPort(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
