package cache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aztoken/aztoken/internal/env"
)

const (
	entryExt   = ".tok"
	lockExt    = ".lock"
	tempPrefix = ".tmp-"
	// keyringLock serialises creating the cache key across processes.
	keyringLock = "keyring.lock"
	// KeyDescription is the cache key's description in the user keyring.
	KeyDescription = "aztoken:cache-key"
)

// Mode names how entries are kept at rest.
type Mode struct {
	// Name is ModeKeyring or ModePlain.
	Name string
	// Reason says why, in a sentence fragment: where the key is, or why
	// the keyring is not used.
	Reason string
}

const (
	// ModeKeyring: tokens are encrypted with a key the system keeps for the
	// user alone: the kernel user keyring (Linux), the login Keychain
	// (macOS), or a file protected with DPAPI (Windows).
	ModeKeyring = "keyring"
	// ModePlain: tokens are in files only the user can read.
	ModePlain = "plain"
)

func (m Mode) String() string { return m.Name + " (" + m.Reason + ")" }

// Options tune Open.
type Options struct {
	// Notice, when set, receives what the cache wants the user to know
	// under -v: entries ignored and why, permissions fixed, writes that
	// failed. Notices never contain a token. It may be called from
	// several goroutines, one at a time.
	Notice func(string)

	// Context ends waits on the key store early (Ctrl+C): the Keychain's
	// security tool and the lock around creating the key. Nil means
	// context.Background().
	Context context.Context

	// Job names the CI job this process runs in (source.CIJob), or "".
	// The pipeline source's tokens are tied to it, and those of any other
	// job are dropped when the cache is opened.
	Job string

	// For tests: the clock, and the keyring description of the key.
	now     func() time.Time
	keyDesc string
}

// Cache is an open cache directory. Its methods are safe for concurrent
// use, and several processes may use one directory at once.
//
// A nil *Cache always misses: Acquire just calls fetch. A caller whose
// Open failed can go on with a nil cache.
type Cache struct {
	dir    string
	mode   Mode
	sealer *sealer // nil in plain mode
	// nameKey keys entry names (see Key).
	nameKey []byte
	// job is Options.Job, keyed as entry names are; "" outside a CI job.
	job string
	now func() time.Time

	noticeMu sync.Mutex
	noticeFn func(string)
}

// lockPoll is how often a waiting process retries a lock. flock has no
// wait with a deadline, and a goroutine blocked in flock(2) cannot be
// cancelled, so waiting is polling.
const lockPoll = 5 * time.Millisecond

// keyringWait bounds the wait for another process creating the cache key.
const keyringWait = 5 * time.Second

// Open opens the cache directory named by the environment (see Dir),
// creating it if needed, and finds or creates the cache key unless
// AZTOKEN_CACHE_ENCRYPTION=off. An error wrapping ErrUntrusted means the
// directory belongs to someone else.
func Open(e env.Env, opts Options) (*Cache, error) {
	dir, err := Dir(e)
	if err != nil {
		return nil, err
	}
	c := &Cache{dir: dir, now: opts.now, noticeFn: opts.Notice}
	if c.now == nil {
		c.now = time.Now
	}
	if err := prepareDir(platformGuard, dir, c.notice); err != nil {
		return nil, err
	}
	desc := opts.keyDesc
	if desc == "" {
		desc = KeyDescription
	}
	ctx := opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	c.mode, c.sealer = c.setupEncryption(ctx, e.Get("AZTOKEN_CACHE_ENCRYPTION"), desc, newKeyStore(ctx, desc, dir, e))
	if c.sealer != nil {
		c.nameKey = c.sealer.names
	} else if c.nameKey, err = c.loadNameKey(); err != nil {
		return nil, err
	}
	if opts.Job != "" {
		c.job = c.Key("ci-job", opts.Job)
	}
	c.dropOtherJobs()
	return c, nil
}

// encryptionOff reads AZTOKEN_CACHE_ENCRYPTION; understood is false for a
// value that is neither on nor off (it counts as on).
func encryptionOff(setting string) (off, understood bool) {
	switch strings.ToLower(setting) {
	case "off", "plain", "false", "no", "0":
		return true, true
	case "", "on", "auto", "keyring", "true", "yes", "1":
		return false, true
	}
	return false, false
}

func (c *Cache) setupEncryption(ctx context.Context, setting, desc string, ks keyStore) (Mode, *sealer) {
	switch off, understood := encryptionOff(setting); {
	case off:
		return Mode{ModePlain, "AZTOKEN_CACHE_ENCRYPTION=" + setting}, nil
	case !understood:
		c.notice(fmt.Sprintf("AZTOKEN_CACHE_ENCRYPTION=%q is not understood (use off to turn encryption off); encrypting if the keyring allows", printable(setting)))
	}
	key, found, err := ks.find()
	if err == nil && !found {
		key, err = c.createKey(ctx, ks)
	}
	if err != nil {
		return Mode{ModePlain, ks.name() + " is not usable: " + err.Error()}, nil
	}
	s, err := newSealer(desc, key)
	if err != nil {
		return Mode{ModePlain, "the cache key is not usable: " + err.Error()}, nil
	}
	return Mode{ModeKeyring, "AES-256-GCM, " + ks.where()}, s
}

