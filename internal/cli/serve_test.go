package cli

import (
	"context"
	"os"
	"strings"
	"testing"
)

// The first signal starts a graceful stop; a second one stops at once.
func TestServeSecondSignalAborts(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	registered := make(chan chan<- os.Signal, 1)
	aborted := make(chan struct{})
	var stderr strings.Builder
	done := make(chan struct{})
	go func() {
		defer close(done)
		abortOnSecondSignal(ctx, served, &stderr, func() { close(aborted) }, func(c chan<- os.Signal) func() {
			registered <- c
			return func() {}
		})
	}()
	cancel() // the first SIGINT
	c := <-registered
	c <- os.Interrupt // the second
	<-aborted
	<-done
	if !strings.Contains(stderr.String(), "interrupt again to stop at once") {
		t.Errorf("stderr: %q", stderr.String())
	}
	// A server that stops by itself leaves nothing waiting.
	served2 := make(chan struct{})
	close(served2)
	abortOnSecondSignal(context.Background(), served2, &stderr, func() { t.Error("aborted") }, nil)
}
