package cli

// This file is how aztoken stops on Ctrl+C, SIGTERM and SIGHUP, and why a
// cached token is served before it listens for them.

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// stopSignals end a command the same way: the context is cancelled, so
// every child tool's process tree is killed (internal/runner) and the
// command returns. SIGHUP is among them because a closed terminal or SSH
// session sends it, and the default action would kill aztoken alone and
// orphan a running az. On Windows, Ctrl+C arrives as os.Interrupt and a
// closed console as SIGTERM.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// annotationArmsSignals marks a command that arms stopSignals itself
// (App.armSignals), when it is about to run a source, or never if it
// starts nothing: get, git's and docker's helpers answer from the cache
// before they listen, and version never needs to. Listening costs a goroutine parked in the runtime's signal
// receiver, which the scheduler gives a thread of its own; on a cached get
// that was three thread starts and about a sixth of the whole run (issue
// 23). Until then a signal has its default effect: the process ends as
// the signal's, which a shell reports as the same 128+N, and there is no
// child to kill and no half-written output (a token is written at once).
const annotationArmsSignals = "aztoken/arms-signals"

// signalContext is a context that stopSignals cancel, with an
// *Interrupted cause naming the signal, once arm was called. Later
// signals are ignored until stop is called, as with signal.NotifyContext.
type signalContext struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	once   sync.Once
	ch     chan os.Signal
	done   chan struct{}
}

func newSignalContext() *signalContext {
	ctx, cancel := context.WithCancelCause(context.Background())
	return &signalContext{ctx: ctx, cancel: cancel}
}

// arm starts listening; only the first call does anything.
func (s *signalContext) arm() {
	s.once.Do(func() {
		s.ch = make(chan os.Signal, 1)
		s.done = make(chan struct{})
		signal.Notify(s.ch, stopSignals...)
		go func() {
			select {
			case sig := <-s.ch:
				s.cancel(&Interrupted{Signal: sig})
			case <-s.done:
			}
		}()
	})
}

// stop stops listening and cancels the context.
func (s *signalContext) stop() {
	s.once.Do(func() {}) // no arm after stop
	if s.ch != nil {
		signal.Stop(s.ch)
		close(s.done)
	}
	s.cancel(nil)
}

// Interrupted is the cause of a context cancelled by a signal. It matches
// context.Canceled, so code that only asks "was I cancelled?" sees that.
type Interrupted struct{ Signal os.Signal }

func (e *Interrupted) Error() string { return "interrupted by " + e.Signal.String() }

// Is makes errors.Is(err, context.Canceled) true.
func (e *Interrupted) Is(target error) bool { return target == context.Canceled }

// interruptedCode is the exit code for a command ended by a signal: 128
// plus the signal's number, as a shell reports a process the signal
// killed (SIGINT 130, SIGTERM 143, SIGHUP 129); 130 when the cause does
// not say which.
func interruptedCode(ctx context.Context) int {
	var in *Interrupted
	if errors.As(context.Cause(ctx), &in) {
		return signalCode(in.Signal)
	}
	return ExitInterrupted
}

// signalCode is the exit code for a stop by sig: 128 plus its number, or
// 130 for a signal without one.
func signalCode(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok && s > 0 && s < 64 {
		return 128 + int(s)
	}
	return ExitInterrupted
}
