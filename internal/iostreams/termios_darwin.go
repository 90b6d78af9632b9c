package iostreams

import "golang.org/x/sys/unix"

// The ioctls that read and set a terminal's settings (BSD's names).
const (
	getTermios = unix.TIOCGETA
	setTermios = unix.TIOCSETA
)
