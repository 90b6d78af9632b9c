// Command linked is aztoken's whole program with a main that returns at
// once: every package aztoken links, with all of aztoken's code reachable
// (so kept by the linker, as in the real binary), initialised and then
// left. It is the least any path inside one aztoken executable can cost,
// the diagnostic row beside item 1 of the benchmarks (issue 23), not a
// target. The real main runs only when the first word is "run", which the
// benchmarks never pass.
package main

import (
	"os"

	"github.com/aztoken/aztoken/internal/cli"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "run" {
		os.Exit(cli.Main())
	}
}
