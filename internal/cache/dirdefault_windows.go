package cache

import (
	"errors"
	"path/filepath"

	"github.com/aztoken/aztoken/internal/env"
)

// defaultDir is os.UserCacheDir()'s choice on Windows, %LOCALAPPDATA%,
// computed from the environment we were given rather than the process's.
// Local, not roaming: a token cache must not follow the user to another
// machine, and its key could not be read there anyway (DPAPI).
func defaultDir(e env.Env) (string, error) {
	if d := e.Get("LOCALAPPDATA"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "aztoken"), nil
	}
	return "", errors.New(`found no place for the token cache: LOCALAPPDATA is not set; set AZTOKEN_CACHE_DIR to a directory of yours`)
}
