//go:build !windows

package proctest

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// hiddenTools are the programs a test must never run for real: a machine
// with the Azure CLI installed (the azure-cli Debian package puts az in
// /usr/bin) would otherwise answer, slowly and over the network, for the
// fakes a test forgot to install.
var hiddenTools = map[string]bool{"az": true, "azd": true, "pwsh": true, "powershell": true}

var (
	sysPathOnce sync.Once
	sysPath     string
)

// SystemPath is the PATH tests give their children in place of
// "/usr/bin:/bin": a directory of links to everything in /usr/bin and
// /bin except az, azd and pwsh. It is built once per machine and user
// (in the temporary directory, replaced atomically), so tests started in
// parallel share it. Should it fail to build, it falls back to
// /usr/bin:/bin.
func SystemPath() string {
	sysPathOnce.Do(func() {
		sysPath = "/usr/bin:/bin"
		dir := filepath.Join(os.TempDir(), fmt.Sprintf("aztoken-test-syspath-%d", os.Getuid()))
		if _, err := os.Stat(filepath.Join(dir, "sh")); err == nil {
			sysPath = dir
			return
		}
		tmp, err := os.MkdirTemp(os.TempDir(), "aztoken-test-syspath-*")
		if err != nil {
			return
		}
		for _, src := range []string{"/bin", "/usr/bin"} {
			entries, err := os.ReadDir(src)
			if err != nil {
				continue
			}
			for _, e := range entries {
				if hiddenTools[e.Name()] {
					continue
				}
				// /bin first: where both have a name, the later link fails.
				_ = os.Symlink(filepath.Join(src, e.Name()), filepath.Join(tmp, e.Name()))
			}
		}
		if err := os.Rename(tmp, dir); err != nil {
			os.RemoveAll(tmp)
			if _, err := os.Stat(filepath.Join(dir, "sh")); err != nil {
				return
			}
		}
		sysPath = dir
	})
	return sysPath
}
