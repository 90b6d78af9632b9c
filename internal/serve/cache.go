package serve

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/resources"
)

const (
	// minRemaining is how long a cached token must still live to be
	// served: the SDKs refresh a token with five minutes left, so one
	// handed out with less would be refreshed at once.
	minRemaining = 5 * time.Minute
	// retryAfterFailure spaces background refreshes after one fails, so
	// a broken upstream is not asked at the request rate.
	retryAfterFailure = 30 * time.Second
)

// entry is one cached token.
type entry struct {
	tok       chain.Token
	fetched   time.Time
	refreshAt time.Time
}

// cache holds tokens per identity and resource and coalesces acquisitions.
type cache struct {
	provider Provider
	timeout  time.Duration
	now      func() time.Time
	onError  func(key string, err error) // a background refresh failed

	mu      sync.RWMutex
	entries map[string]*entry
	// nextTry holds, per key, when a failed background refresh may run
	// again; guarded by mu.
	nextTry map[string]time.Time

	group singleflight.Group
	bg    sync.WaitGroup // background refreshes, waited for on close
	ctx   context.Context
	stop  context.CancelFunc
}

func newCache(p Provider, timeout time.Duration, now func() time.Time) *cache {
	ctx, stop := context.WithCancel(context.Background())
	return &cache{
		provider: p,
		timeout:  timeout,
		now:      now,
		entries:  map[string]*entry{},
		nextTry:  map[string]time.Time{},
		ctx:      ctx,
		stop:     stop,
	}
}

// refreshTime is when a token should be renewed: the issuer's refresh_on
// when given, else half its lifetime, and in any case before it drops
// under minRemaining, so that a request never has to wait for it.
func refreshTime(tok chain.Token, fetched time.Time) time.Time {
	at := tok.RefreshOn
	if at.IsZero() {
		at = fetched.Add(tok.ExpiresOn.Sub(fetched) / 2)
	}
	if latest := tok.ExpiresOn.Add(-2 * minRemaining); at.After(latest) {
		at = latest
	}
	// A short-lived token would otherwise be due at once, and every
	// request would start a refresh: leave at least a minute (or half
	// its life) between one fetch and the next.
	if earliest := fetched.Add(min(tok.ExpiresOn.Sub(fetched)/2, time.Minute)); at.Before(earliest) {
		at = earliest
	}
	return at
}

// get returns a token for resource and id, from the cache when it has
// more than minRemaining left, and the time it was fetched.
func (c *cache) get(ctx context.Context, resource string, id Identity) (chain.Token, time.Time, error) {
	key := id.key() + "|" + resources.TokenKey(resource)
	now := c.now()
	c.mu.RLock()
	e := c.entries[key]
	c.mu.RUnlock()
	if e != nil && e.tok.ExpiresOn.Sub(now) > minRemaining {
		if !now.Before(e.refreshAt) {
			c.refreshInBackground(key, resource, id, now)
		}
		return e.tok, e.fetched, nil
	}
	ch := c.group.DoChan(key, func() (any, error) { return c.fetch(key, resource, id) })
	select {
	case r := <-ch:
		if r.Err != nil {
			return chain.Token{}, time.Time{}, r.Err
		}
		e := r.Val.(*entry)
		return e.tok, e.fetched, nil
	case <-ctx.Done():
		return chain.Token{}, time.Time{}, ctx.Err()
	}
}

// fetch asks the provider and stores the answer. It runs under the
// singleflight key, detached from any one request, so that a client that
// goes away does not fail the others waiting for the same token.
func (c *cache) fetch(key, resource string, id Identity) (*entry, error) {
	ctx, cancel := context.WithTimeout(c.ctx, c.timeout)
	defer cancel()
	req := chain.Request{Scopes: []string{resources.ToScope(resource)}}
	tok, err := c.provider.Token(ctx, req, id)
	if err != nil {
		return nil, err
	}
	if tok.AccessToken == "" {
		return nil, chain.Failed(nil, "", "the credential answered without an access token")
	}
	fetched := c.now()
	if tok.ExpiresOn.IsZero() {
		// Unknown lifetime: treat as short so it is not served for long.
		tok.ExpiresOn = fetched.Add(minRemaining)
	}
	e := &entry{tok: tok, fetched: fetched, refreshAt: refreshTime(tok, fetched)}
	c.mu.Lock()
	c.entries[key] = e
	delete(c.nextTry, key)
	c.mu.Unlock()
	return e, nil
}

// refreshInBackground starts one refresh for key unless one is running or
// a recent one failed.
func (c *cache) refreshInBackground(key, resource string, id Identity, now time.Time) {
	c.mu.Lock()
	if t, ok := c.nextTry[key]; ok && now.Before(t) {
		c.mu.Unlock()
		return
	}
	// Mark the attempt so that the next requests do not start another
	// while this one runs; fetch clears the mark on success.
	c.nextTry[key] = now.Add(retryAfterFailure)
	c.mu.Unlock()
	if c.ctx.Err() != nil {
		return
	}
	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
		_, err, _ := c.group.Do(key, func() (any, error) { return c.fetch(key, resource, id) })
		if err != nil && c.onError != nil {
			c.onError(key, err)
		}
	}()
}

// close cancels background refreshes and waits for them.
func (c *cache) close() {
	c.stop()
	c.bg.Wait()
}
