package serve

import (
	"errors"
	"syscall"

	"golang.org/x/sys/unix"
)

// bindToLink ties the listening socket to dev, the interface that holds
// the listen address (SO_BINDTODEVICE), so that the kernel itself refuses
// a connection that arrives on another interface, such as the LAN's,
// before serve sees it; this machine's own processes still connect (their
// connections to a local address count as arriving on its interface).
// The address check of clientLink stays the rule: Linux before 5.7 lets
// only CAP_NET_RAW set the option, and serve, run unprivileged with
// cap_net_bind_service as docs/containers.md says, then goes on without.
func bindToLink(dev string) func(network, address string, c syscall.RawConn) error {
	return func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) { serr = unix.BindToDevice(int(fd), dev) }); err != nil {
			return err
		}
		if errors.Is(serr, unix.EPERM) {
			return nil
		}
		return serr
	}
}
