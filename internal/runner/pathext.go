package runner

import (
	"path/filepath"
	"strings"
)

// defaultPathExt is cmd.exe's PATHEXT when the environment has none, cut
// to what can run without a file association.
const defaultPathExt = ".COM;.EXE;.BAT;.CMD"

// withExtensions lists the names Windows tries for name under pathext.
// It is here rather than in a _windows file so that Linux tests cover it.
func withExtensions(name, pathext string) []string {
	if pathext == "" {
		pathext = defaultPathExt
	}
	var exts []string
	for _, e := range strings.Split(pathext, ";") {
		if e = strings.TrimSpace(e); strings.HasPrefix(e, ".") && len(e) > 1 {
			exts = append(exts, strings.ToLower(e))
		}
	}
	if ext := strings.ToLower(filepath.Ext(name)); ext != "" {
		for _, e := range exts {
			if e == ext {
				return []string{name}
			}
		}
	}
	out := make([]string, len(exts))
	for i, e := range exts {
		out[i] = name + e
	}
	return out
}
