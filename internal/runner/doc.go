// Package runner runs the developer tools (az, azd, pwsh) that some
// credential sources ask for a token.
//
// A run never uses a shell, never inherits the caller's PATH or working
// directory by accident, and never hangs: the child gets its own process
// group, and when its time is up the whole group is killed, grandchildren
// included, and the run reports "timed out after 10s" rather than the bare
// "signal: killed" that a plain exec.CommandContext gives.
package runner
