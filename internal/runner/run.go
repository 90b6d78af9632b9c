package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Defaults for a run.
const (
	DefaultTimeout   = 10 * time.Second
	DefaultMaxOutput = 1 << 20 // bytes kept of each of stdout and stderr
)

// drainDelay bounds how long a run waits, once the tree is killed, for
// output from processes that escaped it and still hold the pipes. Nothing
// in the tree can hold them once it is killed.
const drainDelay = 200 * time.Millisecond

// Cmd is one run of a tool.
type Cmd struct {
	// Name is the executable, looked up on the PATH of Environ.
	Name string
	// Args are the arguments after the name. No shell reads them, and they
	// are visible to every user of the machine (ps), so they must never
	// carry a secret.
	Args []string
	// Environ is the child's whole environment, KEY=VALUE.
	Environ []string
	// Dir is the working directory; empty means a directory that always
	// exists and is nobody's project ("/", or %SystemRoot% on Windows), so
	// that a tool that reads settings from its working directory (azd
	// does) answers for the user rather than for wherever aztoken was
	// started.
	Dir string
	// Timeout bounds the run; zero means DefaultTimeout.
	Timeout time.Duration
	// MaxOutput bounds what is kept of each stream; zero means
	// DefaultMaxOutput. The rest is read and dropped, so a chatty child
	// never blocks on a full pipe.
	MaxOutput int
	// Stdin is what the child reads; nil means nothing (end of file at
	// once), so the child can never wait for a prompt.
	Stdin []byte
}

// Result is what a run produced. It is filled in as far as the run got,
// also when Run returns an error.
type Result struct {
	Path            string // the executable that ran
	Stdout, Stderr  []byte
	StdoutTruncated bool
	StderrTruncated bool
	// ExitCode is the child's exit status, or -1 when it did not exit on
	// its own (killed, or never started).
	ExitCode int
	Duration time.Duration
}

// ErrTimedOut is matched (errors.Is) by a TimeoutError.
var ErrTimedOut = errors.New("timed out")

// TimeoutError is a run that used up its own Timeout; the child and every
// process it started were killed.
type TimeoutError struct{ After time.Duration }

func (e *TimeoutError) Error() string { return "timed out after " + FormatDuration(e.After) }

// Is makes errors.Is(err, ErrTimedOut) true.
func (e *TimeoutError) Is(target error) bool { return target == ErrTimedOut }

// ExitError is a child that ran and exited unsuccessfully on its own.
type ExitError struct {
	Code  int    // -1 when a signal we did not send ended it
	State string // the process state in Go's words, such as "signal: segmentation fault"
}

func (e *ExitError) Error() string {
	if e.Code >= 0 {
		return fmt.Sprintf("exited with status %d", e.Code)
	}
	return "ended by " + e.State
}

var errOwnDeadline = errors.New("the run's own timeout")

