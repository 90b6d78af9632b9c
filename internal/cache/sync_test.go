package cache

import (
	"os"
	"path/filepath"
	"testing"
)

// The ordered sync succeeds on a cache directory's file (on macOS this is
// F_BARRIERFSYNC, on a Mac runner) and reports a file it cannot sync.
func TestSyncOrdered(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "entry"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("entry"); err != nil {
		t.Fatal(err)
	}
	if err := syncOrdered(f); err != nil {
		t.Fatalf("syncOrdered: %v", err)
	}
	f.Close()
	if err := syncOrdered(f); err == nil {
		t.Fatal("syncOrdered on a closed file reported nothing")
	}
}
