//go:build !windows

package httpx

// Outside Windows a refused connection is ECONNREFUSED alone.
func wsaRefused(error) bool { return false }
