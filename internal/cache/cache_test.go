package cache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/proctest"
)

func TestKey(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		tc := openTest(t, mode)
		k := tc.Key("azcli|tenant", "https://vault.azure.net/.default", "")
		if err := checkKey(k); err != nil {
			t.Fatalf("Key gave %q, which checkKey refuses: %v", k, err)
		}
		// Another process on the same directory names entries alike.
		if k != tc.reopen(t).Key("azcli|tenant", "https://vault.azure.net/.default", "") {
			t.Error("Key differs between two opens of one cache")
		}
		if tc.Key("ab", "c") == tc.Key("a", "bc") || tc.Key("a", "") == tc.Key("a") {
			t.Error("Key confuses different parts")
		}
		// Keyed: the same parts in another cache (another name key) give
		// another name, so a name alone cannot be checked against a guess.
		if k == openTest(t, mode).Key("azcli|tenant", "https://vault.azure.net/.default", "") {
			t.Error("two caches with different name keys gave one name")
		}
		if k == digest(nil, "azcli|tenant", "https://vault.azure.net/.default", "") {
			t.Error("Key is not keyed")
		}
		for _, bad := range []string{"", "../../etc/passwd", strings.ToUpper(k), k[:63], k + "0", k[:63] + "/"} {
			if checkKey(bad) == nil {
				t.Errorf("checkKey(%q) accepted it", bad)
			}
		}
	})
}

// In plain mode the name key is a private file, created once, that
// concurrent first opens agree on, and that is replaced when damaged.
func TestNameKeyFile(t *testing.T) {
	tc := openTest(t, ModePlain)
	path := filepath.Join(tc.dir, nameKeyFile)
	fi, err := os.Stat(path)
	if err != nil || fi.Size() != keySize {
		t.Fatalf("name key file: %v, %v; want a file of %d bytes", fi, err, keySize)
	}
	checkPrivate(t, path)
	dir := filepath.Join(t.TempDir(), "aztoken")
	keys := make([]string, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := Open(testEnv(dir, ModePlain), Options{})
			if err != nil {
				t.Error(err)
				return
			}
			keys[i] = c.Key("same")
		}()
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if k != keys[0] {
			t.Fatalf("concurrent opens gave different names: %v", keys)
		}
	}
	before := tc.Key("x")
	if err := os.WriteFile(path, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := tc.reopen(t)
	if c.Key("x") == before || len(tc.notes.all()) == 0 {
		t.Errorf("a damaged name key was not replaced with notice: %v", tc.notes.all())
	}
}

