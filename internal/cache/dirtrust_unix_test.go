//go:build unix

package cache

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/env"
)

// TestPlantedLinks (issue 16 item 4): a cache directory that is a link,
// or a lock file that is one, must never make aztoken change, empty or
// create what the link points at.
func TestPlantedLinks(t *testing.T) {
	t.Run("cache directory is a link", func(t *testing.T) {
		// The victim's directory is open (0755) and holds an entry-looking
		// file: following the link would chmod it and empty it.
		victim := filepath.Join(t.TempDir(), "victim")
		os.Mkdir(victim, 0o755)
		os.Chmod(victim, 0o755)
		precious := filepath.Join(victim, strings.Repeat("a", 64)+entryExt)
		os.WriteFile(precious, []byte("precious"), 0o644)
		dir := filepath.Join(t.TempDir(), "aztoken")
		if err := os.Symlink(victim, dir); err != nil {
			t.Fatal(err)
		}
		_, err := Open(testEnv(dir, ModePlain), Options{})
		if !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), "symbolic link") {
			t.Errorf("Open = %v, want ErrUntrusted naming the link", err)
		}
		if fi, _ := os.Stat(victim); fi.Mode().Perm() != 0o755 {
			t.Errorf("the link's target was changed to %04o", fi.Mode().Perm())
		}
		if b, err := os.ReadFile(precious); err != nil || string(b) != "precious" {
			t.Errorf("the link's target lost its file: %q, %v", b, err)
		}
	})
	t.Run("lock file is a link", func(t *testing.T) {
		tc := openTest(t, ModePlain)
		key := testKey("planted lock")
		target := filepath.Join(t.TempDir(), "target")
		os.WriteFile(target, []byte("keep"), 0o644)
		missing := filepath.Join(t.TempDir(), "created-through-link")
		if err := os.Symlink(target, tc.path(key, lockExt)); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(missing, tc.path(keyringLock, "")); err != nil {
			t.Fatal(err)
		}
		if err := tc.Put(t.Context(), key, testEntry(time.Now())); err == nil {
			t.Error("Put took a lock through a planted link")
		}
		if _, err := tc.lock(t.Context(), keyringLock); err == nil {
			t.Error("lock took the keyring lock through a planted link")
		}
		if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a file was created through the link: %v", err)
		}
		if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o644 {
			t.Errorf("the link's target was changed to %04o", fi.Mode().Perm())
		}
	})
}

// TestParentDirectory (issue 16 item 4): a cache directory whose parent
// anyone may write to could be swapped for a link at any moment, unless
// the parent is sticky, as /tmp is.
func TestParentDirectory(t *testing.T) {
	for _, tt := range []struct {
		mode os.FileMode
		ok   bool
	}{
		{0o700, true},
		{0o755, true},
		{0o777, false},
		{0o777 | os.ModeSticky, true},
		{0o703, false},
	} {
		t.Run(tt.mode.String(), func(t *testing.T) {
			parent := filepath.Join(t.TempDir(), "parent")
			os.Mkdir(parent, 0o700)
			if err := os.Chmod(parent, tt.mode); err != nil {
				t.Fatal(err)
			}
			_, err := Open(testEnv(filepath.Join(parent, "aztoken"), ModePlain), Options{})
			if tt.ok && err != nil {
				t.Errorf("Open = %v, want the cache", err)
			}
			if !tt.ok && (!errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), "writable by every user")) {
				t.Errorf("Open = %v, want ErrUntrusted about the parent", err)
			}
		})
	}
}

