package serve

import (
	"net"
	"sync"
	"sync/atomic"
)

// DefaultMaxConns bounds serve's open connections, well under a default
// file-descriptor limit of 1024, so that clients holding connections open
// cannot make accept fail for everyone ("too many open files").
const DefaultMaxConns = 512

// connLimit is a listener that holds at most max connections open: Accept
// waits for one to close before taking the next from the kernel's queue.
type connLimit struct {
	net.Listener
	slots  chan struct{}
	closed chan struct{}
	once   sync.Once
	open   atomic.Int64
	peak   atomic.Int64
}

func newConnLimit(ln net.Listener, max int) *connLimit {
	return &connLimit{Listener: ln, slots: make(chan struct{}, max), closed: make(chan struct{})}
}

// Close closes the listener and ends an Accept waiting for a slot.
func (l *connLimit) Close() error {
	l.once.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

func (l *connLimit) Accept() (net.Conn, error) {
	select {
	case l.slots <- struct{}{}:
	case <-l.closed:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	n := l.open.Add(1)
	for p := l.peak.Load(); n > p && !l.peak.CompareAndSwap(p, n); p = l.peak.Load() {
	}
	return &limitedConn{Conn: c, l: l}, nil
}

// limitedConn gives its slot back once, on Close.
type limitedConn struct {
	net.Conn
	l    *connLimit
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.open.Add(-1)
		<-c.l.slots
	})
	return err
}
