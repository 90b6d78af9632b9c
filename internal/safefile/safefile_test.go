package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/filetest"
)

// readOrHang reads in a goroutine so that a Read that blocks (the defect
// this package exists for) fails the test instead of hanging it.
func readOrHang(t *testing.T, path string, max int64) ([]byte, error) {
	t.Helper()
	type res struct {
		data []byte
		err  error
	}
	ch := make(chan res, 1)
	go func() {
		d, err := Read(path, max)
		ch <- res{d, err}
	}()
	select {
	case r := <-ch:
		return r.data, r.err
	case <-time.After(time.Minute):
		t.Fatalf("Read(%s) blocked", path)
		return nil, nil
	}
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, []byte("token"), 0o600); err != nil {
		t.Fatal(err)
	}
	exact := filepath.Join(dir, "exact")
	if err := os.WriteFile(exact, make([]byte, 64), 0o600); err != nil {
		t.Fatal(err)
	}
	// A sparse file: 2 GiB long, no disk used, and never read.
	sparse := filetest.Sparse(t, 2<<30)
	fifo := "(no FIFO here)"
	if runtime.GOOS != "windows" {
		fifo = filetest.FIFO(t)
	}
	cases := []struct {
		name, path string
		max        int64
		want       error
		size       int
	}{
		{"small", small, 1 << 20, nil, 5},
		{"exactly the limit", exact, 64, nil, 64},
		{"one byte over", exact, 63, ErrTooLarge, 0},
		{"big sparse file", sparse, MaxSize, ErrTooLarge, 0},
		{"FIFO with no writer", fifo, MaxSize, ErrNotRegular, 0},
		{"/dev/zero", "/dev/zero", MaxSize, ErrNotRegular, 0},
		{"directory", dir, MaxSize, ErrNotRegular, 0},
		{"missing", filepath.Join(dir, "nope"), MaxSize, os.ErrNotExist, 0},
	}
	for _, c := range cases {
		if runtime.GOOS == "windows" && (c.path == fifo || c.path == "/dev/zero") {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			data, err := readOrHang(t, c.path, c.max)
			if c.want == nil {
				if err != nil || len(data) != c.size {
					t.Fatalf("Read = %d bytes, %v; want %d bytes", len(data), err, c.size)
				}
				return
			}
			if !errors.Is(err, c.want) || data != nil {
				t.Fatalf("Read = %d bytes, %v; want %v", len(data), err, c.want)
			}
		})
	}
}

// ReadMode gives the mode of the file it read, so that a caller writing
// the file back keeps its permissions without a second stat of the path.
func TestReadMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, []byte("{}"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil { // past the umask
		t.Fatal(err)
	}
	data, mode, err := ReadMode(path, MaxSize)
	if err != nil || string(data) != "{}" || !mode.IsRegular() {
		t.Fatalf("ReadMode = %q, %v, %v", data, mode, err)
	}
	// Windows keeps only a read-only bit.
	if runtime.GOOS != "windows" && mode.Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", mode.Perm())
	}
	if _, _, err := ReadMode(path, 1); !errors.Is(err, ErrTooLarge) {
		t.Errorf("a file over the limit: %v, want ErrTooLarge", err)
	}
}