func TestDir(t *testing.T) {
	// p makes a slash path absolute on this OS (C:\ on Windows).
	p := func(s string) string {
		if runtime.GOOS == "windows" {
			return `C:` + filepath.FromSlash(s)
		}
		return s
	}
	type row struct {
		name string
		vars map[string]string
		want string
		err  string
	}
	tests := []row{
		{"override", map[string]string{"AZTOKEN_CACHE_DIR": p("/srv/c/"), "XDG_CACHE_HOME": p("/x"), "HOME": p("/h"), "LOCALAPPDATA": p("/l")}, p("/srv/c"), ""},
		{"relative override", map[string]string{"AZTOKEN_CACHE_DIR": "c", "HOME": p("/h")}, "", "not an absolute path"},
		{"nothing", map[string]string{}, "", "AZTOKEN_CACHE_DIR"},
	}
	switch runtime.GOOS {
	case "windows":
		tests = append(tests,
			row{"local app data", map[string]string{"LOCALAPPDATA": p("/l"), "HOME": p("/h")}, p("/l/aztoken"), ""},
			row{"relative local app data", map[string]string{"LOCALAPPDATA": "l"}, "", "LOCALAPPDATA"},
		)
	case "darwin":
		tests = append(tests,
			row{"home", map[string]string{"HOME": "/h", "XDG_CACHE_HOME": "/x"}, "/h/Library/Caches/aztoken", ""},
		)
	default:
		tests = append(tests,
			row{"xdg", map[string]string{"XDG_CACHE_HOME": "/x", "HOME": "/h"}, "/x/aztoken", ""},
			row{"relative xdg is ignored", map[string]string{"XDG_CACHE_HOME": "x", "HOME": "/h"}, "/h/.cache/aztoken", ""},
			row{"empty xdg", map[string]string{"XDG_CACHE_HOME": "", "HOME": "/h"}, "/h/.cache/aztoken", ""},
			row{"home", map[string]string{"HOME": "/h"}, "/h/.cache/aztoken", ""},
		)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Dir(env.Map(tt.vars))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Dir = %q, %v; want an error mentioning %q", got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Dir = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestModes(t *testing.T) {
	tc := openTest(t, ModePlain)
	if m := tc.Mode(); m.Name != ModePlain || !strings.Contains(m.Reason, "AZTOKEN_CACHE_ENCRYPTION=off") {
		t.Errorf("Mode() = %v, want plain because of AZTOKEN_CACHE_ENCRYPTION=off", m)
	}
	var nilCache *Cache
	if m := nilCache.Mode(); m.Name != ModePlain {
		t.Errorf("nil Mode() = %v", m)
	}
	if err := keyringProbe(); err != nil {
		t.Skipf("skipping keyring mode: the kernel keyring is not usable here (%v)", err)
	}
	kc := openTest(t, ModeKeyring)
	// Windows keeps the key in a DPAPI-protected file of the cache.
	where := kc.desc
	if runtime.GOOS == "windows" {
		where = filepath.Join(kc.dir, keyFileDPAPI)
	}
	if m := kc.Mode(); !strings.Contains(m.String(), where) {
		t.Errorf("Mode() = %v, want it to name the key %q", m, where)
	}
}

func TestRoundTripAndPermissions(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		dir := filepath.Join(t.TempDir(), "deep", "aztoken")
		notes := &notices{}
		desc := ""
		if mode == ModeKeyring {
			desc = testKeyDesc(t)
		}
		c, err := Open(testEnv(dir, mode), Options{Notice: notes.add, keyDesc: desc})
		if err != nil {
			t.Fatal(err)
		}
		want := testEntry(time.Now())
		key := testKey("round", "trip")
		if err := c.Put(t.Context(), key, want); err != nil {
			t.Fatal(err)
		}
		got, ok := c.Get(key, DefaultMinValidity)
		if !ok {
			t.Fatalf("Get missed after Put; notices %q", notes.all())
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Get = %+v\nwant  %+v", got, want)
		}
		checkPrivate(t, dir)
		ents, _ := os.ReadDir(dir)
		for _, de := range ents {
			checkPrivate(t, filepath.Join(dir, de.Name()))
			if strings.HasPrefix(de.Name(), tempPrefix) {
				t.Errorf("temporary file %s left behind", de.Name())
			}
		}
		data, err := os.ReadFile(filepath.Join(dir, key+entryExt))
		if err != nil {
			t.Fatal(err)
		}
		if inFile := strings.Contains(string(data), secret); inFile != (mode == ModePlain) {
			t.Errorf("token in the file = %v in %s mode", inFile, mode)
		}
		if err := c.Remove(key); err != nil {
			t.Fatal(err)
		}
		if _, ok := c.Get(key, 0); ok {
			t.Error("Get hit after Remove")
		}
		if err := c.Remove(key); err != nil {
			t.Errorf("Remove of an absent entry: %v", err)
		}
		if len(notes.all()) != 0 {
			t.Errorf("unexpected notices: %q", notes.all())
		}
	})
}

