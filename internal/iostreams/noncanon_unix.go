//go:build linux || darwin

package iostreams

import (
	"os"

	"golang.org/x/sys/unix"
)

// nonCanonical takes the terminal f out of canonical mode and echo,
// reading byte by byte (VMIN 1, VTIME 0); signals (Ctrl+C) and the
// CR-to-NL mapping stay. restore puts the settings back as they were.
func nonCanonical(f *os.File) (restore func(), err error) {
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, getTermios)
	if err != nil {
		return nil, err
	}
	t := *old
	t.Lflag &^= unix.ICANON | unix.ECHO
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	if err := unix.IoctlSetTermios(fd, setTermios, &t); err != nil {
		return nil, err
	}
	return func() { _ = unix.IoctlSetTermios(fd, setTermios, old) }, nil
}
