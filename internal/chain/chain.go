package chain

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aztoken/aztoken/internal/claims"
	"github.com/aztoken/aztoken/internal/human"
)

// Chain tries sources in order until one answers or one fails.
type Chain struct {
	Sources []Source
	// Hedge, when positive, starts the next source once the current one has
	// been waiting this long, so that a silent IMDS and a slow az overlap
	// instead of adding up. The result is still exactly what the order
	// gives: a later source's token is used only once every earlier source
	// is known unavailable, and a speculative start that is not needed is
	// cancelled (which kills its child process).
	Hedge time.Duration
	// OnOutcome, when set, is called with each outcome as it becomes final,
	// in chain order; -v uses it to report progress.
	OnOutcome func(Outcome)
	// OnStart, when set, is called once GetToken is about to start the
	// first source: aztoken listens for Ctrl+C from there on (a cached
	// token is served without it).
	OnStart func()
}

// Result is every source's outcome, in chain order.
type Result struct {
	Outcomes []Outcome
	// Winner is the index of the source that answered, or -1.
	Winner int
}

// NoTokenError is the chain's failure: no source answered. (A single
// source's failure is a SourceError.)
type NoTokenError struct {
	Result
	// Status is StatusUnavailable when every source was unavailable,
	// StatusTimedOut when the command's time ran out or the sources that
	// were not unavailable timed out, and StatusFailed when a source failed.
	Status Status
}

func (e *NoTokenError) Error() string {
	switch e.Status {
	case StatusFailed:
		for _, o := range e.Outcomes {
			if o.Status == StatusFailed {
				return fmt.Sprintf("%s failed: %s", o.Source, o.Reason)
			}
		}
		return "a source failed"
	case StatusTimedOut:
		return "no source answered in time"
	default:
		return "no credential source is available"
	}
}

type attempt struct {
	cancel context.CancelFunc
	done   chan struct{}
	start  time.Time
	out    Outcome
}

// GetToken runs the chain.
func (c *Chain) GetToken(ctx context.Context, req Request) (Token, Result, error) {
	if c.OnStart != nil {
		c.OnStart()
	}
	res := Result{Outcomes: make([]Outcome, len(c.Sources)), Winner: -1}
	for i, s := range c.Sources {
		res.Outcomes[i] = Outcome{Source: s.Name(), Status: StatusNotTried}
	}
	attempts := make([]*attempt, len(c.Sources))
	launch := func(i int) {
		if i >= len(attempts) || attempts[i] != nil {
			return
		}
		actx, cancel := context.WithCancel(ctx)
		a := &attempt{cancel: cancel, done: make(chan struct{}), start: time.Now()}
		attempts[i] = a
		go func() {
			defer close(a.done)
			a.out = Try(actx, c.Sources[i], req)
		}()
	}
	defer func() {
		for _, a := range attempts {
			if a != nil {
				a.cancel()
				<-a.done
			}
		}
	}()

	for i := range c.Sources {
		launch(i)
		a := attempts[i]
		// Wait for this source; while it waits, start the next ones one
		// hedge interval apart.
		next := i + 1
		for waiting := true; waiting; {
			var hedge <-chan time.Time
			var t *time.Timer
			if c.Hedge > 0 && next < len(c.Sources) {
				t = time.NewTimer(c.Hedge)
				hedge = t.C
			}
			select {
			case <-a.done:
				waiting = false
			case <-hedge:
				launch(next)
				next++
			}
			if t != nil {
				t.Stop()
			}
		}
		o := a.out
		res.Outcomes[i] = o
		if c.OnOutcome != nil {
			c.OnOutcome(o)
		}
		switch winner, stopper, st := Decide(res.Outcomes[:i+1]); {
		case winner >= 0:
			res.Winner = winner
			return o.Token, res, nil
		case stopper >= 0:
			return Token{}, res, &NoTokenError{Result: res, Status: st}
		case ctx.Err() != nil:
			// Ended (the deadline, Ctrl+C) while this source had nothing:
			// the later ones are not tried.
			return Token{}, res, &NoTokenError{Result: res, Status: StatusTimedOut}
		}
	}
	_, _, st := Decide(res.Outcomes)
	return Token{}, res, &NoTokenError{Result: res, Status: st}
}

// blockedGrace is how long a source whose context has ended may take to
// return its own, more specific, error before it is given up on.
const blockedGrace = 100 * time.Millisecond

// getToken calls s.GetToken and returns when it does or, at the latest,
// shortly after ctx ends. A source should return when its context ends,
// but one stuck where no context reaches (a read from a file that never
// answers, a system call that hangs) must not hold the whole command past
// its deadline: its goroutine is left behind, and the process, which has
// its answer, exits without it.
func getToken(ctx context.Context, s Source, req Request) (Token, error) {
	type answer struct {
		tok Token
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		tok, err := s.GetToken(ctx, req)
		ch <- answer{tok, err}
	}()
	select {
	case a := <-ch:
		return a.tok, a.err
	case <-ctx.Done():
	}
	t := time.NewTimer(blockedGrace)
	defer t.Stop()
	select {
	case a := <-ch:
		return a.tok, a.err
	case <-t.C:
		return Token{}, TimedOut("check the files and devices this source reads (explain lists them)",
			"did not return when its time ran out (%v); it is blocked, perhaps reading a file or device that never answers", ctx.Err())
	}
}

