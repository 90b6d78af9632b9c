// Command imports links aztoken's packages and does nothing: the start-up
// cost of its dependencies (their init functions, the runtime's work for a
// larger program) without any of aztoken's own work. It is a diagnostic
// for the start-up benchmarks, not a target.
package main

import _ "github.com/aztoken/aztoken/internal/cli"

func main() {}
