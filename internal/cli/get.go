package cli

import (
	"bytes"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/output"
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
		RunE:        func(cmd *cobra.Command, _ []string) error { return runGet(cmd, a, o) },
		Annotations: map[string]string{annotationArmsSignals: "true"},
	}
	o.bind(cmd, true)
	o.cache.bind(cmd)
	addOutputFlag(cmd, &o.format, output.Formats()...)
	cmd.Flags().StringVar(&o.envName, "env-name", output.DefaultEnvName, "the variable name for the formats that assign one: "+strings.Join(output.Assigning(), ", "))
	addEnumFlag(cmd, &o.mask, "mask", "", "", "--mask runner", "print a CI runner's masking line before the token (not with -o "+strings.Join(output.Unmaskable(), ", ")+")", output.MaskChoices...)
	cmd.Flags().Lookup("mask").NoOptDefVal = "auto"
	_ = cmd.RegisterFlagCompletionFunc("env-name", cobra.NoFileCompletions)
	return cmd
}

func runGet(cmd *cobra.Command, a *App, o *getOptions) error {
	format := output.Format(o.format)
	if err := output.ValidEnvName(o.envName); err != nil {
		return err
	}
	if format == output.ExecCredential {
		// kubectl's request is checked before any source runs: a wrong
		// one is a usage error however the chain would fare.
		if _, err := output.ParseExecInfo(a.Env.Get("KUBERNETES_EXEC_INFO")); err != nil {
			return err
		}
	}
	if o.mask != "" {
		// Refused whether or not a CI system is detected, so a script
		// that works on a laptop does not break only in CI.
		if err := output.CheckMask(format); err != nil {
			return err
		}
	}
	res, tok, err := acquire(cmd, a, &o.chainOptions, &o.cache)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	meta := output.Meta{Source: res.source, Scopes: res.req.Scopes, EnvName: o.envName, ExecInfo: a.Env.Get("KUBERNETES_EXEC_INFO")}
	if o.mask != "" {
		meta.Mask = output.ResolveCI(o.mask, a.Env)
	}
	if err := output.WriteToken(&buf, format, tok, meta); err != nil {
		return err
	}
	// One write, so a reader never sees half a token.
	_, err = a.IO.Out.Write(buf.Bytes())
	return err
}
