package proctest

import (
	"os"
	"path/filepath"
)

// SystemPath is the PATH tests give their children on Windows: the
// system directories only (cmd.exe, where.exe, ...), from SystemRoot.
// Nothing else, so no real az, azd or pwsh installed on the machine can
// answer a test.
func SystemPath() string {
	root := os.Getenv("SystemRoot")
	if root == "" {
		root = `C:\Windows`
	}
	return PathList(filepath.Join(root, "System32"), root)
}
