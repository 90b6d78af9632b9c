//go:build !darwin

package cache

import "os"

// syncOrdered makes f's data reach the disk before anything written after
// it. Elsewhere fsync is that, and costs no more (see sync_darwin.go).
func syncOrdered(f *os.File) error { return f.Sync() }
