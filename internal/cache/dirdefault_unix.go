//go:build !windows && !darwin

package cache

import (
	"errors"
	"path/filepath"

	"github.com/aztoken/aztoken/internal/env"
)

// defaultDir follows the XDG base directory spec: $XDG_CACHE_HOME/aztoken,
// else $HOME/.cache/aztoken. The spec says a relative XDG_CACHE_HOME is
// invalid and to be ignored.
func defaultDir(e env.Env) (string, error) {
	if d := e.Get("XDG_CACHE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "aztoken"), nil
	}
	if h := e.Get("HOME"); h != "" && filepath.IsAbs(h) {
		return filepath.Join(h, ".cache", "aztoken"), nil
	}
	return "", errors.New("found no place for the token cache: HOME is not set; set AZTOKEN_CACHE_DIR to a directory of yours")
}
