package httpx

import (
	"errors"
	"syscall"
)

// Refused says whether err is a refused connection: nothing listens at
// the address. Windows reports WSAECONNREFUSED, which syscall.ECONNREFUSED
// does not match there (wsaRefused).
func Refused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || wsaRefused(err)
}

// ConnReason is a dial error's cause in the same few words on every OS:
// "connection refused" for a refused connection (Windows would otherwise
// say "No connection could be made because the target machine actively
// refused it."), else the system's own text for the error number.
func ConnReason(err error) string {
	if Refused(err) {
		return "connection refused"
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	return err.Error()
}
