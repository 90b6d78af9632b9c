// Package cli is aztoken's command line: a file per command (get, probe,
// explain, whoami, decode, cache, serve, exec, docker, git, kubeconfig,
// npmrc, version, and root.go for the root and Main), and one for each
// thing they share (chainopts.go: the chain's flags; resource.go: --scope
// and --resource; acquire.go: getting a token through the cache;
// output.go and enumflag.go: -o and the other flags with fixed values;
// completion.go; exit.go: exit codes; report.go: what a failed chain
// says). Each command reads
// flags and environment into options, then runs the chain or the tool it
// fronts and writes the result; behaviour lives in the packages below, so
// the commands stay thin.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/httpx"
	"github.com/aztoken/aztoken/internal/human"
	"github.com/aztoken/aztoken/internal/iostreams"
	"github.com/aztoken/aztoken/internal/runner"
	"github.com/aztoken/aztoken/internal/usage"
)

// App is what every command is given: the streams and the environment,
// read once.
type App struct {
	IO  *iostreams.IOStreams
	Env env.Env

	// verbose is -v/--verbose, a flag of every command that can be
	// given before or after the command's name.
	verbose bool

	// catchSignals makes Ctrl+C, SIGTERM and SIGHUP cancel the command's
	// context from now on (see signalContext); nil (tests that call Run
	// with a context of their own) does nothing.
	catchSignals func()
}

// armSignals makes the stop signals cancel the command's context. Every
// command does this before it starts, except those marked
// annotationArmsSignals, which call it themselves before they run a
// source, if they ever do.
func (a *App) armSignals() {
	if a.catchSignals != nil {
		a.catchSignals()
	}
}

// Main runs aztoken with the process's arguments, streams and environment
// and returns the exit code.
func Main() int {
	e := env.FromList(os.Environ())
	httpx.Configure(e)
	sig := newSignalContext()
	defer sig.stop()
	a := &App{IO: iostreams.System(e), Env: e, catchSignals: sig.arm}
	code := Run(sig.ctx, a, CommandLine(os.Args))
	// A source whose context ended may have been given up on while its
	// tool's process tree was still being killed; finish that first.
	runner.WaitAll(childKillWait)
	return code
}

// childKillWait bounds how long Main waits for child tools to be killed.
const childKillWait = 2 * time.Second

// Run runs one command line and returns its exit code. Errors are written
// to stderr here, once, as "aztoken: <sentence>".
func Run(ctx context.Context, a *App, args []string) int {
	build := NewRootCmd
	if cmds := commandsFor(args); len(cmds) < len(commands) {
		build = func(a *App) *cobra.Command { return newRoot(a, cmds) }
	}
	return runWith(ctx, a, args, build)
}

// runWith is Run with the way to build the command tree given.
func runWith(ctx context.Context, a *App, args []string, build func(*App) *cobra.Command) int {
	root := build(a)
	root.SetArgs(args)
	root.SetIn(a.IO.In)
	root.SetOut(a.IO.Out)
	root.SetErr(a.IO.ErrOut)
	ran, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	if strings.HasPrefix(err.Error(), "unknown command ") {
		// cobra's own words, with its "Did you mean" list; it has no error
		// type to match, so the prefix it has used for years is the test.
		err = usage.New(err.Error())
	}
	code := codeFor(ctx, err)
	var child childExit
	switch fc := failureCode(ran); {
	case errors.As(err, &child):
		// exec's COMMAND ran and chose its code, whatever aztoken was
		// sent meanwhile (it was passed on).
	case fc != 0:
		code = fc
	case ctx.Err() != nil && errors.Is(context.Cause(ctx), context.Canceled):
		code = interruptedCode(ctx)
	}
	if msg := err.Error(); msg != "" {
		fmt.Fprintf(a.IO.ErrOut, "aztoken: %s\n", human.Text(msg))
		if errors.Is(err, usage.Err) {
			// The help of the command that was run, which holds its
			// flags; aztoken's own when the command was not found.
			if ran == nil {
				ran = root
			}
			fmt.Fprintf(a.IO.ErrOut, "Run '%s --help' for usage.\n", ran.CommandPath())
		}
	}
	return code
}

