package cli

// This file holds the shell-completion helpers the commands share; each
// command registers them where it binds its flags.

import (
	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/resources"
)

// fixedCompletion offers a fixed list of values and no file names.
func fixedCompletion(values ...string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeScopes offers the scope of each resource alias.
func completeScopes(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	var out []string
	for _, alias := range resources.Aliases() {
		out = append(out, resources.ToScope(resources.Expand(alias)))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
