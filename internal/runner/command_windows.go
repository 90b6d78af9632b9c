package runner

import (
	"context"
	"os/exec"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/windows"
)

// command builds the child's command. An executable is run directly; a
// batch file (az.cmd) through cmd.exe, with the command line written by
// BatchCommandLine, which refuses any argument cmd could misread.
func command(ctx context.Context, path string, args, environ []string) (*exec.Cmd, error) {
	if !isBatch(path) {
		cmd := exec.CommandContext(ctx, path, args...)
		cmd.Env = append(make([]string, 0, len(environ)+1), environ...)
		return cmd, nil
	}
	// cmd.exe from the system directory, never a cmd.exe found on PATH
	// or named by COMSPEC, which the environment could point anywhere.
	sys, err := windows.GetSystemDirectory()
	if err != nil {
		return nil, err
	}
	shell := filepath.Join(sys, "cmd.exe")
	line, err := BatchCommandLine(shell, path, args)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, shell)
	cmd.Env = append(make([]string, 0, len(environ)+1), environ...)
	cmd.SysProcAttr = &syscall.SysProcAttr{CmdLine: line}
	return cmd, nil
}

// systemRoot is the Windows directory, from the environment the child
// gets, else the usual place.
func systemRoot(environ []string) string {
	if r, ok := lookupVar(environ, "SystemRoot"); ok && filepath.IsAbs(r) {
		return r
	}
	return `C:\Windows`
}

// defaultDir is where a child runs unless told otherwise: the Windows
// directory, as the Azure SDKs choose for az.
func defaultDir(environ []string) string { return systemRoot(environ) }
