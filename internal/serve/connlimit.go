package serve

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
)

// DefaultMaxConns bounds serve's open connections, well under a default
// file-descriptor limit of 1024, so that clients holding connections open
// cannot make accept fail for everyone ("too many open files").
const DefaultMaxConns = 512

// DefaultMaxConnsPerAddr bounds the connections one remote address may
// hold open, so that one process or container cannot take every slot
// (an SDK client holds a few). With a smaller MaxConns it is half of that.
const DefaultMaxConnsPerAddr = 64

// connLimit is a listener that holds at most max connections open, and
// at most perAddr from one remote address: Accept waits for one to close
// before taking the next from the kernel's queue, and closes at once a
// connection from an address that already holds its share, so that the
// wait is never behind one greedy client.
type connLimit struct {
	net.Listener
	slots   chan struct{}
	perAddr int
	closed  chan struct{}
	once    sync.Once
	open    atomic.Int64
	peak    atomic.Int64

	mu     sync.Mutex
	byAddr map[netip.Addr]int
}

func newConnLimit(ln net.Listener, max, perAddr int) *connLimit {
	return &connLimit{Listener: ln, slots: make(chan struct{}, max), perAddr: perAddr, closed: make(chan struct{}), byAddr: map[netip.Addr]int{}}
}

// perAddrFor is the per-address share for a limit of total connections.
func perAddrFor(total int) int {
	return max(1, min(DefaultMaxConnsPerAddr, total/2))
}

// Close closes the listener and ends an Accept waiting for a slot.
func (l *connLimit) Close() error {
	l.once.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

func (l *connLimit) Accept() (net.Conn, error) {
	for {
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
		addr := remoteIP(c)
		l.mu.Lock()
		if l.byAddr[addr] >= l.perAddr {
			l.mu.Unlock()
			_ = c.Close()
			<-l.slots
			continue
		}
		l.byAddr[addr]++
		l.mu.Unlock()
		n := l.open.Add(1)
		for p := l.peak.Load(); n > p && !l.peak.CompareAndSwap(p, n); p = l.peak.Load() {
		}
		return &limitedConn{Conn: c, l: l, addr: addr}, nil
	}
}

// remoteIP is a connection's remote address without its port; every
// connection that is not TCP counts as one address.
func remoteIP(c net.Conn) netip.Addr {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.AddrPort().Addr().Unmap()
	}
	return netip.Addr{}
}

// limitedConn gives its slot and its address's share back once, on Close.
type limitedConn struct {
	net.Conn
	l    *connLimit
	addr netip.Addr
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.l.mu.Lock()
		if c.l.byAddr[c.addr]--; c.l.byAddr[c.addr] <= 0 {
			delete(c.l.byAddr, c.addr)
		}
		c.l.mu.Unlock()
		c.l.open.Add(-1)
		<-c.l.slots
	})
	return err
}
