package runner

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// A Mac app started from the Dock has launchd's PATH, without Homebrew's
// directories: only then are they looked in too.
func TestLaunchdDirs(t *testing.T) {
	homebrew := []string{"/opt/homebrew/bin", "/usr/local/bin"}
	for _, tt := range []struct {
		goos, path string
		want       []string
	}{
		{"darwin", "/usr/bin:/bin:/usr/sbin:/sbin", homebrew},
		{"darwin", "/usr/bin:/bin", homebrew},
		{"darwin", "/bin:/usr/bin:/sbin:/usr/sbin", homebrew},
		{"darwin", "/usr/bin:/bin:/usr/sbin:/sbin:/opt/homebrew/bin", nil},
		{"darwin", "/tmp/test/bin:/usr/bin:/bin", nil}, // a test's fakes first: taken as meant
		{"darwin", "/usr/bin:/bin:", nil},              // the working directory named
		{"darwin", "", nil},
		{"linux", "/usr/bin:/bin:/usr/sbin:/sbin", nil},
		{"windows", "/usr/bin:/bin", nil},
	} {
		if got := launchdDirs(tt.goos, tt.path); !slices.Equal(got, tt.want) {
			t.Errorf("launchdDirs(%s, %q) = %q, want %q", tt.goos, tt.path, got, tt.want)
		}
	}
}

func TestLookInAlsoDirs(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the directories are macOS's; Windows finds files by PATHEXT")
	}
	onPath, brew := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(brew, "az"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := lookIn("az", nil, []string{onPath}, []string{brew})
	if err != nil || got != filepath.Join(brew, "az") {
		t.Fatalf("lookIn = %q, %v; want the one in the extra directory", got, err)
	}
	_, err = lookIn("azd", nil, []string{onPath}, []string{brew, "/nonexistent"})
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "azd was not found on PATH, nor in "+brew+" or /nonexistent") {
		t.Fatalf("err = %v, want it to name where it looked", err)
	}
}
