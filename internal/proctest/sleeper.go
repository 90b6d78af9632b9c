package proctest

import (
	"fmt"
	"os"
	"time"
)

// SleeperEnv, in a test binary's environment, makes it a sleeper instead
// of running tests: the program that the Windows fakes of az, azd and pwsh
// (testdata/fakebin/*.cmd, FAKE_SLEEPER) start to hang, because cmd.exe
// has no sleep of its own and cannot tell a child's pid. With the value
// "grandchild" it first appends "grandchild: PID" to the file named by
// SleeperLogEnv, as the sh fakes do for theirs, so that a test can check
// the process is killed with the tool.
const (
	SleeperEnv    = "AZTOKEN_TEST_SLEEPER"
	SleeperLogEnv = "AZTOKEN_TEST_SLEEPER_LOG"
)

// Every test binary that imports proctest can serve as the sleeper.
func init() {
	role := os.Getenv(SleeperEnv)
	if role == "" {
		return
	}
	if log := os.Getenv(SleeperLogEnv); role == "grandchild" && log != "" {
		if f, err := os.OpenFile(log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			fmt.Fprintf(f, "grandchild: %d\n", os.Getpid())
			f.Close()
		}
	}
	// Long enough for any test, short enough that a sleeper a bug left
	// behind ends by itself.
	time.Sleep(10 * time.Minute)
	os.Exit(0)
}
