package cli

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/human"
	"github.com/aztoken/aztoken/internal/output"
	"github.com/aztoken/aztoken/internal/preset"
	"github.com/aztoken/aztoken/internal/runner"
	"github.com/aztoken/aztoken/internal/usage"
)

// execMinValidity is exec's default --min-validity. A database checks a
// token only when a connection opens, so a migration job that connects at
// start and then runs for half an hour is fine, but one started with a
// token that expires in six minutes fails at its first reconnect. Entra
// ID's tokens live 60 to 90 minutes, so a cached token is served in its
// first quarter of an hour or so and a fresh one is fetched after that.
const execMinValidity = 45 * time.Minute

// annotationTakesCommand marks a command whose words are a command line
// to run, so that the root's no-words rule leaves it alone.
const annotationTakesCommand = "aztoken/takes-command"

type execOptions struct {
	chainOptions
	cache       cacheOptions
	forName     string
	envNames    []string
	failureCode int
	feeds       []string
	allowHosts  []string
}

func newExecCmd(a *App) *cobra.Command {
	o := &execOptions{}
	cmd := &cobra.Command{
		Use:   "exec [flags] [--] COMMAND [ARGS...]",
		Short: "Run a command with a fresh token in its environment",
		Long: `exec runs the credential chain (and the cache) like get, then runs COMMAND with
the token in the named variables of its environment only: never on a command
line, never in aztoken's own environment, never on stderr. If no token can be
had, exec prints get's report and exits with get's code without starting
COMMAND, so a client never runs with an empty password.

COMMAND gets aztoken's standard streams and working directory. SIGINT, SIGTERM,
SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 are passed on to it (Ctrl+C and Ctrl+\ in a
terminal already reach it, so they are not sent twice); on Windows the console
sends Ctrl+C to both, and COMMAND and everything it starts end with aztoken.
exec exits with COMMAND's exit code, or 128+N when signal N killed it.

Telling aztoken's failures from COMMAND's: aztoken fails only before COMMAND
starts, with the codes in 'aztoken --help' (1-5), 126 when COMMAND cannot be
run and 127 when it is not found, as a shell would. Where COMMAND's own codes
overlap those (psql exits 1, 2 and 3), give --failure-code (125 is what env,
timeout and chroot use): every failure of aztoken's own, usage errors after the
flag included, then exits with that code and nothing else does unless COMMAND
chose it.

The token is fetched with at least --min-validity left (45m by default, not
get's 5m), so a job that connects at start gets a token with ample life.

Presets (--for) set the variables and the resource for a client; --env,
--resource and --scope override them:
` + presetHelp(),
		Example: `  aztoken exec --for psql -- psql "host=mydb.postgres.database.azure.com user=ada@contoso.com dbname=app sslmode=verify-full" -f migrate.sql
  aztoken exec --for sqlcmd -- sqlcmd -S mydb.database.windows.net --authentication-method ActiveDirectoryServicePrincipalAccessToken -i migrate.sql
  aztoken exec --resource ossrdbms --env FLYWAY_PASSWORD -- flyway migrate
  aztoken exec --failure-code 125 --for psql -- psql -v ON_ERROR_STOP=1 -f migrate.sql`,
		Annotations: map[string]string{annotationTakesCommand: "true"},
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usage.New("exec needs a command to run: aztoken exec [flags] -- COMMAND [ARGS...].")
			}
			return nil
		},
		ValidArgsFunction: func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			return nil, cobra.ShellCompDirectiveDefault
		},
		RunE: func(cmd *cobra.Command, args []string) error { return runExec(cmd, a, o, args) },
	}
	// Words after COMMAND are COMMAND's, not aztoken's: psql -c must not
	// be read as a flag of exec, with or without "--".
	cmd.Flags().SetInterspersed(false)
	o.bind(cmd, true)
	o.cache.bindWith(cmd, execMinValidity, "fetch a token unless a cached one has more than this left; COMMAND gets a token with at least this much life where the source allows")
	cmd.Flags().Lookup("timeout").Usage = "bound getting the token (env AZTOKEN_TIMEOUT); COMMAND itself has no deadline"
	var presets []string
	for _, p := range preset.All() {
		presets = append(presets, p.Name+"\t"+strings.Join(p.Vars, ", ")+", "+p.Resource)
	}
	addEnumFlag(cmd, &o.forName, "for", "", "", "client preset", "set --env and --resource for a client", presets...)
	cmd.Flags().StringArrayVar(&o.envNames, "env", nil, "put the token in this variable of COMMAND's environment (repeatable; default "+preset.GenericVar+", or the preset's)")
	cmd.Flags().StringArrayVar(&o.feeds, "feed", nil, "--for npm, pip, nuget: an Azure Artifacts feed's URL, which the variables name and whose tenant is asked (repeatable for nuget)")
	cmd.Flags().StringArrayVar(&o.allowHosts, "allow-host", nil, "a feed host other than pkgs.dev.azure.com and ORG.pkgs.visualstudio.com that may get the token, exactly, port included (repeatable)")
	cmd.Flags().IntVar(&o.failureCode, "failure-code", 0, "exit with this code (1-255, such as 125) for every failure of aztoken's own, so a script can tell them from COMMAND's codes")
	for _, name := range []string{"env", "failure-code", "feed", "allow-host"} {
		_ = cmd.RegisterFlagCompletionFunc(name, cobra.NoFileCompletions)
	}
	return cmd
}

