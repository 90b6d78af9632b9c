package cache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/httpx"
)

// secret is the token in test entries; no notice, error or listing may
// ever contain it.
const secret = "eyJ0eXAiOiJKV1Qi.SECRET-TOKEN-BODY.c2lnbmF0dXJl"

func TestMain(m *testing.M) {
	httpx.RestrictToLoopback()
	os.Exit(m.Run())
}

type notices struct {
	mu   sync.Mutex
	msgs []string
}

func (n *notices) add(s string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.msgs = append(n.msgs, s)
}

func (n *notices) all() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.msgs...)
}

func (n *notices) reset() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.msgs = nil
}

// keyringProbe says once whether keyctl works here.
var keyringProbe = sync.OnceValue(func() error {
	return testKeyProbe()
})

// testKeyDesc returns a keyring description of the test's own, removed
// when the test ends, or skips the test where keyctl is blocked.
func testKeyDesc(t testing.TB) string {
	t.Helper()
	if err := keyringProbe(); err != nil {
		t.Skipf("skipping keyring mode: the kernel keyring is not usable here (%v); only plain mode is tested", err)
	}
	b := make([]byte, 8)
	rand.Read(b)
	desc := "aztoken-test:" + hex.EncodeToString(b)
	t.Cleanup(func() { _ = testKeyRemove(desc) })
	return desc
}

// testEnv is the environment for a cache in dir, plain or keyring.
func testEnv(dir, mode string) env.Env {
	vars := map[string]string{"AZTOKEN_CACHE_DIR": dir}
	if mode == ModePlain {
		vars["AZTOKEN_CACHE_ENCRYPTION"] = "off"
	}
	return env.Map(vars)
}

type testCache struct {
	*Cache
	notes *notices
	desc  string
	dir   string
}

// openTest opens a cache of the given mode in a fresh directory.
func openTest(t testing.TB, mode string) *testCache {
	t.Helper()
	// A directory of its own: t.TempDir is 0755, which Open would tighten.
	tc := &testCache{notes: &notices{}, dir: filepath.Join(t.TempDir(), "aztoken")}
	if mode == ModeKeyring {
		tc.desc = testKeyDesc(t)
	}
	tc.Cache = tc.reopen(t)
	return tc
}

// reopen opens another Cache on the same directory and key, as another
// process would.
func (tc *testCache) reopen(t testing.TB) *Cache {
	t.Helper()
	mode := ModePlain
	if tc.desc != "" {
		mode = ModeKeyring
	}
	c, err := Open(testEnv(tc.dir, mode), Options{Notice: tc.notes.add, keyDesc: tc.desc})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if got := c.Mode().Name; got != mode {
		t.Fatalf("Mode() = %v, want %s", c.Mode(), mode)
	}
	return c
}

// checkNoSecret fails the test if any notice holds the token.
func (tc *testCache) checkNoSecret(t testing.TB) {
	t.Helper()
	for _, n := range tc.notes.all() {
		if strings.Contains(n, secret) || strings.Contains(n, "SECRET") {
			t.Errorf("a notice holds the token: %q", n)
		}
	}
}

func forModes(t *testing.T, f func(t *testing.T, mode string)) {
	for _, mode := range []string{ModePlain, ModeKeyring} {
		t.Run(mode, func(t *testing.T) { f(t, mode) })
	}
}

func testEntry(now time.Time) Entry {
	return Entry{
		Token: chain.Token{
			AccessToken: secret,
			TokenType:   "Bearer",
			ExpiresOn:   now.Add(time.Hour).Truncate(time.Second),
			Tenant:      "72f988bf-86f1-41af-91ab-2d7cd011db47",
			Identity:    "client 04b07795-8ddb-461a-bbee-02f9e1bf7b46",
		},
		Source:    "azcli",
		Scopes:    []string{"https://vault.azure.net/.default"},
		CreatedAt: now.Truncate(time.Second),
	}
}

// testKey makes a valid entry key for tests that need one without a Cache.
func testKey(parts ...string) string { return digest([]byte("test name key"), parts...) }

// Put stores e under key, replacing what was there, under the key's lock,
// as Acquire does after a fetch: how tests seed the cache.
func (c *Cache) Put(ctx context.Context, key string, e Entry) error {
	if err := checkKey(key); err != nil {
		return err
	}
	fl, err := c.lock(ctx, key+lockExt)
	if err != nil {
		return err
	}
	defer fl.Unlock()
	return c.write(key, e)
}

// Get returns the entry for key if it may be served: it has more than
// minValidity left and its refresh time (see Entry.RefreshAt) has not come.
// Anything else is a miss, reported through Notice when a file was there
// but could not be trusted. Acquire and FromChain are the callers'.
func (c *Cache) Get(key string, minValidity time.Duration) (Entry, bool) {
	return c.get(key, minValidity, false, false)
}
