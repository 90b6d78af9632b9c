package chain

import (
	"context"
	"errors"
	"fmt"
)

// ErrUnavailable marks a source that has nothing to offer here: it is not
// configured, or what it needs is not on this machine. The chain skips it.
var ErrUnavailable = errors.New("credential unavailable")

// ErrTimedOut marks a source that ran out of its own time, such as a
// developer tool that did not answer within --cli-timeout. The chain skips it.
var ErrTimedOut = errors.New("timed out")

// SourceError is a source's failure in words a user can act on.
type SourceError struct {
	kind error  // ErrUnavailable, ErrTimedOut, or nil for a failure that stops the chain
	Msg  string // what went wrong, a sentence without the source's name
	Hint string // what to do next, may be empty
	Err  error  // the cause, for errors.Is/As; its text is not shown to users
	// HalfConfigured marks a source the user evidently meant to use but
	// configured only in part (a secret without a tenant, a certificate
	// path to nowhere). It is unavailable like any other, but the report
	// names it first: a later source's failure is often its consequence.
	HalfConfigured bool
}

func (e *SourceError) Error() string { return e.Msg }

// Unwrap exposes the kind and the cause.
func (e *SourceError) Unwrap() []error {
	var errs []error
	if e.kind != nil {
		errs = append(errs, e.kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// Unavailable says a source has nothing to offer; the chain moves on.
func Unavailable(hint, format string, args ...any) error {
	return &SourceError{kind: ErrUnavailable, Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// HalfConfigured says a source is unavailable because only part of its
// configuration is there; the chain moves on, and the report leads with it.
func HalfConfigured(hint, format string, args ...any) error {
	return &SourceError{kind: ErrUnavailable, Msg: fmt.Sprintf(format, args...), Hint: hint, HalfConfigured: true}
}

// MarkHalfConfigured marks an unavailable error as HalfConfigured and
// returns it; other errors are returned as they are.
func MarkHalfConfigured(err error) error {
	var e *SourceError
	if errors.As(err, &e) && errors.Is(err, ErrUnavailable) {
		c := *e
		c.HalfConfigured = true
		return &c
	}
	return err
}

// IsHalfConfigured reports whether err marks a half-configured source.
func IsHalfConfigured(err error) bool {
	var e *SourceError
	return errors.As(err, &e) && e.HalfConfigured
}

// Failed says a source was found but failed; the chain stops.
func Failed(cause error, hint, format string, args ...any) error {
	return &SourceError{Msg: fmt.Sprintf(format, args...), Hint: hint, Err: cause}
}

// TimedOut says a source ran out of its own time; the chain moves on.
func TimedOut(hint, format string, args ...any) error {
	return &SourceError{kind: ErrTimedOut, Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// HintOf returns the hint carried by err, if any.
func HintOf(err error) string {
	var e *SourceError
	if errors.As(err, &e) {
		return e.Hint
	}
	return ""
}

// StatusOf classifies an error returned by a source.
func StatusOf(err error) Status {
	switch {
	case err == nil:
		return StatusOK
	case errors.Is(err, ErrUnavailable):
		return StatusUnavailable
	case errors.Is(err, ErrTimedOut), errors.Is(err, context.DeadlineExceeded):
		return StatusTimedOut
	default:
		return StatusFailed
	}
}
