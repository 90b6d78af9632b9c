//go:build !windows

package runner

import (
	"context"
	"os/exec"
)

// command builds the child's command: the executable itself, with args as
// its argv and no shell in between.
func command(ctx context.Context, path string, args, environ []string) (*exec.Cmd, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	// A nil Env would hand the child this process's environment.
	cmd.Env = append(make([]string, 0, len(environ)+1), environ...)
	return cmd, nil
}
