package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestHeaderDate(t *testing.T) {
	tests := []struct {
		epoch   string
		want    time.Time
		wantErr bool
	}{
		{"", fixedDate, false},
		{"1700000000", time.Unix(1700000000, 0).UTC(), false},
		{"yesterday", time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := headerDate(tt.epoch)
		if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
			t.Errorf("headerDate(%q) = %v, %v; want %v, error %v", tt.epoch, got, err, tt.want, tt.wantErr)
		}
	}
}

// Two runs give the same bytes, a page per command, and stale pages go.
func TestRunIsReproducible(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	dir1, dir2 := t.TempDir(), t.TempDir()
	stale := filepath.Join(dir2, "aztoken-removed.1")
	if err := os.WriteFile(stale, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(dir1); err != nil {
		t.Fatal(err)
	}
	if err := run(dir2); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the page of a command that no longer exists was kept")
	}
	pages, _ := filepath.Glob(filepath.Join(dir1, "*.1"))
	for _, want := range []string{"aztoken.1", "aztoken-get.1", "aztoken-completion-bash.1"} {
		if _, err := os.Stat(filepath.Join(dir1, want)); err != nil {
			t.Errorf("no %s among %q", want, pages)
		}
	}
	for _, p := range pages {
		a, _ := os.ReadFile(p)
		b, err := os.ReadFile(filepath.Join(dir2, filepath.Base(p)))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs", filepath.Base(p))
		}
		if !strings.Contains(string(a), `"Jan 2026"`) {
			t.Errorf("%s does not carry the fixed date", filepath.Base(p))
		}
	}
}
