package serve

import (
	"container/list"
	"context"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/aztoken/aztoken/internal/chain"
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

// Bounds on what clients can make the server hold or start. Each
// distinct resource and identity is a key a client chooses; without
// bounds, 100,000 distinct resources are 100,000 cached tokens and, at
// once, as many az processes.
const (
	// DefaultMaxEntries bounds the cached tokens (a token is a few KiB).
	DefaultMaxEntries = 4096
	// DefaultMaxUpstream bounds the acquisitions running at once; the
	// rest wait their turn, within their timeout.
	DefaultMaxUpstream = 8
)

// entry is one cached token.
type entry struct {
	key       string
	tok       chain.Token
	fetched   time.Time
	refreshAt time.Time
	elem      *list.Element // its place in cache.lru
	used      atomic.Uint64 // the epoch it was last moved to the front in
}

// cache holds tokens per identity and resource, coalesces acquisitions,
// bounds how many run at once, and keeps at most max tokens, dropping the
// least recently used (expired ones first, as they are found).
type cache struct {
	provider Provider
	timeout  time.Duration
	now      func() time.Time
	onError  func(key string, err error) // a background refresh failed
	max      int
	slots    chan struct{} // one per acquisition allowed at once

	mu      sync.RWMutex
	gen     atomic.Uint64 // counts stores: the LRU's epochs (see lookup)
	entries map[string]*entry
	lru     *list.List // of *entry, most recently used first
	// nextTry holds, per key, when a failed background refresh may run
	// again; guarded by mu, and bounded with entries.
	nextTry map[string]time.Time

	group singleflight.Group
	bg    sync.WaitGroup // background refreshes, waited for on close
	ctx   context.Context
	stop  context.CancelFunc
}

func newBoundedCache(p Provider, timeout time.Duration, now func() time.Time, maxEntries, maxUpstream int) *cache {
	ctx, stop := context.WithCancel(context.Background())
	return &cache{
		provider: p,
		timeout:  timeout,
		now:      now,
		max:      maxEntries,
		slots:    make(chan struct{}, maxUpstream),
		entries:  map[string]*entry{},
		lru:      list.New(),
		nextTry:  map[string]time.Time{},
		ctx:      ctx,
		stop:     stop,
	}
}

// lookup returns the entry for key and marks it used. The cached path
// must not serialise every request on one lock, so an entry moves to the
// front of the LRU list once per epoch (between two stores) rather than
// on every hit: eviction happens only in store, so every entry used
// since the last store is still ahead of every entry that was not.
func (c *cache) lookup(key string) *entry {
	c.mu.RLock()
	e := c.entries[key]
	c.mu.RUnlock()
	if e == nil {
		return nil
	}
	if g := c.gen.Load(); e.used.Load() != g {
		c.mu.Lock()
		if c.entries[key] == e {
			c.lru.MoveToFront(e.elem)
		}
		e.used.Store(g)
		c.mu.Unlock()
	}
	return e
}

// store puts e in the cache, then drops entries until at most max
// remain: first expired ones at the cold end, then the least recently
// used.
func (c *cache) store(e *entry, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.entries[e.key]; old != nil {
		c.lru.Remove(old.elem)
	}
	e.elem = c.lru.PushFront(e)
	e.used.Store(c.gen.Add(1))
	c.entries[e.key] = e
	delete(c.nextTry, e.key)
	for back := c.lru.Back(); back != nil; back = c.lru.Back() {
		b := back.Value.(*entry)
		if len(c.entries) <= c.max && b.tok.ExpiresOn.Sub(now) > minRemaining {
			break
		}
		c.lru.Remove(back)
		delete(c.entries, b.key)
		delete(c.nextTry, b.key)
	}
	// nextTry marks keys whose refresh failed; keep it no larger than
	// the cache.
	if len(c.nextTry) > c.max {
		for k, t := range c.nextTry {
			if now.After(t) || len(c.nextTry) > c.max {
				delete(c.nextTry, k)
			}
		}
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
	// The exact spelling: the token's aud is the resource as the first
	// client asked, and an app that compares aud exactly must get its own.
	key := id.key() + "|" + resource
	now := c.now()
	e := c.lookup(key)
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
	// Wait for a slot: at most cap(slots) acquisitions run at once, and
	// the wait counts against the timeout.
	select {
	case c.slots <- struct{}{}:
		defer func() { <-c.slots }()
	case <-ctx.Done():
		return nil, chain.TimedOut("the upstream is slow and many tokens were asked for at once; try again", "no upstream slot came free within %s (%d acquisitions run at once)", c.timeout, cap(c.slots))
	}
	tok, err := c.provider.Token(ctx, resource, id)
	if err != nil {
		return nil, err
	}
	if tok.AccessToken == "" {
		return nil, chain.Failed(nil, "", "the credential answered without an access token")
	}
	fetched := c.now()
	// Every provider's token passes the chain's expiry rule here, once:
	// the relay's upstream, the emulator and the chain alike.
	if tok, err = chain.Settle(tok, fetched); err != nil {
		return nil, err
	}
	if tok.ExpiresOn.IsZero() {
		// Unknown lifetime: treat as short so it is not served for long.
		tok.ExpiresOn = fetched.Add(minRemaining)
	}
	e := &entry{key: key, tok: tok, fetched: fetched, refreshAt: refreshTime(tok, fetched)}
	c.store(e, fetched)
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
