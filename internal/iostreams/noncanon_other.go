//go:build !linux && !darwin

package iostreams

import (
	"errors"
	"os"
)

// nonCanonical: only Linux's and macOS's terminal settings are handled;
// elsewhere the line is read in the terminal's own mode.
func nonCanonical(*os.File) (func(), error) {
	return nil, errors.New("terminal modes are not handled on this system")
}