// command is one of aztoken's commands and the word that runs it.
type command struct {
	name string
	new  func(*App) *cobra.Command
}

// commands are aztoken's commands, in the order help lists them.
var commands = []command{
	{"get", newGetCmd},
	{"probe", newProbeCmd},
	{"explain", newExplainCmd},
	{"whoami", newWhoamiCmd},
	{"exec", newExecCmd},
	{"npmrc", newNpmrcCmd},
	{"credential-provider", newCredentialProviderCmd},
	{"decode", newDecodeCmd},
	{"cache", newCacheCmd},
	{"serve", newServeCmd},
	{"git", newGitCmd},
	{"docker", newDockerCmd},
	{"kubeconfig", newKubeconfigCmd},
	{"version", newVersionCmd},
}

// commandsFor returns the commands a command line needs: the one it runs
// when its first word (after -v) names one, and every command otherwise
// (aztoken alone, --help, --version, help, completion, a word no command
// has, which cobra answers with "Did you mean"). Building every command,
// flags, completions and help included, was the largest part of what a
// cached get spent in aztoken's own code (issue 23); a command's help,
// errors and completions do not depend on its siblings.
func commandsFor(args []string) []command {
	for _, w := range args {
		switch {
		case w == "-v" || w == "--verbose" || strings.HasPrefix(w, "--verbose="):
			continue
		case strings.HasPrefix(w, "-"):
			return commands
		}
		for _, c := range commands {
			if c.name == w {
				return []command{c}
			}
		}
		return commands
	}
	return commands
}

// NewRootCmd builds the whole command tree: for the command lines that
// need it (commandsFor), completion scripts and man pages.
func NewRootCmd(a *App) *cobra.Command { return newRoot(a, commands) }

// newRoot builds the root command with cmds under it. With fewer than all
// of them the root itself never runs (commandsFor), so what only the root
// uses is left out: the completion command and the version.
func newRoot(a *App, cmds []command) *cobra.Command {
	whole := len(cmds) == len(commands)
	root := &cobra.Command{
		Use:   "aztoken",
		Short: "Get Microsoft Entra ID access tokens from the Azure credential chain",
		Long: `aztoken runs the Azure SDKs' credential chain (environment, workload identity,
a CI job's OIDC token, managed identity, Azure CLI, Azure Developer CLI, Azure
PowerShell) as a command:
get prints a token, exec runs a command with one in its environment, probe
tries every source and says which answered and why the others failed, explain
says what each source would use without sending anything.`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		CompletionOptions: cobra.CompletionOptions{HiddenDefaultCmd: false, DisableDefaultCmd: !whole},
	}
	root.SetFlagErrorFunc(flagError)
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if err := refuseEmptyValues(cmd, args); err != nil {
			return err
		}
		if cmd.Annotations[annotationArmsSignals] == "" {
			a.armSignals()
		}
		return nil
	}
	// -v means --verbose everywhere, before or after the command's name;
	// --version has no short form (as gh, kubectl and az), so that
	// "aztoken -v get" can never print a version where a token was meant.
	root.PersistentFlags().BoolVarP(&a.verbose, "verbose", "v", false, "write what aztoken does to stderr: each source tried, its outcome, duration, and the requests it sent or the command it ran")
	for _, c := range cmds {
		root.AddCommand(c.new(a))
	}
	// The usage rule, once for the whole tree, cobra's own help and
	// completion commands included: a word a command does not take is a
	// usage error (exit 2), never help and exit 0.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			sub.SetFlagErrorFunc(root.FlagErrorFunc())
			switch {
			case sub.Name() == "help":
				sub.Args = helpTopic
			case sub.HasSubCommands():
				// A group (cache, completion) does nothing by itself: alone
				// it is a usage error, as a word it does not know is.
				// cobra shows a group that cannot run its help before it
				// looks at the words; running it lets Args see them.
				sub.RunE = needSubcommand
				sub.Args = unknownSubcommand
			case sub.Annotations[annotationTakesCommand] != "":
				// exec: its words are the command line it runs.
			case sub.Args == nil || sub.Parent() != root && sub.Parent().Name() == "completion":
				// Leaves take no words unless they say which; cobra.NoArgs
				// (the completion scripts') says so in an error that is not
				// ours.
				sub.Args = noArgs
			}
			walk(sub)
		}
	}
	walk(root)
	// The exit-code table once, on aztoken --help; each command's help
	// points there instead of repeating it.
	plain := root.HelpTemplate()
	root.SetHelpTemplate(plain + "\n" + exitCodesHelp + "\n")
	for _, c := range root.Commands() {
		c.SetHelpTemplate(plain + "\nExit codes: see 'aztoken --help'.\n")
	}
	if whole {
		root.Version = versionString()
		root.SetVersionTemplate("aztoken {{.Version}}\n")
	}
	return root
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usage.Errorf("%s takes no arguments, but was given %q.", cmd.CommandPath(), strings.Join(args, " "))
	}
	return nil
}

