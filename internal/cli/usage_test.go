package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/iostreams"
)

// Every command in the tree, cobra's help and completion commands
// included, answers a word or a flag it does not take with exit 2, a
// sentence on stderr and nothing on stdout: one rule, checked for all of
// them, so a command added later cannot slip through (issue 12.4).
func TestUsageErrorsExitTwoForEveryCommand(t *testing.T) {
	root := NewRootCmd(&App{IO: iostreams.System(env.Map(nil)), Env: env.Map(nil)})
	// What cobra adds when it runs, so that they are walked too.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	var paths [][]string
	// takesCommand: exec's words are the command it runs, so it is
	// checked without any instead.
	takesCommand := map[string]bool{}
	var walk func(*cobra.Command, []string)
	walk = func(c *cobra.Command, path []string) {
		for _, sub := range c.Commands() {
			p := append(append([]string{}, path...), sub.Name())
			paths = append(paths, p)
			takesCommand[strings.Join(p, " ")] = sub.Annotations[annotationTakesCommand] != ""
			walk(sub, p)
		}
	}
	walk(root, nil)
	if len(paths) < 10 {
		t.Fatalf("found only %d commands: %v", len(paths), paths)
	}
	run := func(args ...string) (int, string, string) {
		io, _, out, errOut := iostreams.Test()
		code := Run(context.Background(), &App{IO: io, Env: env.Map(nil)}, args)
		return code, out.String(), errOut.String()
	}
	check := func(args []string) {
		t.Helper()
		code, out, errOut := run(args...)
		if code != ExitUsage {
			t.Errorf("aztoken %s: exit %d, want %d (stderr %q)", strings.Join(args, " "), code, ExitUsage, errOut)
		}
		if out != "" {
			t.Errorf("aztoken %s: stdout %q, want nothing", strings.Join(args, " "), out)
		}
		if !strings.HasPrefix(errOut, "aztoken: ") {
			t.Errorf("aztoken %s: stderr %q does not start with a sentence", strings.Join(args, " "), errOut)
		}
	}
	check([]string{"no-such-command"})
	check([]string{"--no-such-flag"})
	for _, p := range paths {
		check(append(append([]string{}, p...), "--no-such-flag"))
		if takesCommand[strings.Join(p, " ")] {
			check(p)
			continue
		}
		check(append(append([]string{}, p...), "no-such-word"))
	}
}

// Every command explains itself in a paragraph, not only its one-line
// Short (issue 21.11: whoami had none).
func TestEveryCommandHasLongHelp(t *testing.T) {
	root := NewRootCmd(&App{IO: iostreams.System(env.Map(nil)), Env: env.Map(nil)})
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Long == "" && sub.Name() != "version" {
				t.Errorf("%s has no Long help", sub.CommandPath())
			}
			walk(sub)
		}
	}
	walk(root)
}
