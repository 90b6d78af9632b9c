package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/usage"
)

// enumFlag is a flag that takes one of a fixed list of values (as gh's
// StringEnumFlag): the value is checked while the flags are parsed, so a
// bad one is a usage error (exit 2) before the command does anything, and
// the help text, the error and shell completion all read the same list.
// Values are matched after trimming spaces and lower-casing; an empty
// value means the flag's default.
//
// A value in the list may carry a description after a tab, as cobra's
// completions do ("open\tno secret"): the help shows it in brackets and
// completion offers it beside the value.
type enumFlag struct {
	dst    *string
	def    string
	cmd    *cobra.Command
	noun   string   // what a value is, for the error: "output format"
	values []string // "name" or "name\tdescription"
	// accept, when set, takes values beyond the list (aliases of a listed
	// name); the list is then what help and completion offer.
	accept func(string) bool
	// multi makes the flag repeatable with comma-separated values, each
	// appended to *list.
	list *[]string
}

// addEnumFlag gives cmd a flag --name (and -short, if not empty) holding
// one of values in *dst, def when not given. help says what the flag
// does; the values are appended to it. noun names a value in errors.
func addEnumFlag(cmd *cobra.Command, dst *string, name, short, def, noun, help string, values ...string) *enumFlag {
	*dst = def
	f := &enumFlag{dst: dst, def: def, cmd: cmd, noun: noun, values: values}
	cmd.Flags().VarP(f, name, short, help+": "+f.helpList())
	_ = cmd.RegisterFlagCompletionFunc(name, fixedCompletion(values...))
	return f
}

// addEnumSliceFlag is addEnumFlag for a repeatable flag whose values may
// also be given comma-separated (--source env,mi). accept decides what is
// valid; values are what help and completion offer.
func addEnumSliceFlag(cmd *cobra.Command, dst *[]string, name, noun, help string, accept func(string) bool, values ...string) {
	f := &enumFlag{list: dst, cmd: cmd, noun: noun, values: values, accept: accept}
	cmd.Flags().Var(f, name, help+": "+f.helpList())
	_ = cmd.RegisterFlagCompletionFunc(name, fixedCompletion(values...))
}

// names are the values without their descriptions.
func (f *enumFlag) names() []string {
	out := make([]string, len(f.values))
	for i, v := range f.values {
		out[i], _, _ = strings.Cut(v, "\t")
	}
	return out
}

func (f *enumFlag) helpList() string {
	var parts []string
	for _, v := range f.values {
		name, desc, ok := strings.Cut(v, "\t")
		if ok {
			name += " (" + desc + ")"
		}
		parts = append(parts, name)
	}
	if len(parts) == 2 {
		return parts[0] + " or " + parts[1]
	}
	return strings.Join(parts, ", ")
}

func (f *enumFlag) String() string {
	if f.list != nil {
		// Empty when nothing was given, so help shows no default.
		return strings.Join(*f.list, ",")
	}
	return *f.dst
}

// Type is what --help shows after the flag's name.
func (f *enumFlag) Type() string {
	if f.list != nil {
		return "stringArray"
	}
	return "string"
}

func (f *enumFlag) Set(v string) error {
	if f.list != nil {
		for _, part := range strings.Split(v, ",") {
			if _, err := f.match(part); err != nil {
				return err
			}
		}
		*f.list = append(*f.list, v)
		return nil
	}
	name, err := f.match(v)
	if err == nil {
		*f.dst = name
	}
	return err
}

// match returns the listed name v stands for, or the usage error.
func (f *enumFlag) match(v string) (string, error) {
	name := strings.ToLower(strings.TrimSpace(v))
	if name == "" && f.list == nil {
		return f.def, nil
	}
	if f.accept != nil && f.accept(name) {
		return name, nil
	}
	for _, c := range f.names() {
		if c == name {
			return c, nil
		}
	}
	// The command's path without "aztoken": "probe", "cache list".
	command := strings.TrimPrefix(f.cmd.CommandPath(), f.cmd.Root().Name()+" ")
	names := f.names()
	if len(names) == 2 {
		return "", usage.Errorf("unknown %s %q for %s; use %s or %s.", f.noun, strings.TrimSpace(v), command, names[0], names[1])
	}
	return "", usage.Errorf("unknown %s %q for %s; use one of %s.", f.noun, strings.TrimSpace(v), command, strings.Join(names, ", "))
}
