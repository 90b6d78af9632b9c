package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/httpx"
	"github.com/aztoken/aztoken/internal/iostreams"
)

func TestCommandsFor(t *testing.T) {
	tests := []struct {
		args []string
		want string // the one command built, or "all"
	}{
		{nil, "all"},
		{[]string{"get"}, "get"},
		{[]string{"get", "--resource", "vault"}, "get"},
		{[]string{"-v", "get"}, "get"},
		{[]string{"--verbose", "whoami"}, "whoami"},
		{[]string{"--verbose=true", "exec", "--", "true"}, "exec"},
		{[]string{"docker", "credential-helper", "get"}, "docker"},
		{[]string{"cache", "lst"}, "cache"},
		// The root runs, or cobra needs every command to answer.
		{[]string{"--help"}, "all"},
		{[]string{"-h", "get"}, "all"},
		{[]string{"--version"}, "all"},
		{[]string{"--version", "get"}, "all"},
		{[]string{"help", "get"}, "all"},
		{[]string{"completion", "bash"}, "all"},
		{[]string{"__complete", "get", "--res"}, "all"},
		{[]string{"gte"}, "all"},
		{[]string{"--", "get"}, "all"},
		{[]string{"-x", "get"}, "all"},
	}
	for _, tt := range tests {
		got := "all"
		if cmds := commandsFor(tt.args); len(cmds) != len(commands) {
			var names []string
			for _, c := range cmds {
				names = append(names, c.name)
			}
			got = strings.Join(names, " ")
		}
		if got != tt.want {
			t.Errorf("commandsFor(%q) builds %s, want %s", tt.args, got, tt.want)
		}
	}
}

// Every command in the table is the one its name says: commandsFor finds
// commands by these names.
func TestCommandNamesMatchTheirCommands(t *testing.T) {
	a := &App{IO: iostreams.System(env.Map(nil)), Env: env.Map(nil)}
	for _, c := range commands {
		if got := c.new(a).Name(); got != c.name {
			t.Errorf("commands has %q for the command named %q", c.name, got)
		}
	}
}

// A command line answered with only its own command built says exactly
// what it says with the whole tree built: help, usage errors and their
// hints, for every command and subcommand.
func TestOneCommandTreeAnswersAsTheWholeTree(t *testing.T) {
	// None of these lines runs a source; if one ever did, it must reach
	// nothing and end soon.
	httpx.RestrictToLoopback()
	root := NewRootCmd(&App{IO: iostreams.System(env.Map(nil)), Env: env.Map(nil)})
	var lines [][]string
	var walk func(*cobra.Command, []string)
	walk = func(c *cobra.Command, path []string) {
		for _, sub := range c.Commands() {
			p := append(append([]string{}, path...), sub.Name())
			lines = append(lines,
				append(append([]string{}, p...), "--help"),
				append(append([]string{"-v"}, p...), "--no-such-flag"),
				append(append([]string{}, p...), "no-such-word"))
			walk(sub, p)
		}
	}
	walk(root, nil)
	lines = append(lines, []string{"cache"}, []string{"get", "--version"}, []string{"get", "-o"}, []string{"get", "--resource", ""})
	tested := 0
	for _, args := range lines {
		cmds := commandsFor(args)
		if len(cmds) == len(commands) {
			continue
		}
		tested++
		run := func(build func(*App) *cobra.Command) (int, string, string) {
			io, _, out, errOut := iostreams.Test()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			code := runWith(ctx, &App{IO: io, Env: env.Map(map[string]string{"AZTOKEN_NO_CACHE": "1"})}, args, build)
			return code, out.String(), errOut.String()
		}
		code, out, errOut := run(func(a *App) *cobra.Command { return newRoot(a, cmds) })
		wantCode, wantOut, wantErr := run(NewRootCmd)
		if code != wantCode || out != wantOut || errOut != wantErr {
			t.Errorf("aztoken %s with one command built: exit %d, stdout %q, stderr %q; with all: exit %d, stdout %q, stderr %q",
				strings.Join(args, " "), code, out, errOut, wantCode, wantOut, wantErr)
		}
	}
	if tested < 30 {
		t.Fatalf("only %d command lines were answered with one command built", tested)
	}
}
