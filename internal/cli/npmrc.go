package cli

import (
	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/output"
	"github.com/aztoken/aztoken/internal/preset"
	"github.com/aztoken/aztoken/internal/usage"
)

type npmrcOptions struct {
	feed, envName string
	allowHosts    []string
}

func newNpmrcCmd(a *App) *cobra.Command {
	o := &npmrcOptions{}
	cmd := &cobra.Command{
		Use:   "npmrc --feed URL",
		Short: "Print the .npmrc lines for an Azure Artifacts npm feed, with no token in them",
		Long: `npmrc prints the lines an .npmrc needs for an Azure Artifacts npm feed: the
registry, and a user name, password and email for both the feed's /npm/registry/
and /npm/ paths. The password is ${AZURE_ARTIFACTS_NPM_PASSWORD}, which npm
expands from its environment when it reads .npmrc, so the file holds no
secret and can be committed. 'aztoken exec --for npm' fills that variable with
a fresh token, base64-encoded as npm wants it:

  aztoken npmrc --feed https://pkgs.dev.azure.com/ORG/_packaging/FEED/npm/registry/ >> .npmrc
  aztoken exec --for npm --feed https://pkgs.dev.azure.com/ORG/_packaging/FEED/npm/registry/ -- npm ci

pnpm and yarn (v1) read the same .npmrc. On a laptop the token comes from your
az or azd login; in CI from the pipeline's identity (--source pipeline). npm
run without aztoken exec has no token for the feed: older npm stops at the
unset variable ("Failed to replace env in config"), npm 11 is refused (E401).`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.feed == "" {
				return usage.New("npmrc needs --feed: the feed's npm URL, such as https://pkgs.dev.azure.com/ORG/_packaging/FEED/npm/registry/.")
			}
			if err := output.ValidEnvName(o.envName); err != nil {
				return err
			}
			feeds, err := checkFeeds([]string{o.feed}, o.allowHosts)
			if err != nil {
				return err
			}
			lines, err := preset.NpmrcLines(feeds[0], o.envName)
			if err != nil {
				return usage.New(sentence(err.Error()))
			}
			_, err = a.IO.Out.Write([]byte(lines))
			return err
		},
	}
	cmd.Flags().StringVar(&o.feed, "feed", "", "the feed's npm URL (…/_packaging/FEED/npm/registry/)")
	cmd.Flags().StringVar(&o.envName, "env-name", preset.NpmPasswordVar, "the variable the password line names (exec --for npm --env NAME fills another)")
	cmd.Flags().StringArrayVar(&o.allowHosts, "allow-host", nil, "a feed host other than pkgs.dev.azure.com and ORG.pkgs.visualstudio.com, exactly, port included")
	for _, name := range []string{"feed", "env-name", "allow-host"} {
		_ = cmd.RegisterFlagCompletionFunc(name, cobra.NoFileCompletions)
	}
	return cmd
}
