package runner

import (
	"os"
	"path/filepath"
	"strings"
)

// hasDir says whether name is a path rather than a bare name.
func hasDir(name string) bool { return strings.ContainsAny(name, `/\:`) }

// candidates are the file names name may have on disk: name itself when
// it already ends in one of PATHEXT's extensions, else name with each of
// them, in PATHEXT's order, as cmd.exe tries them ("az" is az.cmd).
func candidates(name string, environ []string) []string {
	pathext, _ := lookupVar(environ, "PATHEXT")
	return withExtensions(name, pathext)
}

// Windows has no executable bit: any regular file with an extension from
// PATHEXT runs.
func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && filepath.Ext(p) != ""
}
