package httpx

import (
	"errors"
	"net"
	"testing"
)

// A refused connection is recognised, and said the same way, on every OS
// (on Windows it is WSAECONNREFUSED, not ECONNREFUSED).
func TestRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = net.Dial("tcp", addr)
	if err == nil {
		t.Skip("skipping: something listens on the port just closed")
	}
	if !Refused(err) {
		t.Errorf("Refused(%v) = false", err)
	}
	var op *net.OpError
	if !errors.As(err, &op) || ConnReason(op.Err) != "connection refused" {
		t.Errorf("ConnReason(%v) = %q, want connection refused", err, ConnReason(op.Err))
	}
	if Refused(errors.New("connection refused")) {
		t.Error("Refused matched an error by its text")
	}
}
