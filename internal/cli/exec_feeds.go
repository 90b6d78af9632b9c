package cli

// This file is exec's side of the Azure Artifacts presets (--for npm, pip,
// nuget): which feed URLs may get a token, and which tenant to ask it
// from.

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/hostmatch"
	"github.com/aztoken/aztoken/internal/human"
	"github.com/aztoken/aztoken/internal/preset"
	"github.com/aztoken/aztoken/internal/tenantdiscovery"
	"github.com/aztoken/aztoken/internal/usage"
)

// checkFeeds reads --feed: https URLs without user information on a feed
// host (pkgs.dev.azure.com, <org>.pkgs.visualstudio.com) or on a host the
// user named with --allow-host, port included. Anything else is refused
// before any request: a look-alike host gets nothing, not even the
// discovery request.
func checkFeeds(raw, allow []string) ([]*url.URL, error) {
	m, err := hostmatch.New(hostmatch.AzureArtifacts, allow...)
	if err != nil {
		return nil, usage.Errorf("--allow-host: %s.", err)
	}
	var out []*url.URL
	for _, r := range raw {
		u, err := url.Parse(r)
		switch {
		case err != nil || u.Host == "" || u.Opaque != "":
			return nil, usage.Errorf("--feed %s is not a URL; give the feed's URL, such as https://pkgs.dev.azure.com/ORG/_packaging/FEED/pypi/simple/.", human.Quote(r))
		case u.Scheme != "https":
			return nil, usage.Errorf("--feed %s: a token goes only over https.", human.Quote(u.Redacted()))
		case u.User != nil:
			return nil, usage.New("--feed holds a user name or password; give the URL without them: aztoken supplies the credential.")
		}
		if _, ok := m.Match(u.Host); !ok {
			return nil, usage.Errorf("--feed %s is not on an Azure Artifacts host (pkgs.dev.azure.com or ORG.pkgs.visualstudio.com, https, no port); to send the token to %s anyway, name it with --allow-host %s.",
				human.Quote(u.String()), human.Quote(u.Host), u.Host)
		}
		u.Fragment, u.RawFragment = "", ""
		out = append(out, u)
	}
	return out, nil
}

// feedTenant is the tenant to ask a feed's token from: what was found for
// its organization before, or what the feed says to a request without a
// token (tenantdiscovery: an authorization_uri only on a known Entra ID
// host, or X-VSS-ResourceTenant); "" means the chain's default.
func feedTenant(cmd *cobra.Command, a *App, feed *url.URL, verbose bool) string {
	notice := func(format string, args ...any) {
		if verbose {
			fmt.Fprintf(a.IO.ErrOut, "aztoken: exec: "+format+"\n", args...)
		}
	}
	key := preset.FeedKey(feed)
	tid, src, err := tenantMemo(a).Find(cmd.Context(), nil, key, feed.String())
	switch {
	case src == tenantdiscovery.FromMemo && tid == "":
		notice("%s names no tenant (remembered); using the chain's default tenant", feed.Host)
		return ""
	case src == tenantdiscovery.FromMemo:
		notice("tenant %s, remembered for %s", tid, key)
		return tid
	case errors.Is(err, tenantdiscovery.ErrNoTenant):
		notice("%s names no Entra ID tenant; using the chain's default tenant", feed.Host)
		return ""
	case err != nil:
		notice("%s; using the chain's default tenant", err)
		return ""
	}
	notice("tenant %s, from the feed's %s", tid, src)
	return tid
}