// createKey creates the key under a lock, looking again once it holds the
// lock in case another process created it meanwhile.
func (c *Cache) createKey(ctx context.Context, ks keyStore) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, keyringWait)
	defer cancel()
	fl, err := c.lock(ctx, keyringLock)
	if err != nil {
		return nil, err
	}
	defer fl.Unlock()
	key, found, err := ks.find()
	if err != nil || found {
		return key, err
	}
	return ks.create()
}

// PrepareDir returns the cache directory, created for the user alone or
// checked as Open checks it, without finding or creating the cache key:
// for what is kept beside the tokens (the tenant memo) and for Describe.
func PrepareDir(e env.Env) (string, error) {
	dir, err := Dir(e)
	if err != nil {
		return "", err
	}
	if err := prepareDir(platformGuard, dir, func(string) {}); err != nil {
		return "", err
	}
	return dir, nil
}

// Describe says, for explain, where the cache is and how it would keep
// tokens. It checks the directory as Open does (so an untrusted one is
// reported), but creates no key and runs no program: on macOS it does not
// ask the Keychain, whose tool may show a dialog; it says so instead.
func Describe(e env.Env) (string, Mode, error) {
	dir, err := PrepareDir(e)
	if err != nil {
		return "", Mode{}, err
	}
	setting := e.Get("AZTOKEN_CACHE_ENCRYPTION")
	if off, _ := encryptionOff(setting); off {
		return dir, Mode{ModePlain, "AZTOKEN_CACHE_ENCRYPTION=" + setting}, nil
	}
	ks := newKeyStore(context.Background(), KeyDescription, dir, e)
	if na, ok := ks.(interface{ notAsked() Mode }); ok {
		return dir, na.notAsked(), nil
	}
	switch _, found, err := ks.find(); {
	case err != nil:
		return dir, Mode{ModePlain, ks.name() + " is not usable: " + err.Error()}, nil
	case !found:
		return dir, Mode{ModeKeyring, "AES-256-GCM, " + ks.where() + ", created on first use"}, nil
	}
	return dir, Mode{ModeKeyring, "AES-256-GCM, " + ks.where()}, nil
}

// Mode says how entries are kept at rest, for explain and -v.
func (c *Cache) Mode() Mode {
	if c == nil {
		return Mode{ModePlain, "no cache"}
	}
	return c.mode
}

// Dir is the directory the cache uses; "" for a nil cache.
func (c *Cache) Dir() string {
	if c == nil {
		return ""
	}
	return c.dir
}

func (c *Cache) notice(msg string) {
	if c.noticeFn == nil {
		return
	}
	c.noticeMu.Lock()
	defer c.noticeMu.Unlock()
	c.noticeFn("cache: " + msg)
}

func (c *Cache) path(key, ext string) string { return filepath.Join(c.dir, key+ext) }

// GetStale returns the entry for key if it has more than minValidity
// left, even past its refresh time. It is for a caller whose attempt to
// re-acquire has failed: a token due for refresh but still valid is better
// than none.
func (c *Cache) GetStale(key string, minValidity time.Duration) (Entry, bool) {
	return c.get(key, minValidity, true, false)
}

func (c *Cache) get(key string, minValidity time.Duration, stale, quiet bool) (Entry, bool) {
	if c == nil {
		return Entry{}, false
	}
	if err := checkKey(key); err != nil {
		c.notice(err.Error())
		return Entry{}, false
	}
	e, err := c.read(key)
	if err != nil {
		if !quiet && !errors.Is(err, os.ErrNotExist) {
			c.notice(fmt.Sprintf("ignored entry %s: %v; it will be replaced", c.path(key, entryExt), err))
		}
		return Entry{}, false
	}
	if !c.ownJob(e.Job) {
		return Entry{}, false
	}
	fresh, usable := e.servable(c.now(), minValidity)
	if fresh || (stale && usable) {
		return e, true
	}
	return Entry{}, false
}

// read reads and decodes key's file. Its errors name no token.
func (c *Cache) read(key string) (Entry, error) {
	data, err := readTrusted(c.path(key, entryExt))
	if err != nil {
		return Entry{}, err
	}
	e, _, err := decodeEntry(data, key, c.sealer)
	e.Token.ExpiresOn = e.expiresOn()
	return e, err
}

