package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// Foreground is a command the user named, run the way a shell would run
// it (aztoken exec): on the caller's own standard streams and working
// directory, with no deadline, for as long as it likes. Unlike Run, which
// holds a developer tool in a tree of its own that it kills when time is
// up, a foreground child is never killed by aztoken while aztoken lives:
// it gets the signals aztoken is sent (Child.Signal) and decides itself
// when to stop. It must not outlive aztoken either, which each platform
// ensures its own way (see newForegroundTree).
type Foreground struct {
	// Name is the executable, looked up on the PATH of Environ.
	Name string
	// Args are the arguments after the name.
	Args []string
	// Environ is the child's environment, KEY=VALUE, before Set.
	Environ []string
	// Set are variables given to the child only, replacing any entry of
	// the same name in Environ (on Windows without regard to case, as
	// Windows reads them). They never appear in this process's own
	// environment, nor on any command line.
	Set map[string]string
	// Dir is the working directory; empty means the caller's.
	Dir string
	// The child's standard streams. An *os.File is handed to the child
	// as it is, so a terminal stays a terminal.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// StartError is a command that could not be started. Code is what a
// shell exits with for the same failure: 127 when the command was not
// found, 126 when it was found but could not be run.
type StartError struct {
	Code int
	Err  error
}

func (e *StartError) Error() string { return e.Err.Error() }
func (e *StartError) Unwrap() error { return e.Err }

// Child is a started foreground command.
type Child struct {
	cmd  *exec.Cmd
	tree tree
	once sync.Once
}

// StartForeground starts f. Its errors are *StartError.
func StartForeground(f Foreground) (*Child, error) {
	path, err := foregroundPath(f)
	if err != nil {
		return nil, err
	}
	environ := withVars(f.Environ, f.Set)
	// No deadline and nothing to cancel: a foreground child ends when it
	// chooses to, or with aztoken.
	cmd, err := command(context.Background(), path, f.Args, environ)
	if err != nil {
		return nil, &StartError{Code: 126, Err: fmt.Errorf("cannot run %s: %w", path, err)}
	}
	cmd.Dir = f.Dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = f.Stdin, f.Stdout, f.Stderr
	t, err := newForegroundTree(cmd)
	if err != nil {
		return nil, &StartError{Code: 126, Err: fmt.Errorf("cannot prepare to run %s: %w", path, err)}
	}
	if err := cmd.Start(); err != nil {
		t.release()
		code := 126
		if errors.Is(err, fs.ErrNotExist) {
			// Found, so what is missing is its interpreter (#! line).
			code = 127
		}
		return nil, &StartError{Code: code, Err: fmt.Errorf("could not start %s: %w", path, err)}
	}
	if err := t.started(cmd.Process); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.release()
		return nil, &StartError{Code: 126, Err: fmt.Errorf("could not track %s's processes: %w", path, err)}
	}
	return &Child{cmd: cmd, tree: t}, nil
}

// foregroundPath finds the executable as a shell would: a bare name on
// PATH (never in a relative PATH entry, as LookPath says why), a name with
// a directory as it is, relative to the working directory, which the user
// chose when typing it.
func foregroundPath(f Foreground) (string, error) {
	name := f.Name
	if hasDir(name) && !filepath.IsAbs(name) {
		dir := f.Dir
		if dir == "" {
			var err error
			if dir, err = os.Getwd(); err != nil {
				return "", &StartError{Code: 126, Err: fmt.Errorf("cannot find %s: %w", name, err)}
			}
		}
		name = filepath.Join(dir, name)
	}
	path, err := LookPath(name, f.Environ)
	if err == nil {
		return path, nil
	}
	if fi, serr := os.Stat(name); hasDir(f.Name) && serr == nil {
		// It is there, so it cannot be run: a shell's 126.
		if fi.IsDir() {
			return "", &StartError{Code: 126, Err: fmt.Errorf("%s is a directory", f.Name)}
		}
		return "", &StartError{Code: 126, Err: fmt.Errorf("%s is not executable", f.Name)}
	}
	if hasDir(f.Name) {
		return "", &StartError{Code: 127, Err: fmt.Errorf("%s does not exist", f.Name)}
	}
	return "", &StartError{Code: 127, Err: err}
}

// Wait waits for the child to end and returns the code a shell would
// report for it: its exit status, or 128 plus the signal's number when a
// signal ended it. On Windows that is the process's exit code, whatever
// ended it.
func (c *Child) Wait() (int, error) {
	err := c.cmd.Wait()
	c.once.Do(c.tree.release)
	if c.cmd.ProcessState == nil {
		return -1, err
	}
	return exitCode(c.cmd.ProcessState), nil
}

// withVars is environ with set's variables replacing those of the same
// name, in a stable order.
func withVars(environ []string, set map[string]string) []string {
	if len(set) == 0 {
		return append([]string(nil), environ...)
	}
	same := func(a, b string) bool {
		if runtime.GOOS == "windows" {
			return strings.EqualFold(a, b)
		}
		return a == b
	}
	out := make([]string, 0, len(environ)+len(set))
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		replaced := false
		for name := range set {
			if same(k, name) {
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, kv)
		}
	}
	names := make([]string, 0, len(set))
	for name := range set {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		out = append(out, name+"="+set[name])
	}
	return out
}

// Signals are the signals a foreground child is sent when aztoken gets
// them (see Child.Signal for which actually reach it).
func Signals() []os.Signal { return append([]os.Signal(nil), forwardSignals...) }
