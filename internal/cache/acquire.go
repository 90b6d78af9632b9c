package cache

import (
	"context"
	"time"
)

// Acquire returns a token for key: from the cache when Get would serve
// one (fromCache is true), else from fetch, whose entry it then stores.
//
// Processes and goroutines asking for the same key coordinate through a
// per-key lock file: one fetches while the others wait, then read what it
// stored, so fifty processes started together on an empty cache reach the
// source once. Waiting ends with ctx.
//
// A failed fetch is returned as is and nothing is stored. A caller that
// would rather use a token past its refresh time than fail may then call
// GetStale, which serves a token still valid beyond minValidity.
//
// Failing to lock (other than for ctx) or to store the token is reported
// through Notice and does not fail the call: the cache must never stand
// between the user and a token.
func (c *Cache) Acquire(ctx context.Context, key string, minValidity time.Duration, fetch func(context.Context) (Entry, error)) (e Entry, fromCache bool, err error) {
	if c == nil {
		e, err = fetch(ctx)
		return e, false, err
	}
	if err := checkKey(key); err != nil {
		return Entry{}, false, err
	}
	if e, ok := c.get(key, minValidity, false, false); ok {
		return e, true, nil
	}
	fl, err := c.lock(ctx, key+lockExt)
	if err != nil {
		if ctx.Err() != nil {
			return Entry{}, false, err
		}
		c.notice(err.Error() + "; fetching without it")
	} else {
		defer fl.Unlock()
		// Whoever held the lock may have stored a token meanwhile. Quiet:
		// a bad file was reported by the first read.
		if e, ok := c.get(key, minValidity, false, true); ok {
			return e, true, nil
		}
	}
	e, err = fetch(ctx)
	if err != nil {
		return Entry{}, false, err
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = c.now()
	}
	if err := c.write(key, e); err != nil {
		c.notice("did not store the token: " + err.Error())
	}
	return e, false, nil
}

// AcquireOrStale is Acquire for a caller that would rather serve a token
// past its refresh time than fail: when fetch fails, a token still valid
// beyond minValidity (GetStale) is served instead (Entra ID or a registry
// briefly down, az slow to start). Served says which it was.
func (c *Cache) AcquireOrStale(ctx context.Context, key string, minValidity time.Duration, fetch func(context.Context) (Entry, error)) (Entry, Served, error) {
	e, hit, err := c.Acquire(ctx, key, minValidity, fetch)
	switch {
	case err != nil:
		if stale, ok := c.GetStale(key, minValidity); ok {
			return stale, Stale, nil
		}
		return Entry{}, Fetched, err
	case hit:
		return e, Hit, nil
	}
	return e, Fetched, nil
}