// helpTopic is the Args of cobra's help command: "help bogus" printed
// "Unknown help topic" and exited 0.
func helpTopic(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if c, _, err := cmd.Root().Find(args); err != nil || c == cmd.Root() {
		return usage.Errorf("there is no help topic %q; run 'aztoken help' for the commands.", strings.Join(args, " "))
	}
	return nil
}

// unknownSubcommand is the Args of a command that only groups others
// (cache): a word after it must be one of them. Without this cobra would
// print the group's help and exit 0.
func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return usage.Errorf("%s has no command %q; use %s.", cmd.CommandPath(), args[0], strings.Join(subcommandNames(cmd), " or "))
}

// needSubcommand is the RunE of a group named alone.
func needSubcommand(cmd *cobra.Command, _ []string) error {
	return usage.Errorf("%s needs a command: %s.", cmd.CommandPath(), strings.Join(subcommandNames(cmd), " or "))
}

func subcommandNames(cmd *cobra.Command) []string {
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	return names
}

// refuseEmptyValues makes a flag given an empty value a usage error.
// Every string flag names what or who (a resource, a tenant, an identity,
// a file, an address): an empty one is almost always an unset variable
// ("--resource $RES"), and taking it as "not given" would hand a script
// the default (a Resource Manager token) with exit 0. The flags with a
// fixed set of values are the exception: their empty value is their
// default, as their help says.
func refuseEmptyValues(cmd *cobra.Command, _ []string) error {
	var err error
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if _, enum := f.Value.(*enumFlag); enum || err != nil {
			return
		}
		empty := false
		switch v := f.Value.(type) {
		case pflag.SliceValue:
			empty = f.Value.Type() == "stringArray" && slices.ContainsFunc(v.GetSlice(), isBlank)
		default:
			empty = f.Value.Type() == "string" && isBlank(f.Value.String())
		}
		if empty {
			err = usage.Errorf("--%s was given an empty value; give one or leave the flag out (is a variable unset?).", f.Name)
		}
	})
	return err
}

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

// flagError makes every error from parsing flags a usage error. Our own
// flag values (-o) already say what is wrong in our words, so their
// message is kept without pflag's "invalid argument ... for flag" prefix.
func flagError(_ *cobra.Command, err error) error {
	var bad *pflag.InvalidValueError
	if errors.Is(err, usage.Err) && errors.As(err, &bad) {
		return bad.Unwrap()
	}
	if errors.Is(err, usage.Err) {
		return err
	}
	return usage.New(sentence(err.Error()))
}

// sentence makes a library's message read as one of ours: aztoken's
// messages follow "aztoken: " in lower case and end with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") {
		s += "."
	}
	return s
}
