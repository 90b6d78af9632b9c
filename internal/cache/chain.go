package cache

import (
	"context"
	"strings"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
)

// Served says how FromChain got its token.
type Served int

const (
	// Fetched: the chain ran and its token was stored.
	Fetched Served = iota
	// Hit: a cached token with more than minValidity left.
	Hit
	// Stale: the chain failed, and a cached token due for refresh but
	// still valid was served instead.
	Stale
)

// ChainKey names what a cached token answers: the request and every
// selected source's view of who it would answer as. Any change to the
// environment, a user-assigned id or a developer tool's login changes a
// source's key and so this one, and the chain runs again. Within one key
// the answer is the one the chain gave last time, so a token from az is
// served only while everything before az is as it was then. The Entra
// sources' keys carry digests of their credentials, so a changed or wrong
// secret asks Entra ID again; Key keys the result so that the entry's
// name reveals none of it.
func (c *Cache) ChainKey(req chain.Request, sources []chain.Source) string {
	parts := []string{"chain-v1", strings.Join(req.Scopes, " "), req.Tenant}
	for _, s := range sources {
		k := "-"
		if kr, ok := s.(chain.Keyer); ok {
			if v, ok := kr.CacheKey(req); ok {
				k = v
			}
		}
		parts = append(parts, s.Name()+"="+k)
	}
	return c.Key(parts...)
}

// FromChain gets req's token from ch through the cache: a cached token
// with more than minValidity left at once, else the chain's answer
// (fetched by one process while others wait, see Acquire). When the
// chain fails, a token due for refresh but still valid is served rather
// than none (Entra ID briefly down, az slow to start). The entry names
// the source behind the token.
func (c *Cache) FromChain(ctx context.Context, ch *chain.Chain, req chain.Request, minValidity time.Duration) (Entry, Served, error) {
	return c.AcquireOrStale(ctx, c.ChainKey(req, ch.Sources), minValidity, func(ctx context.Context) (Entry, error) {
		tok, res, err := ch.GetToken(ctx, req)
		if err != nil {
			return Entry{}, err
		}
		var names []string
		for _, s := range ch.Sources {
			names = append(names, s.Name())
		}
		return Entry{Token: tok, Source: res.Outcomes[res.Winner].Source, Scopes: req.Scopes, Chain: names}, nil
	})
}