// TestUntrustedFiles: whatever is in an entry's place that the cache did
// not write, or cannot trust, is a miss with a notice, and the next
// acquisition replaces it.
func TestUntrustedFiles(t *testing.T) {
	type breaker func(t *testing.T, tc *testCache, path string, good []byte)
	write := func(data []byte, perm os.FileMode) breaker {
		return func(t *testing.T, tc *testCache, path string, _ []byte) {
			os.Remove(path)
			if err := os.WriteFile(path, data, perm); err != nil {
				t.Fatal(err)
			}
			os.Chmod(path, perm)
		}
	}
	mutate := func(f func(good []byte) []byte) breaker {
		return func(t *testing.T, tc *testCache, path string, good []byte) {
			write(f(append([]byte(nil), good...)), 0o600)(t, tc, path, good)
		}
	}
	chmod := func(perm os.FileMode) breaker {
		return func(t *testing.T, tc *testCache, path string, _ []byte) {
			if runtime.GOOS == "windows" {
				t.Skip("skipping: Windows keeps access lists, not mode bits (see \"open to others\")")
			}
			if err := os.Chmod(path, perm); err != nil {
				t.Fatal(err)
			}
		}
	}
	var opened string // what the notice says for "open to others", per OS
	cases := []struct {
		name    string
		keyring bool // only meaningful with encryption
		notice  string
		breakIt breaker
	}{
		{"empty", false, "not an aztoken cache file", write(nil, 0o600)},
		{"garbage", false, "not an aztoken cache file", write([]byte("\x00\x01garbage\n\n"), 0o600)},
		{"foreign", false, "not an aztoken cache file", write([]byte(`{"access_token":"x"}`), 0o600)},
		{"other version", false, "another version", mutate(func(g []byte) []byte { return []byte(strings.Replace(string(g), magic+"1", magic+"9", 1)) })},
		{"magic only", false, "truncated", mutate(func(g []byte) []byte { return g[:len(magic)+2] })},
		{"header cut", false, "truncated", mutate(func(g []byte) []byte { return g[:len(magic)+20] })},
		{"payload cut", false, "", mutate(func(g []byte) []byte { return g[:len(g)-3] })},
		{"open to others", false, "", func(t *testing.T, tc *testCache, path string, _ []byte) {
			opened = openToOthers(t, path)
		}},
		{"mode 0644", false, "0644", chmod(0o644)},
		{"mode 0640", false, "0640", chmod(0o640)},
		{"mode 0400", false, "0400", chmod(0o400)},
		{"other owner", false, "another user", func(t *testing.T, tc *testCache, path string, good []byte) {
			if runtime.GOOS == "windows" {
				t.Skip("skipping: giving a file to another user takes SeRestorePrivilege on Windows")
			}
			if os.Geteuid() != 0 {
				t.Skip("skipping: only root can give a file to another user")
			}
			write(good, 0o600)(t, tc, path, good)
			if err := os.Chown(path, 4242, 4242); err != nil {
				t.Fatal(err)
			}
		}},
		{"symlink", false, "symbolic link", func(t *testing.T, tc *testCache, path string, good []byte) {
			target := filepath.Join(t.TempDir(), "elsewhere")
			os.WriteFile(target, good, 0o600)
			os.Remove(path)
			if proctest.UnderWine() {
				t.Skip("skipping: Wine shows a Unix symbolic link as the file it points to, not as a reparse point")
			}
			if err := os.Symlink(target, path); err != nil {
				if runtime.GOOS == "windows" {
					t.Skipf("skipping: Windows lets only administrators and developer mode make symbolic links: %v", err)
				}
				t.Fatal(err)
			}
		}},
		{"fifo", false, "not a regular file", func(t *testing.T, tc *testCache, path string, good []byte) {
			os.Remove(path)
			if err := mkfifo(path); err != nil {
				t.Skipf("skipping: cannot make a FIFO: %v", err)
			}
		}},
		{"moved from another key", false, "another key", func(t *testing.T, tc *testCache, path string, good []byte) {
			other := testKey("other")
			if err := tc.Put(t.Context(), other, testEntry(time.Now())); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tc.path(other, entryExt), path); err != nil {
				t.Fatal(err)
			}
		}},
		{"header tampered", true, "does not decrypt", mutate(func(g []byte) []byte {
			s := string(g)
			i := strings.Index(s, `"expires_on":`) + len(`"expires_on":`)
			return []byte(s[:i] + "9" + s[i+1:])
		})},
		{"ciphertext flipped", true, "does not decrypt", mutate(func(g []byte) []byte { g[len(g)-20] ^= 1; return g })},
	}
	forModes(t, func(t *testing.T, mode string) {
		for _, tt := range cases {
			t.Run(tt.name, func(t *testing.T) {
				if tt.keyring && mode != ModeKeyring {
					t.Skip("skipping: plain files have no integrity check beyond their permissions")
				}
				tc := openTest(t, mode)
				key := testKey("untrusted", tt.name)
				if err := tc.Put(t.Context(), key, testEntry(time.Now())); err != nil {
					t.Fatal(err)
				}
				path := tc.path(key, entryExt)
				good, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				tt.breakIt(t, tc, path, good)
				tc.notes.reset()

				if e, ok := tc.Get(key, 0); ok {
					t.Fatalf("Get served an untrusted file: %+v", e.Source)
				}
				notes := tc.notes.all()
				want := tt.notice
				if tt.name == "open to others" {
					want = opened
				}
				if len(notes) != 1 || !strings.Contains(notes[0], path) || !strings.Contains(notes[0], want) {
					t.Errorf("notices = %q, want one naming %s and saying %q", notes, path, want)
				}

				fresh := testEntry(time.Now())
				fresh.Token.AccessToken = secret + "-new"
				fetches := 0
				got, fromCache, err := tc.Acquire(t.Context(), key, DefaultMinValidity, func(ctx context.Context) (Entry, error) {
					fetches++
					return fresh, nil
				})
				if err != nil || fromCache || fetches != 1 || got.Token.AccessToken != fresh.Token.AccessToken {
					t.Fatalf("Acquire = fromCache %v, err %v, %d fetches; want one fetch", fromCache, err, fetches)
				}
				if _, err := readTrusted(path); err != nil {
					t.Fatalf("the entry was not replaced by a private file of ours: %v", err)
				}
				if e, ok := tc.reopen(t).Get(key, DefaultMinValidity); !ok || e.Token.AccessToken != fresh.Token.AccessToken {
					t.Errorf("after replacement, Get hit %v", ok)
				}
				tc.checkNoSecret(t)
			})
		}
	})
}

