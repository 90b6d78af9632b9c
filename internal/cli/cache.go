package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/cache"
	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/human"
	"github.com/aztoken/aztoken/internal/output"
	"github.com/aztoken/aztoken/internal/usage"
)

// cacheOptions are get's and whoami's cache flags.
type cacheOptions struct {
	noCache     bool
	minValidity time.Duration
	verbose     bool
}

func (co *cacheOptions) bind(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&co.noCache, "no-cache", false, "neither read nor write the persistent token cache (env AZTOKEN_NO_CACHE=1)")
	cmd.Flags().DurationVar(&co.minValidity, "min-validity", cache.DefaultMinValidity, "serve a cached token only while it has more than this left")
	_ = cmd.RegisterFlagCompletionFunc("min-validity", cobra.NoFileCompletions)
}

func (co *cacheOptions) resolve(a *App, verbose bool) error {
	if cacheDisabled(a) {
		co.noCache = true
	}
	if co.minValidity < 0 {
		return usage.New("--min-validity cannot be negative.")
	}
	co.verbose = verbose
	return nil
}

// cacheDisabled reads AZTOKEN_NO_CACHE: any value but "", "0" and "false".
func cacheDisabled(a *App) bool {
	v := a.Env.Get("AZTOKEN_NO_CACHE")
	return v != "" && v != "0" && !strings.EqualFold(v, "false")
}

// chainKey names what a cached token answers: the request and every
// selected source's view of who it would answer as. Any change to the
// environment, a user-assigned id or a developer tool's login changes a
// source's key and so this one, and the chain runs again. Within one key
// the answer is the one the chain gave last time, so a token from az is
// served only while everything before az is as it was then. The Entra
// sources' keys carry digests of their credentials, so a changed or wrong
// secret asks Entra ID again; c keys the result so that the entry's name
// reveals none of it.
func chainKey(c *cache.Cache, req chain.Request, sources []chain.Source) string {
	parts := []string{"chain-v1", strings.Join(req.Scopes, " "), req.Tenant}
	for _, s := range sources {
		k := "-"
		if kr, ok := s.(chain.Keyer); ok {
			if v, ok := kr.CacheKey(req); ok {
				k = v
			}
		}
		parts = append(parts, s.Name()+"="+k)
	}
	return c.Key(parts...)
}

// run gets a token through the cache, or straight from the chain when the
// cache is off. It returns the token and the name of the source behind it.
func (co *cacheOptions) run(ctx context.Context, a *App, r *resolved, ch *chain.Chain) (chain.Token, string, error) {
	fromChain := func(ctx context.Context) (chain.Token, string, error) {
		tok, res, err := ch.GetToken(ctx, r.req)
		if err != nil {
			return tok, "", err
		}
		return tok, res.Outcomes[res.Winner].Source, nil
	}
	if co.noCache {
		return fromChain(ctx)
	}
	notice := func(string) {}
	if co.verbose {
		// The cache's own notices start with "cache: "; so do ours.
		notice = func(s string) { fmt.Fprintf(a.IO.ErrOut, "aztoken: %s\n", s) }
	}
	c, err := cache.Open(a.Env, cache.Options{Notice: notice})
	if err != nil {
		notice(fmt.Sprintf("cache: not used: %v", err))
		return fromChain(ctx)
	}
	key := chainKey(c, r.req, ch.Sources)
	e, hit, err := c.Acquire(ctx, key, co.minValidity, func(ctx context.Context) (cache.Entry, error) {
		tok, src, err := fromChain(ctx)
		if err != nil {
			return cache.Entry{}, err
		}
		return cache.Entry{Token: tok, Source: src, Scopes: r.req.Scopes}, nil
	})
	if err != nil {
		// A token due for refresh but still valid beats no token when the
		// refresh fails (Entra briefly down, az slow to start).
		if stale, ok := c.GetStale(key, co.minValidity); ok && stale.Token.ExpiresOn.After(time.Now()) {
			notice(fmt.Sprintf("cache: refresh failed, serving %s's cached token that expires in %s", stale.Source, human.Duration(time.Until(stale.Token.ExpiresOn))))
			return stale.Token, stale.Source, nil
		}
		return chain.Token{}, "", err
	}
	if hit {
		notice(fmt.Sprintf("cache: served %s's token from the cache (%s mode); it expires in %s", e.Source, c.Mode().Name, human.Duration(time.Until(e.Token.ExpiresOn))))
	}
	return e.Token, e.Source, nil
}

// cacheModeLine says, for explain, where the cache is and how tokens are
// kept at rest. It opens the cache (creating the directory and key if
// needed) but contacts nothing.
func cacheModeLine(a *App) string {
	if cacheDisabled(a) {
		return "off (AZTOKEN_NO_CACHE is set)"
	}
	c, err := cache.Open(a.Env, cache.Options{})
	if err != nil {
		return "not usable: " + err.Error()
	}
	return fmt.Sprintf("%s, %s", c.Dir(), c.Mode())
}

func newCacheCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cache",
		Short: "Show or empty the persistent token cache",
		Long: `get and whoami keep tokens in a cache so that the next call is nearly free:
$XDG_CACHE_HOME/aztoken (or AZTOKEN_CACHE_DIR), a directory only you can read,
encrypted with a key in the kernel user keyring where one is available.`,
		Args: unknownSubcommand,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var format string
	list := &cobra.Command{
		Use:   "list",
		Short: "List cached tokens: source, identity, scopes and expiry, never the tokens",
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := cache.Open(a.Env, cache.Options{})
			if err != nil {
				return err
			}
			infos, err := c.List()
			if err != nil {
				return err
			}
			if format == "json" {
				if infos == nil {
					infos = []cache.Info{} // an empty cache is [], not null, for jq
				}
				enc := json.NewEncoder(a.IO.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(infos)
			}
			if len(infos) == 0 {
				fmt.Fprintf(a.IO.Out, "The cache in %s is empty.\n", c.Dir())
				return nil
			}
			t := &output.Table{}
			t.AddRow("KEY", "SOURCE", "IDENTITY", "SCOPES", "EXPIRES")
			for _, in := range infos {
				exp := human.Duration(time.Until(in.ExpiresOn))
				if in.Problem != "" {
					exp = in.Problem
				}
				t.AddRow(in.Key[:min(12, len(in.Key))], in.Source, in.Identity, strings.Join(in.Scopes, " "), exp)
			}
			t.Render(a.IO.Out)
			return nil
		},
	}
	addOutputFlag(list, &format, "table", "json")
	clear := &cobra.Command{
		Use:   "clear",
		Short: "Remove every cached token",
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := cache.Open(a.Env, cache.Options{})
			if err != nil {
				return err
			}
			n, err := c.Clear()
			if err != nil {
				return err
			}
			fmt.Fprintf(a.IO.ErrOut, "aztoken: removed %d cached token(s) from %s\n", n, c.Dir())
			return nil
		},
	}
	list.Args, clear.Args = noArgs, noArgs
	cmd.AddCommand(list, clear)
	return cmd
}
