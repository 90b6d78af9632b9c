package dockerconfig

import (
	"errors"
	"io/fs"
	"path/filepath"

	"github.com/aztoken/aztoken/internal/safefile"
)

// maxFile bounds what is read: a config file with a few hundred
// registries is tens of KiB.
const maxFile = 4 << 20

// Path is the file docker reads: config.json in DOCKER_CONFIG when it is
// set, else in .docker in the home directory.
func Path(dockerConfig, home string) string {
	if dockerConfig != "" {
		return filepath.Join(dockerConfig, "config.json")
	}
	return filepath.Join(home, ".docker", "config.json")
}

// Read returns the file's contents and mode; a missing file is empty,
// with the mode docker gives a new one.
func Read(path string) ([]byte, fs.FileMode, error) {
	data, mode, err := safefile.ReadMode(path, maxFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0o600, nil
	}
	if err != nil {
		return nil, 0, err
	}
	return data, mode.Perm(), nil
}