func TestEncryptionMismatch(t *testing.T) {
	if err := keyringProbe(); err != nil {
		t.Skipf("skipping: the kernel keyring is not usable here (%v)", err)
	}
	kc := openTest(t, ModeKeyring)
	key := testKey("mismatch")
	if err := kc.Put(t.Context(), key, testEntry(time.Now())); err != nil {
		t.Fatal(err)
	}
	notes := &notices{}
	// Another key, as after the keyring was emptied.
	other, err := Open(testEnv(kc.dir, ModeKeyring), Options{Notice: notes.add, keyDesc: testKeyDesc(t)})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := other.Get(key, 0); ok {
		t.Error("a cache with another key served the entry")
	}
	plain, err := Open(testEnv(kc.dir, ModePlain), Options{Notice: notes.add})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := plain.Get(key, 0); ok {
		t.Error("a plain cache served an encrypted entry")
	}
	if err := plain.Put(t.Context(), key, testEntry(time.Now())); err != nil {
		t.Fatal(err)
	}
	if _, ok := kc.Get(key, 0); ok {
		t.Error("an encrypting cache served a plain entry")
	}
	got := strings.Join(notes.all(), "\n")
	for _, want := range []string{"another cache key", "cache key is not available"} {
		if !strings.Contains(got, want) {
			t.Errorf("notices %q do not say %q", got, want)
		}
	}
	kc.checkNoSecret(t)
}

func TestKeyCreatedOnceAcrossOpens(t *testing.T) {
	desc := testKeyDesc(t)
	dir := t.TempDir()
	ids := make([]string, 20)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			c, err := Open(testEnv(dir, ModeKeyring), Options{keyDesc: desc})
			if err != nil || c.sealer == nil {
				t.Errorf("Open: %v, mode %v", err, c.Mode())
				return
			}
			ids[i] = c.sealer.id
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent Opens made different keys: %q", ids)
		}
	}
}

func TestDirectoryTrust(t *testing.T) {
	t.Run("too open", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "aztoken")
		notes := &notices{}
		c, err := Open(testEnv(dir, ModePlain), Options{Notice: notes.add})
		if err != nil {
			t.Fatal(err)
		}
		key := testKey("open dir")
		if err := c.Put(t.Context(), key, testEntry(time.Now())); err != nil {
			t.Fatal(err)
		}
		how := openToOthers(t, dir)
		c, err = Open(testEnv(dir, ModePlain), Options{Notice: notes.add})
		if err != nil {
			t.Fatal(err)
		}
		checkPrivate(t, dir)
		if _, ok := c.Get(key, 0); ok {
			t.Error("an entry from a directory open to others was served")
		}
		if n := notes.all(); len(n) != 1 || !strings.Contains(n[0], how) || !strings.Contains(n[0], "discarded 1") {
			t.Errorf("notices = %q, want one about %s and the discarded entry", n, how)
		}
	})
	t.Run("other owner", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("skipping: only root can give a directory to another user")
		}
		dir := filepath.Join(t.TempDir(), "aztoken")
		os.Mkdir(dir, 0o700)
		os.Chown(dir, 4242, 4242)
		_, err := Open(testEnv(dir, ModePlain), Options{})
		if !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), "another user") {
			t.Errorf("Open = %v, want ErrUntrusted about another user", err)
		}
	})
	t.Run("not a directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "aztoken")
		os.WriteFile(dir, nil, 0o600)
		if _, err := Open(testEnv(dir, ModePlain), Options{}); !errors.Is(err, ErrUntrusted) {
			t.Errorf("Open = %v, want ErrUntrusted", err)
		}
	})
}

