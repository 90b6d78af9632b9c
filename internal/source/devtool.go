package source

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/resources"
	"github.com/aztoken/aztoken/internal/runner"
)

// DefaultCLITimeout bounds a run of az, azd or pwsh when Config.CLITimeout
// is zero: what the Go SDK allows.
const DefaultCLITimeout = 10 * time.Second

// devTool is what the az, azd and pwsh sources share: how to find, run and
// read the tool, and how to turn its failures into advice.
type devTool struct {
	cfg  Config
	name string // the chain's name for the source
	exe  string // the executable looked up on PATH
	// fallback is run when exe is not on PATH and it is: Windows
	// PowerShell 5.1 (powershell.exe) where PowerShell 7 (pwsh) is absent.
	fallback string
	install  string // hint when the tool is missing
	login    string // the command that logs in, such as "az login"
	// check is a quick command that shows whether the tool works, for hints.
	check string
	// loginMarkers, found in stderr without an AADSTS code, mean the user
	// is not logged in.
	loginMarkers []string
	// tenantFlag is the login command's flag for a tenant, such as "--tenant".
	tenantFlag string
	// childEnv is added to the caller's environment for the child: no
	// colours, prompts, update checks or telemetry on the token path.
	childEnv []string
	// message picks the tool's error out of its (scrubbed) stderr.
	message func(stderr string) string
	// special, when it returns an error, overrides the usual reading of a
	// failure (pwsh's script marks a missing module this way).
	special func(stderr, tenant string) error
}

// fetch runs the tool with args and reads its answer with parse. An answer
// that does not parse makes the source unavailable, as in the SDKs'
// default chain, with hint saying how to check the tool. The tenant asked
// for stands in when the answer names none.
func (d *devTool) fetch(ctx context.Context, args []string, tenant string, parse func([]byte) (chain.Token, error), hint string) (chain.Token, error) {
	out, err := d.run(ctx, args, tenant)
	if err != nil {
		return chain.Token{}, err
	}
	tok, err := parse(out)
	if err != nil {
		return chain.Token{}, chain.Unavailable(hint, "%s answered, but %s", d.exe, err)
	}
	if tok.Tenant == "" {
		tok.Tenant = tenant
	}
	return tok, nil
}

func (d *devTool) getenv(key string) string { return d.cfg.Env.Get(key) }

func (d *devTool) timeout() time.Duration {
	if d.cfg.CLITimeout > 0 {
		return d.cfg.CLITimeout
	}
	return DefaultCLITimeout
}

func (d *devTool) environ() []string {
	return append(d.cfg.Env.Environ(), d.childEnv...)
}

// lookPath finds the tool on the PATH the child would get: exe, else the
// fallback if there is one and it is there.
func (d *devTool) lookPath() (string, error) {
	path, err := runner.LookPath(d.exe, d.cfg.Env.Environ())
	if err != nil && d.fallback != "" {
		if p, ferr := runner.LookPath(d.fallback, d.cfg.Env.Environ()); ferr == nil {
			return p, nil
		}
	}
	return path, err
}

// runName is the executable run asks for: exe, or the fallback when only
// the fallback is on PATH.
func (d *devTool) runName() string {
	if d.fallback == "" {
		return d.exe
	}
	if path, err := d.lookPath(); err == nil {
		return path
	}
	return d.exe
}

// loginHint is the exact command that logs in, for the tenant if one was asked for.
func (d *devTool) loginHint(tenant string) string {
	cmd := d.login
	if tenant != "" {
		cmd += " " + d.tenantFlag + " " + tenant
	}
	return "run `" + cmd + "`"
}

// checkTenant applies the SDKs' pre-exec tenant rule. The developer tools
// have no configured tenant of their own, so any valid tenant may be asked for.
func (d *devTool) checkTenant(req chain.Request) (string, error) {
	t, err := ResolveTenant("", req.Tenant, AllowedTenants(d.getenv("AZURE_ADDITIONALLY_ALLOWED_TENANTS")))
	if err == nil && strings.HasPrefix(t, "-") {
		err = fmt.Errorf("tenant %q starts with '-', which %s would read as an option", t, d.exe)
	}
	if err != nil {
		return "", chain.Failed(err, "pass a tenant id such as 00000000-0000-0000-0000-000000000000 or contoso.onmicrosoft.com", "%s", err)
	}
	return t, nil
}

// checkScope applies the SDKs' pre-exec scope rule. A scope that starts
// with '-' is also refused: no shell reads our argv, but the tool's own
// option parser would.
func (d *devTool) checkScope(scope string) error {
	if resources.Validate(scope) == nil && !strings.HasPrefix(scope, "-") {
		return nil
	}
	return chain.Failed(nil, "use a scope such as https://management.azure.com/.default",
		"invalid scope %q: only A-Z, a-z, 0-9 and . _ / : - are allowed, and it may not start with '-'", scope)
}

