package cli

import (
	"bytes"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/output"
	"github.com/aztoken/aztoken/internal/usage"
)

type getOptions struct {
	chainOptions
	format  string
	envName string
	mask    string
	cache   cacheOptions
}

func newGetCmd(a *App) *cobra.Command {
	o := &getOptions{}
	cmd := &cobra.Command{
		Use:   "get",
		Short: "Run the credential chain and print an access token",
		Long: `get runs the credential chain and prints the first token it gets to stdout.
On failure stdout stays empty and stderr says what each source lacked and what
to do next; the exit code says which kind of failure it was.

Formats (-o): ` + strings.Join(output.Formats(), ", ") + `.`,
		Example: `  aztoken get --resource vault
  export TOKEN=$(aztoken get --scope https://graph.microsoft.com/.default)
  eval "$(aztoken get -o env --resource sql)"`,
		RunE: func(cmd *cobra.Command, _ []string) error { return runGet(cmd, a, o) },
	}
	o.bind(cmd, true)
	o.cache.bind(cmd)
	addOutputFlag(cmd, &o.format, output.Formats()...)
	cmd.Flags().StringVar(&o.envName, "env-name", "AZURE_ACCESS_TOKEN", "the variable name for the env, powershell, fish and windows-cmd formats")
	cmd.Flags().StringVar(&o.mask, "mask", "", "print a CI runner's masking line before the token: auto, github, azure-pipelines (not with -o json, header or exec-credential)")
	cmd.Flags().Lookup("mask").NoOptDefVal = "auto"
	_ = cmd.RegisterFlagCompletionFunc("env-name", cobra.NoFileCompletions)
	_ = cmd.RegisterFlagCompletionFunc("mask", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"auto", "github", "azure-pipelines"}, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func runGet(cmd *cobra.Command, a *App, o *getOptions) error {
	format := output.Format(o.format)
	if err := output.ValidEnvName(o.envName); err != nil {
		return err
	}
	ci := output.CINone
	if format == output.ExecCredential {
		// kubectl's request is checked before any source runs: a wrong
		// one is a usage error however the chain would fare.
		if _, err := output.ParseExecInfo(a.Env.Get("KUBERNETES_EXEC_INFO")); err != nil {
			return err
		}
	}
	if cmd.Flags().Changed("mask") {
		if err := maskFits(format); err != nil {
			return err
		}
		var err error
		if ci, err = resolveCI(o.mask, a); err != nil {
			return err
		}
	}
	res, tok, err := acquire(cmd, a, &o.chainOptions, &o.cache)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if ci != output.CINone {
		buf.WriteString(maskStatement(format, output.MaskLine(ci, tok.AccessToken)))
	}
	meta := output.Meta{Source: res.source, Scopes: res.req.Scopes, EnvName: o.envName, ExecInfo: a.Env.Get("KUBERNETES_EXEC_INFO")}
	if err := output.WriteToken(&buf, format, tok, meta); err != nil {
		return err
	}
	// One write, so a reader never sees half a token.
	_, err = a.IO.Out.Write(buf.Bytes())
	return err
}

// maskFits refuses --mask with a format whose reader parses stdout whole
// (JSON, kubectl's ExecCredential, an HTTP header): a masking line first
// would make it something else. GitHub Actions and Azure Pipelines read
// workflow commands from stderr too (actions/runner's ScriptHandler
// passes stderr through its OutputManager; the Azure Pipelines agent's
// handlers subscribe ErrorDataReceived to the same OnDataReceived), but the
// line holds the token, and a token never goes to stderr. It is refused
// whether or not a CI system is detected, so a script that works on a laptop
// does not break only in CI.
func maskFits(f output.Format) error {
	switch f {
	case output.JSON, output.ExecCredential, output.Header:
		hint := "register the mask in a step of its own: eval \"$(aztoken get --mask -o env)\", then use $AZURE_ACCESS_TOKEN"
		if f == output.ExecCredential {
			hint = "kubectl does not log what an exec plugin prints, so drop --mask"
		}
		return usage.Errorf("--mask cannot be used with -o %s: the masking line would come first and the output would no longer be %s; %s.", f, f, hint)
	}
	return nil
}

// resolveCI reads --mask: a CI system's name, or auto to detect it from
// the system's own variables (none detected: no line, so the same
// script works on a laptop).
func resolveCI(v string, a *App) (output.CI, error) {
	switch v {
	case "auto", "":
		return output.DetectCI(a.Env), nil
	case string(output.CIGitHub), string(output.CIAzurePipelines):
		return output.CI(v), nil
	}
	return "", usage.Errorf("--mask: unknown runner %q; use auto, github or azure-pipelines.", v)
}

// maskStatement puts the masking line before the token. For the shell
// formats it is an echo in that shell, so that eval "$(aztoken get --mask
// -o env)" still runs cleanly and the line still reaches the job's log.
func maskStatement(f output.Format, line string) string {
	line = strings.TrimSuffix(line, "\n")
	q := "'" + strings.ReplaceAll(line, "'", `'\''`) + "'"
	switch f {
	case output.Env, output.EnvNoExport, output.Fish:
		return "echo " + q + "\n"
	case output.PowerShell:
		return "Write-Output '" + strings.ReplaceAll(line, "'", "''") + "'\n"
	case output.WindowsCmd:
		return "echo " + line + "\n"
	}
	return line + "\n"
}
