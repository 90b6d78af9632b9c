package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/claims"
	"github.com/aztoken/aztoken/internal/credprovider"
	"github.com/aztoken/aztoken/internal/preset"
	"github.com/aztoken/aztoken/internal/tenantdiscovery"
	"github.com/aztoken/aztoken/internal/usage"
)

// CredentialProviderProgram is the Azure Artifacts Credential Provider's
// program name: aztoken run by this name (a link or a copy) is the
// provider, for tools that run it by path.
const CredentialProviderProgram = "CredentialProvider.Microsoft"

// feedHostsEnv names feed hosts beyond Azure Artifacts' own for the
// provider, whose callers pass no aztoken flags: host[:port], comma-separated.
const feedHostsEnv = "AZTOKEN_FEED_HOSTS"

func newCredentialProviderCmd(a *App) *cobra.Command {
	o := &chainOptions{}
	co := &cacheOptions{}
	cmd := &cobra.Command{
		Use:   "credential-provider -Uri URL [-IsRetry] [-NonInteractive] -OutputFormat Json",
		Short: "Answer as the Azure Artifacts Credential Provider: an Entra token for a feed, as JSON",
		Long: `credential-provider takes the Azure Artifacts Credential Provider's command line,
so that tools which run the provider for a feed's credentials can run aztoken
instead, with no .NET and no personal access token:

  -Uri URL (-U)               the feed (pkgs.dev.azure.com or ORG.pkgs.visualstudio.com, https)
  -OutputFormat Json (-F)     the only format aztoken writes
  -IsRetry, -NonInteractive, -CanShowDialog, -RedactPassword (-I, -N, -C, -R),
  -Verbosity LEVEL (-V)       accepted; a switch may be followed by True or False

It writes {"Username":"aztoken","Password":"<token>"} on stdout: an Entra token
for Azure DevOps from the chain, in the tenant the feed names in its 401. On
failure stdout is empty, stderr says why and the exit code is get's. With
-IsRetry (the caller's last credentials were refused) aztoken first asks the
feed with the new token, and if the feed refuses it too, says which identity
was used and what to fix (the feed's Reader role; TF401444: sign in to the
organization once in a browser), exiting 1.

Run by the name CredentialProvider.Microsoft (a link to aztoken) it is this
command, so artifacts-keyring can use it:

  ln -s "$(command -v aztoken)" ~/bin/CredentialProvider.Microsoft
  export ARTIFACTS_KEYRING_CREDENTIALPROVIDER_PATH=~/bin/CredentialProvider.Microsoft

The chain is chosen by the environment alone (AZURE_TOKEN_CREDENTIALS, the
AZURE_* variables), as the provider's callers pass no aztoken flags. Feed hosts
other than Azure Artifacts' are answered only when AZTOKEN_FEED_HOSTS names
them (host:port, comma-separated).`,
		DisableFlagParsing: true,
		Annotations:        map[string]string{annotationTakesCommand: "true"},
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := credprovider.Parse(args)
			if err != nil {
				return usage.New(sentence(err.Error()))
			}
			if req.Help {
				return cmd.Help()
			}
			if req.OutputFormat != "json" {
				return usage.New("aztoken writes the provider's answer only as JSON: pass -OutputFormat Json.")
			}
			var named []string
			for _, h := range strings.Split(a.Env.Get(feedHostsEnv), ",") {
				if h = strings.TrimSpace(h); h != "" {
					named = append(named, h)
				}
			}
			feeds, err := checkFeeds([]string{req.URI}, named)
			if err != nil {
				return err
			}
			o.resource = "devops"
			o.tenant = feedTenant(cmd, a, feeds[0], a.verbose)
			_, tok, err := acquire(cmd, a, o, co)
			if err != nil {
				return err
			}
			if req.IsRetry {
				// The caller's last credentials were refused: ask the feed
				// with this token, once, and say what to fix if it refuses.
				if msg := feedRefusal(cmd.Context(), feeds[0], tok.AccessToken); msg != "" {
					return errors.New(msg)
				}
			}
			var buf bytes.Buffer
			if err := (credprovider.Answer{Username: preset.FeedUser, Password: tok.AccessToken}).Write(&buf); err != nil {
				return err
			}
			_, err = a.IO.Out.Write(buf.Bytes())
			return err
		},
	}
	// Bound so that acquire reads its defaults (and the AZTOKEN_*
	// variables); the provider's own options are parsed by RunE.
	o.bind(cmd, true)
	co.bind(cmd)
	return cmd
}

// feedRefusal asks the feed with token (Basic, as the caller will) and
// returns what to fix when it refuses, or "" when it accepts or cannot be
// asked. The request follows no redirect, so the token goes to the feed's
// own host only.
func feedRefusal(ctx context.Context, feed *url.URL, token string) string {
	c := *tenantdiscovery.NewClient()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, feed.String(), nil)
	if err != nil {
		return ""
	}
	req.SetBasicAuth(preset.FeedUser, token)
	resp, err := c.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	who := "the token's identity"
	if c, err := claims.Decode(token); err == nil {
		id := claims.Summarize(c, time.Now()).Identity
		switch {
		case id.UPN != "":
			who = id.UPN
		case id.AppID != "":
			who = "the app " + id.AppID
		case id.ObjectID != "":
			who = "the principal " + id.ObjectID
		}
	}
	return credprovider.Refusal(resp.StatusCode, body, who)
}
