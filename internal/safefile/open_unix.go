//go:build unix

package safefile

import (
	"os"
	"syscall"
)

// openNonBlocking opens with O_NONBLOCK, so that opening a FIFO with no
// writer returns at once instead of waiting for one, and O_NOCTTY, so that
// a terminal device never becomes the controlling terminal. For the
// regular files that Open then accepts, O_NONBLOCK changes nothing.
func openNonBlocking(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
}
