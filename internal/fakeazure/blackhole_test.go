package fakeazure

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestBlackholeNeverAnswers(t *testing.T) {
	b, err := NewBlackhole()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	// The silent-IMDS case: the address is routed to the blackhole, the
	// connection opens, and only the client's deadline ends the wait.
	c := &http.Client{Transport: LoopbackTransport(map[string]string{IMDSAddr: b.Addr()}, nil)}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+IMDSAddr+IMDSPath, nil)
	start := time.Now()
	_, err = c.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	if took := time.Since(start); took < 150*time.Millisecond {
		t.Errorf("gave up after %v, before the deadline", took)
	}
	if b.Accepted() != 1 {
		t.Errorf("accepted %d connections, want 1", b.Accepted())
	}

	done := make(chan struct{})
	go func() { b.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Close blocked")
	}
}