// run runs the tool and returns its stdout, or a chain error that says what
// went wrong in words taken from the tool's stderr (never its stdout, which
// may hold a token).
func (d *devTool) run(ctx context.Context, args []string, tenant string) ([]byte, error) {
	res, err := runner.Run(ctx, runner.Cmd{Name: d.runName(), Args: args, Environ: d.environ(), Timeout: d.timeout()})
	if res.Path != "" {
		// It ran: -v and probe say how, as they do for HTTP requests.
		ri := chain.RequestInfo{Command: d.shownCommand(res.Path, args), Duration: res.Duration}
		if res.ExitCode >= 0 {
			ri.ExitCode = &res.ExitCode
		}
		chain.RecorderFrom(ctx).Add(ri)
	}
	if err == nil {
		return res.Stdout, nil
	}
	var nf *runner.NotFoundError
	var ee *runner.ExitError
	switch {
	case errors.As(err, &nf):
		return nil, chain.Unavailable(d.install, "%s", nf.Error())
	case errors.Is(err, runner.ErrTimedOut):
		return nil, chain.TimedOut(
			fmt.Sprintf("check that `%s` answers quickly when you run it yourself, or raise --cli-timeout", d.check),
			"%s", err.Error())
	case ctx.Err() != nil:
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, chain.TimedOut("", "the command's time ran out before %s answered", d.exe)
		}
		return nil, chain.Failed(ctx.Err(), "", "%s was stopped before it answered", d.exe)
	case errors.As(err, &ee):
		return nil, d.classify(scrubToolOutput(string(res.Stderr), toolSecrets(d.environ(), d.azConfigDir())), ee, tenant)
	default:
		// It was found but could not be started (permissions, a bad
		// interpreter line, a batch file cmd.exe could misread): to the
		// chain that is as good as missing. The runner's "could not start
		// PATH: " is left out where there is one; a refusal has none.
		why := err
		if inner := errors.Unwrap(err); inner != nil {
			why = inner
		}
		return nil, chain.Unavailable(d.install, "%s could not be started: %v", d.exe, why)
	}
}

// classify turns an unsuccessful exit into a chain error. Inside the
// chain every such failure lets the chain move on, as in the Go SDK since
// 1.11; what differs is the advice.
func (d *devTool) classify(stderr string, ee *runner.ExitError, tenant string) error {
	if d.special != nil {
		if err := d.special(stderr, tenant); err != nil {
			return err
		}
	}
	msg := stderr
	if d.message != nil {
		msg = d.message(stderr)
	}
	msg = toolExcerpt(msg)
	if msg == "" {
		msg = ee.Error() + " and wrote nothing to stderr"
	}
	if ee.Code == 127 || strings.Contains(stderr, "is not recognized") {
		return chain.Unavailable(d.install, "%s could not be run (%s): %s", d.exe, ee.Error(), msg)
	}
	if d.notLoggedIn(stderr) {
		return chain.Unavailable(d.loginHint(tenant), "%s is not logged in: %s", d.exe, msg)
	}
	hint := d.loginHint(tenant) + " to sign in again"
	if strings.Contains(stderr, "AADSTS") && tenant != "" {
		hint = "check that tenant " + tenant + " is right and that you have an account there, then " + d.loginHint(tenant)
	}
	return chain.Unavailable(hint, "%s could not get a token: %s", d.exe, msg)
}

func (d *devTool) notLoggedIn(stderr string) bool {
	if strings.Contains(stderr, "AADSTS") {
		return false
	}
	for _, m := range d.loginMarkers {
		if strings.Contains(stderr, m) {
			return true
		}
	}
	return false
}

// commandLine is argv as a user would type it, for hints and explain.
// shownCommand is the command line that ran, for -v and probe: the
// executable's path and the arguments, each cut short (pwsh's encoded
// script is kilobytes of base64). The tools take no secret as an argument.
func (d *devTool) shownCommand(path string, args []string) string {
	parts := []string{path}
	for _, a := range args {
		if len(a) > maxShownArg {
			a = a[:maxShownArg] + fmt.Sprintf("…(%d bytes)", len(a))
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// maxShownArg is how much of one argument shownCommand keeps.
const maxShownArg = 64

func (d *devTool) commandLine(args []string) string {
	return strings.Join(append([]string{d.exe}, args...), " ")
}

// describe fills in what every developer tool says about itself.
func (d *devTool) describe(cmdline string, preErr error) (chain.Description, string) {
	var desc chain.Description
	path, err := d.lookPath()
	in := chain.Input{Kind: "executable", Name: d.exe, State: "not found"}
	if err == nil {
		in.Value, in.State = path, "found"
	}
	desc.Inputs = append(desc.Inputs, in)
	desc.Detail = "runs " + cmdline
	switch {
	case preErr != nil:
		desc.Verdict = chain.WouldStop
		desc.Why = preErr.Error() + "; the chain would stop here before running " + d.exe
	case err != nil:
		desc.Verdict = chain.WouldSkip
		desc.Why = err.Error() + ", so the chain would skip it (" + d.install + ")"
	default:
		desc.Verdict = chain.WouldTry
		desc.Why = fmt.Sprintf("%s is on PATH; the chain would run it (for at most %s) and use its answer", d.exe, runner.FormatDuration(d.timeout()))
	}
	return desc, path
}

// toolFileInput describes a login file without reading more than its size.
func toolFileInput(path string) chain.Input {
	in := chain.Input{Kind: "file", Name: path, State: "missing"}
	if loginFileExists(path) {
		in.State = "readable"
	}
	return in
}

// azConfigDir is where az keeps its login: $AZURE_CONFIG_DIR or ~/.azure.
// Every tool's stderr is scrubbed of the secrets kept there, since azd and
// pwsh may run az themselves.
func (d *devTool) azConfigDir() string {
	if dir := d.getenv("AZURE_CONFIG_DIR"); dir != "" {
		return dir
	}
	if h := d.homeDir(); h != "" {
		return filepath.Join(h, ".azure")
	}
	return ""
}

// homeDir is where the tools keep their login state: HOME, or
// %USERPROFILE% on Windows (see homeVar), so explain names the files az,
// azd and Azure PowerShell really use there (%USERPROFILE%\.azure, ...).
func (d *devTool) homeDir() string {
	if h := d.getenv(homeVar); h != "" && filepath.IsAbs(h) {
		return h
	}
	return ""
}
