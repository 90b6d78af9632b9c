//go:build windows

package iostreams

import (
	"os"

	"golang.org/x/sys/windows"
)

// enableVirtualTerminal asks a Windows console to interpret ANSI escapes,
// which older conhost windows print literally unless told. A stream that
// is not a console (a pipe, a file, mintty) needs nothing and reports true;
// colour there is decided by the terminal rules alone.
func enableVirtualTerminal(f *os.File) bool {
	h := windows.Handle(f.Fd())
	var mode uint32
	if err := windows.GetConsoleMode(h, &mode); err != nil {
		return true
	}
	if mode&windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0 {
		return true
	}
	return windows.SetConsoleMode(h, mode|windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING) == nil
}
