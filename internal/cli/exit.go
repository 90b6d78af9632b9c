package cli

import (
	"context"
	"errors"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/usage"
)

// Exit codes, documented in --help and the README. Scripts branch on them.
const (
	ExitOK          = 0
	ExitError       = 1   // anything else
	ExitUsage       = 2   // usage or bad input
	ExitUnavailable = 3   // no source available
	ExitFailed      = 4   // a source was found but failed
	ExitTimedOut    = 5   // the command's --timeout ran out, or the sources timed out
	ExitInterrupted = 130 // SIGINT (Ctrl+C); SIGTERM gives 143 and SIGHUP 129 (see interruptedCode)
)

const exitCodesHelp = `Exit codes:
  0    a token was printed (probe: some source answered)
  1    any other error
  2    usage error or bad input
  3    no credential source is available
  4    a source was found but failed (the chain stopped there)
  5    timed out (--timeout, or every source that was not unavailable timed out)
  126  exec: COMMAND was found but could not be run
  127  exec: COMMAND was not found
  130  interrupted (SIGINT, Ctrl+C); 143 on SIGTERM, 129 on SIGHUP
Once exec has started COMMAND, it exits with COMMAND's code ('aztoken exec --help').`

// silentExit is an exit code whose report has already been written to
// stderr, so Run writes nothing more.
type silentExit int

func (silentExit) Error() string { return "" }

func silent(code int) error { return silentExit(code) }

// codeFor maps an error to the exit code scripts see.
func codeFor(ctx context.Context, err error) int {
	var se silentExit
	var ce *chain.NoTokenError
	var child childExit
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &se):
		return int(se)
	case errors.As(err, &child):
		return int(child)
	case errors.Is(err, usage.Err):
		return ExitUsage
	case errors.As(err, &ce):
		return chainCode(ce.Status)
	case errors.Is(err, context.DeadlineExceeded):
		return ExitTimedOut
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return ExitInterrupted
	}
	return ExitError
}

func chainCode(s chain.Status) int {
	switch s {
	case chain.StatusOK:
		return ExitOK
	case chain.StatusUnavailable:
		return ExitUnavailable
	case chain.StatusTimedOut:
		return ExitTimedOut
	default:
		return ExitFailed
	}
}
