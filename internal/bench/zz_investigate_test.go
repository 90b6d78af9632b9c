package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func TestZZInvestigate(t *testing.T) {
	if os.Getenv("BENCH_INVESTIGATE") == "" {
		t.Skip()
	}
	bins := build(t)
	e, ca := newEntra(t)
	home := t.TempDir()
	env := baseEnv(home, filepath.Join(home, "cache"), secretEnv(e, ca)...)
	for _, args := range [][]string{
		{bins.aztoken, "get", "--no-cache", "--source", "env", "--scope", benchScope, "-v"},
		{"/usr/bin/strace", "-f", "-r", "-e", "trace=connect,write,read,execve,exit_group,openat", "-o", "/tmp/bw/az.strace", bins.aztoken, "get", "--no-cache", "--source", "env", "--scope", benchScope},
		{"/usr/bin/strace", "-f", "-r", "-e", "trace=connect,write,read,execve,exit_group,openat", "-o", "/tmp/bw/sdk.strace", bins.sdkcred, benchScope},
	} {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = env
		start := time.Now()
		out, err := cmd.CombinedOutput()
		t.Logf("%v: %v %v\n%s", args[0:2], time.Since(start), err, redact(string(out)))
	}
}
