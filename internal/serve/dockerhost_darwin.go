package serve

// Docker Desktop for Mac runs containers in a VM and forwards their
// connections to host.docker.internal to this machine's loopback through a
// proxy process, so a loopback listener is where Docker maps the container
// names. The names stay out of /etc/hosts, so a web page can rebind them:
// they never open IMDS without the secret (see hostRule.own).
const desktopForwardsLoopback = true

// systemHostsPath is the file the resolver reads before DNS.
func systemHostsPath() string { return "/etc/hosts" }
