package proctest

import (
	"sync"

	"golang.org/x/sys/windows"
)

// UnderWine says whether this Windows program runs under Wine rather
// than Windows: Wine's ntdll exports wine_get_version, Windows' does not.
// Tests that meet one of Wine's gaps (README.md, "Testing on Windows")
// skip with the gap as their reason; real Windows runs them.
var UnderWine = sync.OnceValue(func() bool {
	ntdll, err := windows.LoadLibrary("ntdll.dll")
	if err != nil {
		return false
	}
	_, err = windows.GetProcAddress(ntdll, "wine_get_version")
	return err == nil
})
