//go:build !windows

package iostreams

import "os"

// enableVirtualTerminal reports whether ANSI escapes work on f; outside
// Windows every terminal worth colouring understands them.
func enableVirtualTerminal(*os.File) bool { return true }
