// Command rss runs a command and writes the command's peak resident set
// size, in kilobytes, to a file: rss OUT COMMAND [ARG...].
//
// The benchmarks cannot read a child's peak memory themselves. Go starts
// children with vfork semantics (CLONE_VM), so the kernel folds the peak of
// the parent's address space into the child's ru_maxrss at exec: every
// child of the benchmark process would seem at least as big as the
// benchmark process. This small launcher is that parent instead, so the
// floor it adds is its own few megabytes, which it measures and reports
// through the trivial binary.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: rss OUT COMMAND [ARG...]")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[2], os.Args[3:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		if cmd.ProcessState == nil {
			fmt.Fprintln(os.Stderr, "rss:", err)
			os.Exit(2)
		}
		code = cmd.ProcessState.ExitCode()
	}
	// Linux reports ru_maxrss in kilobytes.
	kb := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
	if err := os.WriteFile(os.Args[1], []byte(strconv.FormatInt(kb, 10)), 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "rss:", err)
		os.Exit(2)
	}
	os.Exit(code)
}
