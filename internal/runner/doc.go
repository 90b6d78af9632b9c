// Package runner runs the developer tools (az, azd, pwsh) that some
// credential sources ask for a token.
//
// A run never uses a shell (on Windows a batch file such as az.cmd goes
// through cmd.exe with a command line no argument can escape; see
// BatchCommandLine), never inherits the caller's PATH or working directory
// by accident, and never hangs: everything the child starts belongs to
// the run's tree (a process group, plus the descendants that left it, on
// Linux; a Job Object on Windows), and when its time is up the whole tree
// is killed, grandchildren included, and the run reports "timed out after
// 10s" rather than the bare "signal: killed" that a plain
// exec.CommandContext gives.
package runner
