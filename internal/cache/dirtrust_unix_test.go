//go:build unix

package cache

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