// Run runs c and waits for it. It returns a *NotFoundError (ErrNotFound)
// when the executable is not on the PATH, a *TimeoutError when c.Timeout
// ran out, an error wrapping ctx.Err() when ctx ended first, and an
// *ExitError for an unsuccessful exit. Whatever happens, every process the
// child started is killed before Run returns (see tree for what each
// platform can reach).
func Run(ctx context.Context, c Cmd) (Result, error) {
	res := Result{ExitCode: -1}
	path, err := LookPath(c.Name, c.Environ)
	if err != nil {
		return res, err
	}
	res.Path = path
	runStarted()
	defer runEnded()
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("stopped before it started: %w", err)
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	limit := c.MaxOutput
	if limit <= 0 {
		limit = DefaultMaxOutput
	}
	dir := c.Dir
	if dir == "" {
		dir = defaultDir(c.Environ)
	}
	rctx, cancel := context.WithTimeoutCause(ctx, timeout, errOwnDeadline)
	defer cancel()
	cmd, err := command(rctx, path, c.Args, c.Environ)
	if err != nil {
		return res, err
	}
	cmd.Dir = dir
	if c.Stdin != nil {
		cmd.Stdin = bytes.NewReader(c.Stdin)
	}
	t, err := newTree(cmd)
	if err != nil {
		return res, fmt.Errorf("cannot prepare to run %s: %w", path, err)
	}
	defer t.release()
	cmd.Cancel = t.kill
	// Backstop only: killing the tree ends the child at once.
	cmd.WaitDelay = time.Second

	// Our own pipes, rather than exec's, so that Wait returns as soon as the
	// child exits even if a grandchild still holds stdout; we then kill the
	// tree, which closes the pipes.
	outR, outW, err := os.Pipe()
	if err != nil {
		return res, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return res, err
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	stdout, stderr := &bounded{max: limit}, &bounded{max: limit}

	start := time.Now()
	err = cmd.Start()
	outW.Close()
	errW.Close()
	if err == nil {
		if err = t.started(cmd.Process); err != nil {
			// A child we could not put in its tree is a child we could
			// not stop: end it before anything else happens.
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			err = fmt.Errorf("could not track its processes: %w", err)
		}
	}
	if err != nil {
		outR.Close()
		errR.Close()
		// It was found, so "no such file" here means its interpreter
		// (the #! line) is missing: a broken install, not a missing tool.
		return res, fmt.Errorf("could not start %s: %w", path, err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { io.Copy(stdout, outR) })
	wg.Go(func() { io.Copy(stderr, errR) })

	werr := cmd.Wait()
	// Nothing the tool started may outlive the run.
	_ = t.kill()
	drained := make(chan struct{})
	go func() { wg.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-time.After(drainDelay):
		// Closing the read ends wakes the copies; what was read is kept.
		outR.Close()
		errR.Close()
		<-drained
	}
	outR.Close()
	errR.Close()

	res.Duration = time.Since(start)
	res.Stdout, res.StdoutTruncated = stdout.buf, stdout.dropped > 0
	res.Stderr, res.StderrTruncated = stderr.buf, stderr.dropped > 0
	if cmd.ProcessState != nil {
		res.ExitCode = cmd.ProcessState.ExitCode()
	}

	if werr == nil {
		return res, nil
	}
	if rctx.Err() != nil {
		res.ExitCode = -1
		if ctx.Err() == nil && context.Cause(rctx) == errOwnDeadline {
			return res, &TimeoutError{After: timeout}
		}
		return res, fmt.Errorf("stopped before it finished: %w", ctx.Err())
	}
	if cmd.ProcessState != nil {
		return res, &ExitError{Code: cmd.ProcessState.ExitCode(), State: cmd.ProcessState.String()}
	}
	return res, werr
}

// runs counts the runs in progress, for WaitAll; idle is closed whenever
// the count drops to zero. (A WaitGroup would do, but it may not be Added
// to from zero while a WaitAll that gave up is still Waiting on it.)
var runs struct {
	mu   sync.Mutex
	n    int
	idle chan struct{}
}

func runStarted() {
	runs.mu.Lock()
	defer runs.mu.Unlock()
	if runs.n == 0 {
		runs.idle = make(chan struct{})
	}
	runs.n++
}

func runEnded() {
	runs.mu.Lock()
	defer runs.mu.Unlock()
	runs.n--
	if runs.n == 0 {
		close(runs.idle)
	}
}

// WaitAll waits until every run in progress has returned, which it does
// only once its whole tree is killed, or until d has passed, and says
// whether they all had. A command calls it before exiting: a signal
// cancels the runs' contexts, and exiting before the kill has finished
// would leave the tree, or the part not yet found, behind.
func WaitAll(d time.Duration) bool {
	runs.mu.Lock()
	done, n := runs.idle, runs.n
	runs.mu.Unlock()
	if n == 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// bounded keeps the first max bytes written to it and counts the rest.
type bounded struct {
	max     int
	buf     []byte
	dropped int
}

func (b *bounded) Write(p []byte) (int, error) {
	room := b.max - len(b.buf)
	if room >= len(p) {
		b.buf = append(b.buf, p...)
		return len(p), nil
	}
	if room > 0 {
		b.buf = append(b.buf, p[:room]...)
	}
	b.dropped += len(p) - max(room, 0)
	return len(p), nil
}
