package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/usage"
)

// outputFlag is -o/--output: one of a command's formats, checked while
// the flags are parsed, so a bad value is a usage error (exit 2) before
// the command does anything. Names are matched after trimming spaces and
// lower-casing; an empty value means the default, the first choice.
type outputFlag struct {
	dst     *string
	cmd     *cobra.Command
	choices []string
}

func (f *outputFlag) String() string { return *f.dst }

// Type is what --help shows after the flag's name.
func (f *outputFlag) Type() string { return "string" }

func (f *outputFlag) Set(v string) error {
	name := strings.ToLower(strings.TrimSpace(v))
	if name == "" {
		name = f.choices[0]
	}
	for _, c := range f.choices {
		if c == name {
			*f.dst = c
			return nil
		}
	}
	// The command's path without "aztoken": "probe", "cache list".
	command := strings.TrimPrefix(f.cmd.CommandPath(), f.cmd.Root().Name()+" ")
	if len(f.choices) == 2 {
		return usage.Errorf("unknown output format %q for %s; use %s or %s.", v, command, f.choices[0], f.choices[1])
	}
	return usage.Errorf("unknown output format %q for %s; use one of %s.", v, command, strings.Join(f.choices, ", "))
}

// addOutputFlag gives cmd -o/--output with these choices, the default
// first, and completes them.
func addOutputFlag(cmd *cobra.Command, dst *string, choices ...string) {
	*dst = choices[0]
	help := "output format: " + strings.Join(choices, ", ")
	if len(choices) == 2 {
		help = "output format: " + choices[0] + " or " + choices[1]
	}
	cmd.Flags().VarP(&outputFlag{dst: dst, cmd: cmd, choices: choices}, "output", "o", help)
	_ = cmd.RegisterFlagCompletionFunc("output", fixedCompletion(choices...))
}
