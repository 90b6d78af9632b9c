package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// runTimeout bounds one child: far above any figure measured here, so
// only a hang reaches it.
const runTimeout = 60 * time.Second

// variant is one program, with its arguments and environment, that a
// benchmark runs again and again.
type variant struct {
	name string
	// cmd returns the command for one run; round is -1 for the warm-up.
	cmd func(round int) *exec.Cmd
	// check judges a finished run; nil means exit 0 and something on
	// stdout.
	check func(r result) error
	// memory runs the command under the rss launcher and records its peak.
	memory bool

	walls []time.Duration
	rss   []int64 // kilobytes, when memory
}

// result is what one run of a child left behind.
type result struct {
	wall           time.Duration
	code           int
	stdout, stderr string
	rssKB          int64
}

// measure runs every variant once to warm up (page cache, keyring, the
// fakes' first connections), then rounds times each, interleaved. With
// rotate, the order of the variants turns by one each round, so none is
// always the one that runs after another; without it, the variants of a
// round run in the order given (a first call, then the second).
func measure(b testing.TB, n int, rotate bool, vs ...*variant) {
	b.Helper()
	bins := build(b)
	for _, v := range vs {
		runOne(b, bins, v, -1)
	}
	for round := range n {
		for i := range vs {
			j := i
			if rotate {
				j = (i + round) % len(vs)
			}
			r := runOne(b, bins, vs[j], round)
			vs[j].walls = append(vs[j].walls, r.wall)
			if vs[j].memory {
				vs[j].rss = append(vs[j].rss, r.rssKB)
			}
		}
	}
}

// runOne runs v once and fails the benchmark if the run went wrong: a
// figure from a failed run would measure the failure.
func runOne(b testing.TB, bins binaries, v *variant, round int) result {
	b.Helper()
	r, err := runCmd(bins, v.cmd(round), v.memory)
	if err == nil {
		check := v.check
		if check == nil {
			check = okWithOutput
		}
		err = check(r)
	}
	if err != nil {
		b.Fatalf("%s (round %d): %v\nstderr:\n%s", v.name, round, err, redact(r.stderr))
	}
	return r
}

// runCmd runs cmd and times it from just before the start to just after
// the exit: the fork and exec it includes cost every variant alike.
func runCmd(bins binaries, cmd *exec.Cmd, memory bool) (result, error) {
	var r result
	var rssFile string
	if memory {
		f, err := os.CreateTemp("", "aztoken-bench-rss-")
		if err != nil {
			return r, err
		}
		rssFile = f.Name()
		_ = f.Close()
		defer os.Remove(rssFile)
		cmd = wrapRSS(bins.rss, rssFile, cmd)
	}
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// A grandchild that keeps stdout open (the fake az's sleep) must not
	// hold the run past the kill.
	cmd.WaitDelay = 5 * time.Second
	stop := context.AfterFunc(ctx, func() {
		if cmd.Process != nil {
			_ = cmd.Process.Kill()
		}
	})
	defer stop()

	start := time.Now()
	err := cmd.Run()
	r.wall = time.Since(start)
	r.stdout, r.stderr = stdout.String(), stderr.String()
	if ctx.Err() != nil {
		return r, fmt.Errorf("still running after %v; killed", runTimeout)
	}
	if cmd.ProcessState == nil {
		return r, fmt.Errorf("could not start %s: %v", cmd.Path, err)
	}
	r.code = cmd.ProcessState.ExitCode()
	if memory {
		kb, err := readRSS(rssFile)
		if err != nil {
			return r, err
		}
		r.rssKB = kb
	}
	return r, nil
}

// wrapRSS returns cmd run under the rss launcher, which writes the
// child's peak resident set size to out.
func wrapRSS(rss, out string, cmd *exec.Cmd) *exec.Cmd {
	w := exec.Command(rss, append([]string{out, cmd.Path}, cmd.Args[1:]...)...)
	w.Env, w.Dir = cmd.Env, cmd.Dir
	return w
}

func readRSS(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("the rss launcher left no figure: %w", err)
	}
	kb, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || kb <= 0 {
		return 0, fmt.Errorf("the rss launcher wrote %q, not a size in kilobytes", b)
	}
	return kb, nil
}

func okWithOutput(r result) error {
	if r.code != 0 {
		return fmt.Errorf("exit code %d", r.code)
	}
	if strings.TrimSpace(r.stdout) == "" {
		return fmt.Errorf("exit code 0 but nothing on stdout")
	}
	return nil
}

// exitZero accepts any run that exits 0, printed or not.
func exitZero(r result) error {
	if r.code != 0 {
		return fmt.Errorf("exit code %d", r.code)
	}
	return nil
}

// printsToken accepts a run that exits 0 and prints exactly want.
func printsToken(want string) func(result) error {
	return func(r result) error {
		if err := okWithOutput(r); err != nil {
			return err
		}
		if got := strings.TrimSpace(r.stdout); got != want {
			// Neither token is printed: they are credentials in form.
			return fmt.Errorf("printed a token of %d bytes that is not the expected one (%d bytes)", len(got), len(want))
		}
		return nil
	}
}

// command builds a command with exactly env as its environment: nothing
// of the benchmark's own environment (a real AZURE_CLIENT_SECRET, a real
// HOME with a real az login) may reach a child.
func command(path string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(path, args...)
	cmd.Env = env
	cmd.Dir = filepath.Dir(path)
	return cmd
}
