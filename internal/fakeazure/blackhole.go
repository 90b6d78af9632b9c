package fakeazure

import (
	"errors"
	"fmt"
	"net"
	"sync"
)

// Blackhole is a TCP listener that accepts connections and never says a
// word: what a client sees when IMDS's address is routed but nothing
// answers, so only its own timeout ends the wait.
type Blackhole struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	count int
	done  chan struct{}
}

// NewBlackhole starts a Blackhole on 127.0.0.1 at a free port.
func NewBlackhole() (*Blackhole, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("the blackhole cannot listen: %w", err)
	}
	b := &Blackhole{ln: ln, done: make(chan struct{})}
	go b.accept()
	return b, nil
}

func (b *Blackhole) accept() {
	defer close(b.done)
	for {
		c, err := b.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		b.mu.Lock()
		b.conns = append(b.conns, c)
		b.count++
		b.mu.Unlock()
	}
}

// Addr returns the listener's host:port.
func (b *Blackhole) Addr() string { return b.ln.Addr().String() }

// URL returns http://host:port.
func (b *Blackhole) URL() string { return "http://" + b.Addr() }

// Accepted returns how many connections have been accepted.
func (b *Blackhole) Accepted() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.count
}

// Close stops listening and drops every accepted connection.
func (b *Blackhole) Close() {
	_ = b.ln.Close()
	<-b.done
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.conns {
		_ = c.Close()
	}
	b.conns = nil
}