// presetHelp is the presets table for exec's help.
func presetHelp() string {
	var b strings.Builder
	for _, p := range preset.All() {
		fmt.Fprintf(&b, "  %-7s %s, resource %s: %s\n", p.Name, strings.Join(p.Vars, ", "), p.Resource, p.Clients)
	}
	fmt.Fprintf(&b, "  (none)  %s, resource %s (or --resource/--scope)", preset.GenericVar, "arm")
	return b.String()
}

func runExec(cmd *cobra.Command, a *App, o *execOptions, args []string) error {
	if c := o.failureCode; cmd.Flags().Changed("failure-code") && (c < 1 || c > 255) {
		return usage.Errorf("--failure-code must be between 1 and 255, such as 125; got %d.", c)
	}
	p := preset.Preset{Vars: []string{preset.GenericVar}}
	if o.forName != "" {
		var ok bool
		if p, ok = preset.Lookup(o.forName); !ok {
			// The flag checked the name against the same table.
			return fmt.Errorf("no preset %s", human.Quote(o.forName))
		}
		if o.resource == "" && len(o.scopes) == 0 {
			o.resource = p.Resource
		}
	}
	names := p.Vars
	if len(o.envNames) > 0 {
		names = o.envNames
	}
	for _, n := range names {
		if err := output.ValidEnvName(n); err != nil {
			return err
		}
	}
	feeds, err := checkFeeds(o.feeds, o.allowHosts)
	if err != nil {
		return err
	}
	// The variables' shape is checked before anything is asked: a --feed
	// missing is a usage error, not a failure after the chain ran.
	if _, err := p.Values(preset.Input{Names: names, Feeds: feeds}); err != nil {
		return usage.New(sentence(err.Error()))
	}
	if len(feeds) > 0 && o.tenant == "" {
		o.tenant = feedTenant(cmd, a, feeds[0], a.verbose)
	}

	// Signals are caught from here on: one that arrives while the chain
	// runs stops aztoken before COMMAND starts; one that arrives later is
	// COMMAND's.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, runner.Signals()...)
	defer signal.Stop(sigs)

	res, tok, err := acquire(cmd, a, &o.chainOptions, &o.cache)
	if err != nil {
		return err
	}
	select {
	case s := <-sigs:
		// Caught before COMMAND started: aztoken's own stop, 128+N.
		return silent(signalCode(s))
	default:
	}
	if cmd.Context().Err() != nil {
		return silent(interruptedCode(cmd.Context()))
	}
	if a.verbose {
		left := time.Until(tok.ExpiresOn)
		fmt.Fprintf(a.IO.ErrOut, "aztoken: exec: running %s with %s's token in %s; it expires in %s\n",
			human.Quote(args[0]), res.source, strings.Join(names, ", "), human.Duration(left))
		if left < o.cache.minValidity {
			fmt.Fprintf(a.IO.ErrOut, "aztoken: exec: that is less than --min-validity %s: %s handed out a token it had cached\n",
				human.Duration(o.cache.minValidity), res.source)
		}
	}
	vars, err := p.Values(preset.Input{Token: tok.AccessToken, Names: names, Feeds: feeds})
	if err != nil {
		return err
	}
	child, err := runner.StartForeground(runner.Foreground{
		Name:    args[0],
		Args:    args[1:],
		Environ: a.Env.Environ(),
		Set:     vars,
		Stdin:   a.IO.In,
		Stdout:  a.IO.Out,
		Stderr:  a.IO.ErrOut,
	})
	if err != nil {
		var se *runner.StartError
		if errors.As(err, &se) {
			fmt.Fprintf(a.IO.ErrOut, "aztoken: %s; nothing was run.\n", human.Text(se.Error()))
			return silent(se.Code)
		}
		return err
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				if err := child.Signal(s); err != nil && a.verbose {
					fmt.Fprintf(a.IO.ErrOut, "aztoken: exec: could not pass %s on: %v\n", s, err)
				}
			case <-done:
				return
			}
		}
	}()
	code, err := child.Wait()
	close(done)
	if err != nil {
		return fmt.Errorf("lost track of %s: %w", human.Quote(args[0]), err)
	}
	if code == 0 {
		return nil
	}
	return childExit(code)
}

// childExit is COMMAND's own exit code, which exec passes on as it is,
// whatever signal aztoken received meanwhile.
type childExit int

func (childExit) Error() string { return "" }

// failureCode is --failure-code's value when cmd has the flag and it was
// given a valid code, else 0. Run applies it to every exit but a
// childExit, so it also covers errors cobra finds in the flags after it.
func failureCode(cmd *cobra.Command) int {
	if cmd == nil {
		return 0
	}
	f := cmd.Flags().Lookup("failure-code")
	if f == nil || !f.Changed {
		return 0
	}
	n, err := strconv.Atoi(f.Value.String())
	if err != nil || n < 1 || n > 255 {
		return 0
	}
	return n
}
