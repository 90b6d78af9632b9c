package serve

import (
	"os"
	"path/filepath"
)

// Docker Desktop for Windows runs containers in a VM (WSL 2 or Hyper-V)
// and forwards their connections to host.docker.internal to this machine's
// loopback, so a loopback listener is where Docker maps the container
// names. It also writes them into the hosts file. They never open IMDS
// without the secret (see hostRule.own).
const desktopForwardsLoopback = true

// systemHostsPath is the file the resolver reads before DNS.
func systemHostsPath() string {
	root := os.Getenv("SystemRoot")
	if root == "" {
		root = `C:\Windows`
	}
	return filepath.Join(root, "System32", "drivers", "etc", "hosts")
}
