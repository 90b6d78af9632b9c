package source

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
)

// Limits that keep a fingerprint cheap: login files are small, and a
// directory the size of a home folder is not a login state.
const (
	fpMaxFile  = 4 << 20
	fpMaxFiles = 256
)

// loginFingerprint hashes the files that hold a developer tool's login
// state: their names and contents, or "absent" for those that do not exist,
// so that logging in, out, or as someone else changes the result. dirs are
// walked, and each regular file in them counts. Nothing is run and nothing
// is sent; the files are only hashed, never kept.
func loginFingerprint(files, dirs []string) string {
	h := sha256.New()
	for _, f := range files {
		fpHashFile(h, f)
	}
	for _, d := range dirs {
		n := 0
		err := filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil || !e.Type().IsRegular() {
				return nil
			}
			if n++; n > fpMaxFiles {
				return filepath.SkipAll
			}
			fpHashFile(h, p)
			return nil
		})
		if err != nil || n == 0 {
			fpField(h, "dir", d, "absent")
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func fpHashFile(h hash.Hash, path string) {
	fi, err := os.Stat(path)
	switch {
	case err != nil || !fi.Mode().IsRegular():
		fpField(h, "file", path, "absent")
	case fi.Size() > fpMaxFile:
		// Too big to read on every call: its size and time stand in for it.
		fpField(h, "large", path, fi.ModTime().UTC().String(), string(binary.AppendVarint(nil, fi.Size())))
	default:
		b, err := os.ReadFile(path)
		if err != nil {
			fpField(h, "file", path, "unreadable")
			return
		}
		fpField(h, "file", path, "content", string(b))
	}
}

// field writes length-prefixed parts, so no two different inputs hash alike.
func fpField(h hash.Hash, parts ...string) {
	for _, p := range parts {
		h.Write(binary.AppendUvarint(nil, uint64(len(p))))
		h.Write([]byte(p))
	}
}

func loginFileExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

func dirExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}