func TestListAndClear(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		tc := openTest(t, mode)
		now := time.Now()
		var keys []string
		for i := range 3 {
			e := testEntry(now)
			e.Source = fmt.Sprintf("source-%d", i)
			e.Token.RefreshOn = now.Add(30 * time.Minute).Truncate(time.Second)
			k := testKey("list", e.Source)
			keys = append(keys, k)
			if err := tc.Put(t.Context(), k, e); err != nil {
				t.Fatal(err)
			}
		}
		badKey := testKey("list", "bad")
		os.WriteFile(tc.path(badKey, entryExt), []byte("junk"), 0o644)
		stray := filepath.Join(tc.dir, "notes.txt")
		os.WriteFile(stray, []byte("mine"), 0o600)

		infos, err := tc.List()
		if err != nil {
			t.Fatal(err)
		}
		if len(infos) != 4 {
			t.Fatalf("List gave %d entries, want 4: %+v", len(infos), infos)
		}
		if dump := fmt.Sprintf("%+v %#v", infos, infos); strings.Contains(dump, "SECRET") {
			t.Fatal("List shows the token")
		}
		for _, in := range infos {
			if in.Key == badKey {
				if in.Problem == "" || in.Source != "" {
					t.Errorf("bad entry listed as %+v, want a Problem and no details", in)
				}
				continue
			}
			want := testEntry(now)
			if in.Problem != "" || !strings.HasPrefix(in.Source, "source-") || in.Identity != want.Token.Identity ||
				in.Tenant != want.Token.Tenant || !reflect.DeepEqual(in.Scopes, want.Scopes) ||
				!in.ExpiresOn.Equal(want.Token.ExpiresOn) || in.RefreshOn.IsZero() || in.CreatedAt.IsZero() ||
				in.Size == 0 || in.Encrypted != (mode == ModeKeyring) {
				t.Errorf("listed %+v", in)
			}
			if in.Key != testKey("list", in.Source) {
				t.Errorf("entry %s listed under key %s", in.Source, in.Key)
			}
		}
		n, err := tc.Clear()
		if err != nil || n != 4 {
			t.Errorf("Clear = %d, %v; want 4", n, err)
		}
		if infos, _ := tc.List(); len(infos) != 0 {
			t.Errorf("List after Clear = %+v", infos)
		}
		if _, err := os.Stat(stray); err != nil {
			t.Errorf("Clear removed a file that is not an entry: %v", err)
		}
		if _, err := os.Stat(tc.path(keys[0], lockExt)); !os.IsNotExist(err) {
			t.Errorf("Clear left an idle lock file: %v", err)
		}
		if _, ok := tc.Get(keys[0], 0); ok {
			t.Error("Get hit after Clear")
		}
		tc.checkNoSecret(t)
	})
}

// TestAtomicWrites: readers racing many writers of one key see a whole
// entry or none, never part of one.
func TestAtomicWrites(t *testing.T) {
	forModes(t, func(t *testing.T, mode string) {
		tc := openTest(t, mode)
		reader := tc.reopen(t)
		key := testKey("atomic")
		done := make(chan struct{})
		var writers, readers sync.WaitGroup
		for w := range 6 {
			writers.Go(func() {
				c := tc.reopen(t)
				for i := range 15 {
					e := testEntry(time.Now())
					id := fmt.Sprintf("%d-%d-%s", w, i, strings.Repeat("x", (w*15+i)%300))
					e.Token.AccessToken = secret + id
					e.Token.Identity = id
					if err := c.Put(t.Context(), key, e); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		var hits sync.Map
		for r := range 3 {
			readers.Go(func() {
				for {
					select {
					case <-done:
						return
					default:
					}
					if e, ok := reader.Get(key, 0); ok {
						if e.Token.AccessToken != secret+e.Token.Identity {
							t.Errorf("reader %d saw a token that does not match its header", r)
						}
						hits.Store(e.Token.Identity, true)
					}
					time.Sleep(50 * time.Microsecond) // leave the writers some CPU

				}
			})
		}
		writers.Wait()
		close(done)
		readers.Wait()
		if n := tc.notes.all(); len(n) != 0 {
			t.Errorf("readers saw bad files: %q", n)
		}
		count := 0
		hits.Range(func(any, any) bool { count++; return true })
		if count == 0 {
			t.Error("readers never saw an entry")
		}
	})
}
