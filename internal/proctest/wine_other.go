//go:build !windows

package proctest

// UnderWine is false outside Windows: Wine runs Windows programs only.
func UnderWine() bool { return false }
