package fakeazure

import (
	"fmt"
	"net"
	"syscall"
)

// Unroutable is a loopback address where a TCP connection is never
// established: what a laptop sees at 169.254.169.254, where the SYN goes
// unanswered and only the dialer's own timeout ends the wait. It is a
// socket listening with a backlog of zero that never accepts, whose one
// queue slot is taken by a connection of its own, so the kernel drops
// every later SYN.
type Unroutable struct {
	fd     int
	filler net.Conn
	addr   string
}

// NewUnroutable starts an Unroutable on 127.0.0.1 at a free port.
func NewUnroutable() (*Unroutable, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("unroutable: %w", err)
	}
	u := &Unroutable{fd: fd}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		u.Close()
		return nil, fmt.Errorf("unroutable: %w", err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		u.Close()
		return nil, fmt.Errorf("unroutable: %w", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		u.Close()
		return nil, fmt.Errorf("unroutable: %w", err)
	}
	u.addr = fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	if u.filler, err = net.Dial("tcp", u.addr); err != nil {
		u.Close()
		return nil, fmt.Errorf("unroutable: %w", err)
	}
	return u, nil
}

// URL returns http://host:port.
func (u *Unroutable) URL() string { return "http://" + u.addr }

// Close releases the socket and the connection holding its queue.
func (u *Unroutable) Close() {
	if u.filler != nil {
		u.filler.Close()
	}
	syscall.Close(u.fd)
}
