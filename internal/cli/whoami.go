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
