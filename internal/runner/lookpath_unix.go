//go:build !windows

package runner

import (
	"os"
	"strings"
)

// hasDir says whether name is a path rather than a bare name.
func hasDir(name string) bool { return strings.ContainsRune(name, '/') }

// candidates are the file names name may have on disk.
func candidates(name string, _ []string) []string { return []string{name} }

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}
