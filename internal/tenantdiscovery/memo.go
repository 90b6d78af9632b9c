package tenantdiscovery

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/aztoken/aztoken/internal/safefile"
)

// MemoTTL is how long a discovered tenant is remembered. An organization
// rarely moves to another tenant; when it does, the helper's erase (git
// calls it after the server refused a token) forgets it sooner.
const MemoTTL = 7 * 24 * time.Hour

// memoMax bounds the file: a few hundred organizations fit many times.
const memoMax = 256 << 10

// Memo remembers the tenant found for each key (an organization) in one
// small JSON file, so that discovery costs one request per organization a
// week rather than one per git command. Tenant ids are not secrets. Two
// processes writing at once may each lose the other's new entry; it is
// found again by the next discovery. A nil *Memo remembers nothing.
type Memo struct {
	path string
	now  func() time.Time
}

type memoEntry struct {
	// Tenant is empty when the service named none (Microsoft accounts).
	Tenant string    `json:"tenant"`
	At     time.Time `json:"at"`
}

// NewMemo keeps its file in dir (the token cache's directory).
func NewMemo(dir string) *Memo {
	return &Memo{path: filepath.Join(dir, "tenants.json"), now: time.Now}
}

// Get returns the tenant remembered for key; ok is false when there is
// none younger than MemoTTL. A remembered "no tenant" is ok with "".
func (m *Memo) Get(key string) (tenant string, ok bool) {
	if m == nil {
		return "", false
	}
	e, found := m.load()[strings.ToLower(key)]
	if !found || m.now().Sub(e.At) > MemoTTL || m.now().Before(e.At.Add(-time.Minute)) {
		return "", false
	}
	if e.Tenant != "" {
		if _, valid := tenantID(e.Tenant); !valid {
			return "", false
		}
	}
	return e.Tenant, true
}

// Put remembers tenant ("" for none) for key.
func (m *Memo) Put(key, tenant string) error {
	if m == nil {
		return nil
	}
	return m.update(func(all map[string]memoEntry) {
		all[strings.ToLower(key)] = memoEntry{Tenant: tenant, At: m.now().UTC()}
	})
}

// Forget drops key's entry.
func (m *Memo) Forget(key string) error {
	if m == nil {
		return nil
	}
	return m.update(func(all map[string]memoEntry) { delete(all, strings.ToLower(key)) })
}

func (m *Memo) load() map[string]memoEntry {
	all := map[string]memoEntry{}
	b, err := safefile.Read(m.path, memoMax)
	if err != nil {
		return all
	}
	if json.Unmarshal(b, &all) != nil {
		return map[string]memoEntry{}
	}
	return all
}

// update rewrites the file through a temporary one, so a reader never
// sees half of it; expired entries are dropped on the way.
func (m *Memo) update(f func(map[string]memoEntry)) error {
	all := m.load()
	for k, e := range all {
		if m.now().Sub(e.At) > MemoTTL {
			delete(all, k)
		}
	}
	f(all)
	b, err := json.Marshal(all)
	if err != nil {
		return err
	}
	return safefile.WriteAtomic(m.path, b, 0o600)
}

// FromMemo is the Source of a tenant Find remembered rather than asked
// for.
const FromMemo Source = "remembered"

// Find returns the tenant for key: the one remembered, or else the one
// Discover reads from target's answer, which is then remembered, as is an
// answer that names none. A remembered or discovered "no tenant" is
// ErrNoTenant; src is FromMemo for what was remembered. A nil client is
// made only when a request is needed (a client starts loading the
// system's CA certificates). The git helper and the feed helpers share
// this flow and word its outcome each in their own terms.
func (m *Memo) Find(ctx context.Context, client *http.Client, key, target string) (tenant string, src Source, err error) {
	if tid, ok := m.Get(key); ok {
		if tid == "" {
			return "", FromMemo, ErrNoTenant
		}
		return tid, FromMemo, nil
	}
	if client == nil {
		client = NewClient()
	}
	tid, src, err := Discover(ctx, client, target)
	switch {
	case errors.Is(err, ErrNoTenant):
		_ = m.Put(key, "")
		return "", "", err
	case err != nil:
		return "", "", err
	}
	_ = m.Put(key, tid)
	return tid, src, nil
}
