package servechain

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/resources"
	"github.com/aztoken/aztoken/internal/serve"
	"github.com/aztoken/aztoken/internal/source"
)

// Options are what the Provider builds chains from.
type Options struct {
	// Names are the selected sources, in chain order (chain.Select's).
	Names []string
	// Config is every source's configuration; a user-assigned identity's
	// chain gets its id in ClientID, ObjectID or ResourceID.
	Config source.Config
	// Hedge and OnOutcome go to every chain (chain.Chain's fields).
	Hedge     time.Duration
	OnOutcome func(chain.Outcome)
	// Build makes a source by name; nil means source.New. Tests count
	// what is built through it.
	Build func(name string, cfg source.Config) (chain.Source, error)
}

// Provider serves each request from the host's credential chain.
// Sources are built once per identity and kept, so that what they learn
// lasts: the MSAL clients' in-memory caches, managed identity's probe.
// A user-assigned identity a client asks for goes to managed identity
// alone, the one source that can honour it; when that source is not
// selected or not available here, the answer is "identity not found",
// never another identity's token. The server's own cache (per identity
// and resource) keeps the chain from running more than it must, and the
// server bounds each acquisition (one timeout, serve.Options').
type Provider struct {
	o Options

	mu sync.Mutex
	// own is the system-assigned identity's chain, kept for the whole
	// run; users holds user-assigned identities' chains, which clients
	// choose: at most MaxIdentityChains, the least recently used dropped.
	own   *chain.Chain
	users *lru.Cache[serve.Identity, *chain.Chain]
}

// MaxIdentityChains bounds the user-assigned identities' chains kept.
const MaxIdentityChains = 32

// New returns a Provider; nothing is built until a client asks.
func New(o Options) *Provider {
	if o.Build == nil {
		o.Build = source.New
	}
	p := &Provider{o: o}
	// A dropped chain's sources keep connections open to their endpoint
	// until the idle timeout; close them now, so that what a chain holds
	// goes with it.
	p.users, _ = lru.NewWithEvict(MaxIdentityChains, func(_ serve.Identity, ch *chain.Chain) { closeIdle(ch) })
	return p
}

// closeIdle closes the idle connections of the chain's sources that keep
// any.
func closeIdle(ch *chain.Chain) {
	for _, s := range ch.Sources {
		if c, ok := s.(interface{ CloseIdleConnections() }); ok {
			c.CloseIdleConnections()
		}
	}
}

// chainFor returns the chain for id, building it the first time.
func (p *Provider) chainFor(id serve.Identity) (*chain.Chain, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if id.IsZero() && p.own != nil {
		return p.own, nil
	}
	if ch, ok := p.users.Get(id); ok {
		return ch, nil
	}
	names, cfg := p.o.Names, p.o.Config
	if !id.IsZero() {
		names = []string{chain.Managed}
		cfg.ClientID, cfg.ObjectID, cfg.ResourceID = id.ClientID, id.ObjectID, id.ResourceID
	}
	sources := make([]chain.Source, 0, len(names))
	for _, n := range names {
		s, err := p.o.Build(n, cfg)
		if err != nil {
			return nil, err
		}
		sources = append(sources, s)
	}
	ch := &chain.Chain{Sources: sources, Hedge: p.o.Hedge, OnOutcome: p.o.OnOutcome}
	if id.IsZero() {
		p.own = ch
	} else {
		p.users.Add(id, ch)
	}
	return ch, nil
}

// Token gets a token for resource and id from the chain, which is asked
// for the resource's .default scope (trailing slash kept, as get
// --resource keeps it). serve has checked id with the --client-id rule.
func (p *Provider) Token(ctx context.Context, resource string, id serve.Identity) (chain.Token, error) {
	if !id.IsZero() && !slices.Contains(p.o.Names, chain.Managed) {
		return chain.Token{}, fmt.Errorf("only managed identity can give a token for %s, and it is not among the selected sources: %w", id, serve.ErrIdentityNotFound)
	}
	ch, err := p.chainFor(id)
	if err != nil {
		return chain.Token{}, err
	}
	tok, _, err := ch.GetToken(ctx, chain.Request{Scopes: []string{resources.ToScope(resource)}})
	var ce *chain.NoTokenError
	if err != nil && !id.IsZero() && errors.As(err, &ce) && ce.Status == chain.StatusUnavailable {
		return chain.Token{}, fmt.Errorf("managed identity, the only source that can give a token for %s, is not available here (%s): %w", id, ce.Outcomes[0].Reason, serve.ErrIdentityNotFound)
	}
	return tok, err
}
