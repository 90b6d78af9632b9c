package cache

import (
	"errors"
	"path/filepath"

	"github.com/aztoken/aztoken/internal/env"
)

// defaultDir is os.UserCacheDir()'s choice on macOS, ~/Library/Caches,
// computed from the environment we were given rather than the process's.
func defaultDir(e env.Env) (string, error) {
	if h := e.Get("HOME"); h != "" && filepath.IsAbs(h) {
		return filepath.Join(h, "Library", "Caches", "aztoken"), nil
	}
	return "", errors.New("found no place for the token cache: HOME is not set; set AZTOKEN_CACHE_DIR to a directory of yours")
}
