package cli

// This file is how get and whoami obtain a token: resolve the options, run
// the chain with hedging, and go through the persistent cache when it is on.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/cache"
	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/human"
	"github.com/aztoken/aztoken/internal/source"
	"github.com/aztoken/aztoken/internal/usage"
)

// hedge is how long an earlier source may wait on the network before the
// next one is started alongside it (see chain.Chain.Hedge).
const hedge = 200 * time.Millisecond

// acquired is what acquire found: the winning source and the request.
type acquired struct {
	source string
	req    chain.Request
}

// acquire resolves the options and runs the chain (through the cache when
// it is on), writing -v progress and, on failure, the report to stderr.
func acquire(cmd *cobra.Command, a *App, o *chainOptions, co *cacheOptions) (acquired, chain.Token, error) {
	r, err := o.resolve(cmd, a)
	if err != nil {
		return acquired{}, chain.Token{}, err
	}
	if err := co.resolve(a, a.verbose); err != nil {
		return acquired{}, chain.Token{}, err
	}
	sources, err := source.NewAll(r.names, r.cfg)
	if err != nil {
		return acquired{}, chain.Token{}, err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), o.timeout)
	defer cancel()
	ch := &chain.Chain{Sources: sources, Hedge: hedge, OnStart: a.armSignals}
	if a.verbose {
		ch.OnOutcome = verboseLogger(a.IO.ErrOut)
	}
	tok, winner, err := co.run(ctx, a, r, ch)
	if err != nil {
		return acquired{}, chain.Token{}, chainFailure(ctx, cmd, a, o.timeout, err)
	}
	if w := o.ignoredIdentity(winner, "answered"); w != "" {
		fmt.Fprintf(a.IO.ErrOut, "aztoken: warning: %s\n", w)
	}
	return acquired{source: winner, req: r.req}, tok, nil
}

// chainFailure writes the per-source report for a failed chain and
// returns the silent exit code that goes with it; other errors come back
// as they are. ctx is the one the chain ran under, bounded by timeout.
func chainFailure(ctx context.Context, cmd *cobra.Command, a *App, timeout time.Duration, err error) error {
	var ce *chain.NoTokenError
	if !errors.As(err, &ce) {
		return err
	}
	if cmd.Context().Err() != nil {
		return silent(ExitInterrupted)
	}
	reportFailure(a.IO.ErrOut, ce, timeout, ctx.Err() != nil)
	return silent(chainCode(ce.Status))
}

// cacheOptions are get's and whoami's cache flags.
type cacheOptions struct {
	noCache     bool
	minValidity time.Duration
	verbose     bool
}

func (co *cacheOptions) bind(cmd *cobra.Command) {
	co.bindWith(cmd, cache.DefaultMinValidity, "serve a cached token only while it has more than this left")
}

// bindWith is bind with a command's own default for --min-validity.
func (co *cacheOptions) bindWith(cmd *cobra.Command, minValidity time.Duration, help string) {
	cmd.Flags().BoolVar(&co.noCache, "no-cache", false, "neither read nor write the persistent token cache (env AZTOKEN_NO_CACHE=1)")
	cmd.Flags().DurationVar(&co.minValidity, "min-validity", minValidity, help)
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

// run gets a token through the cache, or straight from the chain when the
// cache is off. It returns the token and the name of the source behind it.
func (co *cacheOptions) run(ctx context.Context, a *App, r *resolved, ch *chain.Chain) (chain.Token, string, error) {
	return co.runIn(ctx, a, co.open(ctx, a), r, ch)
}

// notice writes the cache's -v notices, when -v was given.
func (co *cacheOptions) notice(a *App) func(string) {
	if !co.verbose {
		return func(string) {}
	}
	// The cache's own notices start with "cache: "; so do ours.
	return func(s string) { fmt.Fprintf(a.IO.ErrOut, "aztoken: %s\n", s) }
}

// open opens the persistent cache, or returns nil when it is off or
// cannot be used (saying why under -v): the chain then runs uncached.
func (co *cacheOptions) open(ctx context.Context, a *App) *cache.Cache {
	if co.noCache {
		return nil
	}
	notice := co.notice(a)
	c, err := openCache(ctx, a, notice)
	if err != nil {
		notice(fmt.Sprintf("cache: not used: %v", err))
		return nil
	}
	return c
}

// runIn is run with the cache already open (c), or off (nil).
func (co *cacheOptions) runIn(ctx context.Context, a *App, c *cache.Cache, r *resolved, ch *chain.Chain) (chain.Token, string, error) {
	notice := co.notice(a)
	if c == nil {
		tok, res, err := ch.GetToken(ctx, r.req)
		if err != nil {
			return tok, "", err
		}
		return tok, res.Outcomes[res.Winner].Source, nil
	}
	e, served, err := c.FromChain(ctx, ch, r.req, co.minValidity)
	if err != nil {
		return chain.Token{}, "", err
	}
	switch served {
	case cache.Stale:
		notice(fmt.Sprintf("cache: refresh failed, serving %s's cached token that expires in %s", e.Source, human.Duration(time.Until(e.Token.ExpiresOn))))
	case cache.Hit:
		notice(fmt.Sprintf("cache: served %s's token from the cache (%s mode); it expires in %s", e.Source, c.Mode().Name, human.Duration(time.Until(e.Token.ExpiresOn))))
	}
	return e.Token, e.Source, nil
}

// openCache opens the persistent token cache, tied to the CI job this
// runs in (source.CIJob) so that no later job sees a pipeline token of
// this one. notice, when set, receives the cache's -v notices.
func openCache(ctx context.Context, a *App, notice func(string)) (*cache.Cache, error) {
	return cache.Open(a.Env, cache.Options{Context: ctx, Notice: notice, Job: source.CIJob(a.Env)})
}

// cacheModeLine says, for explain, where the cache is and how tokens are
// kept at rest. It changes nothing and runs nothing (cache.Describe).
func cacheModeLine(a *App) string {
	if cacheDisabled(a) {
		return "off (AZTOKEN_NO_CACHE is set)"
	}
	dir, mode, err := cache.Describe(a.Env)
	if err != nil {
		return "not usable: " + err.Error()
	}
	return fmt.Sprintf("%s, %s", dir, mode)
}
