//go:build !unix

package safefile

import "os"

// openNonBlocking opens the file. Outside Unix there are no FIFOs in the
// file system to block an open (Windows' named pipes live under \\.\pipe\
// and are refused as not regular by Open's check).
func openNonBlocking(path string) (*os.File, error) { return os.Open(path) }
