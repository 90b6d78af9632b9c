package cache

import (
	"context"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
)

// keyedSource answers with tok (or fails with err), counts its calls,
// and keys its tokens by key, as a source whose credential it digests.
type keyedSource struct {
	tok   chain.Token
	err   error
	key   string
	calls int
}

func (s *keyedSource) Name() string { return "keyed" }

func (s *keyedSource) GetToken(context.Context, chain.Request) (chain.Token, error) {
	s.calls++
	return s.tok, s.err
}

func (s *keyedSource) CacheKey(chain.Request) (string, bool) { return s.key, true }

// FromChain: a fetch, then a hit; a changed source key fetches again; a
// failed refresh of a token past its refresh time serves it while it is
// valid; an expired one is not served.
func TestFromChain(t *testing.T) {
	c := openTest(t, ModePlain).Cache
	start := time.Now()
	now := start
	c.now = func() time.Time { return now }
	src := &keyedSource{tok: chain.Token{AccessToken: secret, ExpiresOn: start.Add(3 * time.Hour)}, key: "credential-1"}
	ch := &chain.Chain{Sources: []chain.Source{src}}
	req := chain.Request{Scopes: []string{"https://vault.azure.net/.default"}}
	ctx := context.Background()
	step := func(want Served, wantCalls int) {
		t.Helper()
		e, served, err := c.FromChain(ctx, ch, req, DefaultMinValidity)
		if err != nil || served != want || e.Token.AccessToken != secret || e.Source != "keyed" || src.calls != wantCalls {
			t.Fatalf("served %v (%v), source %q, %d calls; want %v, %d calls", served, err, e.Source, src.calls, want, wantCalls)
		}
	}
	step(Fetched, 1)
	step(Hit, 1)
	src.key = "credential-2" // a changed credential: the chain runs again
	step(Fetched, 2)
	// Past half its life (refresh time) the chain is asked again; it
	// fails, and the cached token, still valid, is served.
	now = start.Add(2 * time.Hour)
	src.err = chain.Failed(nil, "", "Entra ID is down")
	step(Stale, 3)
	// Expired: nothing to serve.
	now = start.Add(4 * time.Hour)
	if _, _, err := c.FromChain(ctx, ch, req, DefaultMinValidity); chain.StatusOf(err) != chain.StatusFailed {
		t.Fatalf("an expired token and a failing chain: %v, want the chain's error", err)
	}
}