// readTrusted reads a file only if it is a regular file of the user's own
// with mode 0600.
func readTrusted(path string) ([]byte, error) {
	f, err := openEntry(path)
	if err != nil {
		if isSymlinkErr(err) {
			return nil, bad("it is a symbolic link")
		}
		if errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("cannot read it: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot read it: %w", err)
	}
	switch {
	case !fi.Mode().IsRegular():
		return nil, bad("it is not a regular file")
	case !platformGuard.owned(f, fi):
		return nil, bad("it belongs to another user")
	case platformGuard.fileProblem(f, fi) != "":
		return nil, bad(platformGuard.fileProblem(f, fi))
	case fi.Size() > maxFileSize:
		return nil, bad("it is too large to be a cache entry")
	}
	data := make([]byte, 0, fi.Size()+1)
	for {
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			return data, nil
		}
		if err != nil {
			return nil, fmt.Errorf("cannot read it: %w", err)
		}
		if len(data) > maxFileSize {
			return nil, bad("it is too large to be a cache entry")
		}
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
	}
}

// write replaces key's file atomically: a reader sees the old file or the
// new one, never part of one. The caller holds the key's lock.
func (c *Cache) write(key string, e Entry) error {
	if e.Token.AccessToken == "" {
		return errors.New("will not cache an empty token")
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = c.now()
	}
	if e.Job = c.jobOf(e); e.Job != "" {
		// The mark comes first: an entry of a job is never on disk
		// without it, so the next job's Open finds and drops it.
		if err := c.markJob(); err != nil {
			return fmt.Errorf("cannot write to the cache directory: %w", err)
		}
	}
	data, err := encodeEntry(key, e, c.sealer)
	if err != nil {
		return fmt.Errorf("cannot encode the cache entry: %w", err)
	}
	// CreateTemp makes the file 0600 whatever the umask.
	f, err := os.CreateTemp(c.dir, tempPrefix+key[:16]+"-*")
	if err != nil {
		return fmt.Errorf("cannot write to the cache directory: %w", err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("cannot write the cache entry: %w", err)
	}
	if err := syncOrdered(f); err != nil {
		return fmt.Errorf("cannot write the cache entry: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot write the cache entry: %w", err)
	}
	if err := replaceFile(c.dir, filepath.Base(tmp), key+entryExt); err != nil {
		return fmt.Errorf("cannot write the cache entry: %w", err)
	}
	ok = true
	// Make the rename itself durable; a failure here loses at most this entry.
	if d, err := os.Open(c.dir); err == nil {
		_ = syncOrdered(d)
		d.Close()
	}
	return nil
}

// Remove deletes key's entry; an absent entry is not an error.
func (c *Cache) Remove(key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := os.Remove(c.path(key, entryExt)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cannot remove the cache entry: %w", err)
	}
	return nil
}

// List describes every entry, sorted by key. It never returns a token.
// Entries that would not be served carry a Problem instead of details.
func (c *Cache) List() ([]Info, error) {
	ents, err := os.ReadDir(c.dir)
	if err != nil {
		return nil, fmt.Errorf("cannot list the cache: %w", err)
	}
	var out []Info
	for _, de := range ents {
		key, ok := strings.CutSuffix(de.Name(), entryExt)
		if !ok || checkKey(key) != nil {
			continue
		}
		info := Info{Key: key}
		if fi, err := de.Info(); err == nil {
			info.Size = fi.Size()
		}
		data, err := readTrusted(c.path(key, entryExt))
		if errors.Is(err, os.ErrNotExist) {
			continue // removed since ReadDir
		}
		if err == nil {
			var e Entry
			var h header
			e, h, err = decodeEntry(data, key, c.sealer)
			if err == nil {
				e.Token.ExpiresOn = e.expiresOn()
				info.Source, info.Identity, info.Tenant = e.Source, e.Token.Identity, e.Token.Tenant
				info.Scopes, info.Chain = e.Scopes, e.Chain
				info.ExpiresOn, info.RefreshOn, info.CreatedAt = e.Token.ExpiresOn, e.Token.RefreshOn, e.CreatedAt
				info.Encrypted = h.Enc == encAESGCM
			}
		}
		if err != nil {
			info.Problem = err.Error()
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Clear removes every entry, whoever wrote it, and returns how many. Lock
// files go too, but only those no process holds.
func (c *Cache) Clear() (int, error) {
	ents, err := os.ReadDir(c.dir)
	if err != nil {
		return 0, fmt.Errorf("cannot clear the cache: %w", err)
	}
	n := 0
	var firstErr error
	for _, de := range ents {
		name := de.Name()
		p := filepath.Join(c.dir, name)
		switch {
		case strings.HasSuffix(name, entryExt):
			if err := os.Remove(p); err == nil {
				n++
			} else if !errors.Is(err, os.ErrNotExist) && firstErr == nil {
				firstErr = fmt.Errorf("cannot clear the cache: %w", err)
			}
		case strings.HasPrefix(name, tempPrefix):
			_ = os.Remove(p)
		case strings.HasPrefix(name, jobPrefix), name == keychainRefusalFile:
			_ = os.Remove(p)
		case strings.HasSuffix(name, lockExt) && name != keyringLock:
			c.removeIdleLock(p)
		}
	}
	return n, firstErr
}