// TestPathFromTheRoot (issue 27 item 9): every directory and link on the
// way to the cache directory is checked from the root, not only the
// parent. A link that another user placed higher in AZTOKEN_CACHE_DIR or
// XDG_CACHE_HOME made aztoken chmod one of the user's own directories and
// delete its files.
func TestPathFromTheRoot(t *testing.T) {
	// victim/aztoken is one of the user's directories, open to others and
	// holding an entry-looking file: reaching it as the cache directory
	// would make it 0700 and empty it.
	newVictim := func(t *testing.T) (victim, precious string) {
		victim = filepath.Join(t.TempDir(), "victim")
		os.MkdirAll(filepath.Join(victim, "aztoken"), 0o755)
		os.Chmod(filepath.Join(victim, "aztoken"), 0o755)
		precious = filepath.Join(victim, "aztoken", strings.Repeat("b", 64)+entryExt)
		os.WriteFile(precious, []byte("precious"), 0o644)
		return victim, precious
	}
	untouched := func(t *testing.T, victim, precious string) {
		t.Helper()
		if fi, _ := os.Stat(filepath.Join(victim, "aztoken")); fi.Mode().Perm() != 0o755 {
			t.Errorf("the victim's directory was changed to %04o", fi.Mode().Perm())
		}
		if b, err := os.ReadFile(precious); err != nil || string(b) != "precious" {
			t.Errorf("the victim's directory lost its file: %q, %v", b, err)
		}
	}
	// sticky is a directory like /tmp: anyone may add an entry to it.
	sticky := func(t *testing.T) string {
		d := filepath.Join(t.TempDir(), "tmp")
		os.Mkdir(d, 0o700)
		if err := os.Chmod(d, 0o777|os.ModeSticky); err != nil {
			t.Fatal(err)
		}
		return d
	}

	t.Run("another user's link above the cache directory", func(t *testing.T) {
		victim, precious := newVictim(t)
		link := filepath.Join(sticky(t), "cache")
		if err := os.Symlink(victim, link); err != nil {
			t.Fatal(err)
		}
		if err := os.Lchown(link, 65534, 65534); err != nil {
			t.Skipf("cannot make a link that belongs to another user without root: %v", err)
		}
		for _, e := range []env.Env{
			env.Map(map[string]string{"AZTOKEN_CACHE_DIR": filepath.Join(link, "aztoken"), "AZTOKEN_CACHE_ENCRYPTION": "off"}),
			env.Map(map[string]string{"XDG_CACHE_HOME": link, "AZTOKEN_CACHE_ENCRYPTION": "off"}),
		} {
			_, err := Open(e, Options{})
			if !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), "symbolic link that belongs to another user") {
				t.Errorf("Open = %v, want ErrUntrusted naming the link", err)
			}
			untouched(t, victim, precious)
		}
	})
	t.Run("another user's directory higher up", func(t *testing.T) {
		top := filepath.Join(sticky(t), "theirs")
		os.MkdirAll(filepath.Join(top, "mine"), 0o755)
		if err := os.Chown(top, 65534, 65534); err != nil {
			t.Skipf("cannot make a directory that belongs to another user without root: %v", err)
		}
		_, err := Open(testEnv(filepath.Join(top, "mine", "aztoken"), ModePlain), Options{})
		if !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), top+" belongs to another user") {
			t.Errorf("Open = %v, want ErrUntrusted naming %s", err, top)
		}
	})
	t.Run("the user's own link is followed", func(t *testing.T) {
		real := filepath.Join(t.TempDir(), "real")
		os.Mkdir(real, 0o700)
		link := filepath.Join(sticky(t), "mine")
		if err := os.Symlink(real, link); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(testEnv(filepath.Join(link, "sub", "aztoken"), ModePlain), Options{}); err != nil {
			t.Fatalf("Open through the user's own link = %v", err)
		}
		if fi, err := os.Stat(filepath.Join(real, "sub", "aztoken")); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("the cache directory was not made at the link's target: %v", err)
		}
	})
	for _, tt := range []struct {
		name string
		mode os.FileMode
		want string
	}{
		{"a directory writable by every user higher up", 0o777, "writable by every user"},
		{"a directory writable by its group higher up", 0o775, "writable by its group"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			top := filepath.Join(t.TempDir(), "open")
			os.MkdirAll(filepath.Join(top, "a", "b"), 0o700)
			if err := os.Chmod(top, tt.mode); err != nil {
				t.Fatal(err)
			}
			_, err := Open(testEnv(filepath.Join(top, "a", "b", "aztoken"), ModePlain), Options{})
			if !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open = %v, want ErrUntrusted: %s", err, tt.want)
			}
		})
	}
}
