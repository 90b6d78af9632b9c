package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/claims"
	"github.com/aztoken/aztoken/internal/output"
)

type whoamiOptions struct {
	chainOptions
	cache  cacheOptions
	format string
}

func newWhoamiCmd(a *App) *cobra.Command {
	o := &whoamiOptions{}
	cmd := &cobra.Command{
		Use:   "whoami",
		Short: "Run the chain like get and say who the token is for, never the token",
		Long: `whoami runs the credential chain exactly as get does (the same flags, sources
and cache) and prints, instead of the token, which source answered and who the
token is for: user or application, object id, tenant, audience, roles or
scopes, and when it expires. The token itself is never printed, so whoami is
safe to run in a shared terminal or a CI log. With -o json the same summary is
one JSON object for scripts. Exit codes are get's.`,
		Example: `  aztoken whoami
  aztoken whoami --source az --resource graph
  aztoken whoami -o json | jq -r .identity.tenant`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, tok, err := acquire(cmd, a, &o.chainOptions, &o.cache)
			if err != nil {
				return err
			}
			c, err := claims.Decode(tok.AccessToken)
			if err != nil {
				fmt.Fprintf(a.IO.Out, "source: %s\n", res.source)
				return fmt.Errorf("%s answered with a token that is not a JWT, so there are no claims to show", res.source)
			}
			return writeClaims(a, o.format, res.source, c)
		},
	}
	o.bind(cmd, true)
	o.cache.bind(cmd)
	addReportFlag(cmd, &o.format, output.ReportText)
	return cmd
}