// ranOut makes the outcome of a source that had not answered when the
// command's deadline passed a timeout, with one hint for get and probe
// alike: the source's own, when it said it timed out, else raise
// --timeout. Never "exclude this source": a source that is configured but
// slow is most likely the identity that was meant, and a later one would
// hand out another's token.
func ranOut(ctx context.Context, o *Outcome) {
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) || o.Status == StatusOK {
		return
	}
	if o.Status != StatusTimedOut {
		o.Status, o.Hint = StatusTimedOut, ""
		if !strings.Contains(o.Reason, "timed out") {
			o.Reason = "the command's --timeout ran out while this source was working"
		}
	}
	if o.Hint == "" {
		o.Hint = "raise --timeout; 'aztoken probe -v --source " + o.Source + "' shows what it sent and how long each request took"
	}
	o.Deadline = true
}

// Decide is what GetToken decides from outcomes in chain order (it calls
// it after each source), had they come one after another: the source that answers (winner), or the one
// that stops the chain (stopper: a failure, or a source still working when
// the deadline passed), and the status of the whole (StatusOK when one
// answers). probe runs every source at once and uses it to say, and with
// --strict to exit, as get would.
func Decide(outcomes []Outcome) (winner, stopper int, st Status) {
	st = StatusUnavailable
	for i, o := range outcomes {
		switch {
		case o.Status == StatusOK:
			return i, -1, StatusOK
		case o.Status == StatusFailed:
			return -1, i, StatusFailed
		case o.Status == StatusTimedOut && o.Deadline:
			return -1, i, StatusTimedOut
		case o.Status == StatusTimedOut:
			st = StatusTimedOut
		}
	}
	return -1, -1, st
}

// Try runs one source and describes what it did. probe uses it directly to
// run every source on its own; the chain uses it for each step.
func Try(ctx context.Context, s Source, req Request) Outcome {
	rec := &Recorder{}
	start := time.Now()
	tok, err := getToken(WithRecorder(ctx, rec), s, req)
	o := Outcome{
		Source:   s.Name(),
		Status:   StatusOf(err),
		Duration: time.Since(start),
		Requests: rec.Requests(),
	}
	if err != nil {
		// Reasons and hints quote what others wrote (Entra ID's
		// descriptions, an endpoint's message, a tool's stderr, ids the
		// user gave): they reach a terminal, so no escape sequence may
		// pass.
		o.Reason = human.Line(err.Error())
		o.Hint = human.Line(HintOf(err))
		o.HalfConfigured = IsHalfConfigured(err)
		if errors.Is(err, context.DeadlineExceeded) && o.Status == StatusTimedOut && !strings.Contains(o.Reason, "timed out") {
			o.Reason = "timed out: " + o.Reason
		}
		ranOut(ctx, &o)
		return o
	}
	if tok.AccessToken == "" {
		o.Status = StatusFailed
		o.Reason = "the source answered without an access token"
		return o
	}
	if c, err := claims.Decode(tok.AccessToken); err == nil && tok.Identity == "" {
		// The developer tools do not say whose token they gave; the
		// token does, and cache list shows it.
		tok.Identity = identityFromClaims(c)
	}
	tok, err = Settle(tok, start)
	if err != nil {
		o.Status, o.Reason, o.Hint = StatusFailed, err.Error(), HintOf(err)
		return o
	}
	o.Token = tok
	return o
}

// Settle applies the expiry rule every token passes before anyone is
// handed it, get's chain and serve's providers (chain, emulator, relay)
// alike: the answer's expiry and the token's own exp claim can disagree
// (a clock gone wrong, a proxy replaying an old answer), and the earlier
// one decides; a token already expired at now is refused, since handing
// on a dead token only moves the failure to the caller's next request,
// where it is harder to explain. The token comes back with ExpiresOn the
// earlier time (and a RefreshOn past it dropped), so that neither a
// cache (get's, serve's) nor -o json nor --min-validity ever counts on a
// lifetime the token itself does not have. An opaque token has no claims
// to read.
func Settle(tok Token, now time.Time) (Token, error) {
	exp := tok.ExpiresOn
	if c, err := claims.Decode(tok.AccessToken); err == nil && !c.ExpiresAt.IsZero() && (exp.IsZero() || c.ExpiresAt.Before(exp)) {
		exp = c.ExpiresAt
	}
	if !exp.IsZero() && !exp.After(now) {
		return Token{}, Failed(nil, "check this machine's clock, and the clock of the machine that issued the token",
			"the source answered with a token that had already expired (at %s)", exp.UTC().Format(time.RFC3339))
	}
	if !exp.Equal(tok.ExpiresOn) {
		tok.ExpiresOn = exp
		if !tok.RefreshOn.IsZero() && !tok.RefreshOn.Before(exp) {
			tok.RefreshOn = time.Time{}
		}
	}
	return tok, nil
}

// identityFromClaims names who a token is for, in the words sources use
// for Token.Identity: "user ada@contoso.com" or "app <client id>".
func identityFromClaims(c claims.Claims) string {
	switch {
	case c.Username() != "":
		return "user " + human.Line(c.Username())
	case c.ClientID() != "":
		return "app " + human.Line(c.ClientID())
	}
	return ""
}
