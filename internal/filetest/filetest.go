// Package filetest makes, for tests, the files a user may point aztoken at
// by mistake or an attacker on purpose: a FIFO with no writer (opening it
// blocks), and a huge sparse file (reading it exhausts memory). With
// /dev/zero and a directory, they are what internal/safefile refuses.
package filetest

import (
	"os"
	"path/filepath"
	"testing"
)

// Sparse returns a file in a temporary directory that is size bytes long
// but uses no disk.
func Sparse(t testing.TB, size int64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "sparse")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

// FIFO returns a named pipe that nothing writes to, in a temporary
// directory. Where the file system has none, the test is skipped.
func FIFO(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fifo")
	if err := mkfifo(p); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	return p
}
