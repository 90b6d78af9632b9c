package cli

// This file is docker's credential helper: docker-credential-aztoken get,
// store, erase, list and version (aztoken docker credential-helper ...).

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/acr"
	"github.com/aztoken/aztoken/internal/cache"
	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/claims"
	"github.com/aztoken/aztoken/internal/dockerhelper"
	"github.com/aztoken/aztoken/internal/hostmatch"
	"github.com/aztoken/aztoken/internal/httpx"
	"github.com/aztoken/aztoken/internal/source"
)

// refreshMinValidity is how long a cached refresh token must still live
// to be handed to docker: the daemon keeps using it for the whole pull or
// push, which can take minutes.
const refreshMinValidity = 15 * time.Minute

func newDockerHelperCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "credential-helper",
		Short: "docker's credential-helper protocol (docker runs it as docker-credential-aztoken)",
		Long: `The actions docker runs as docker-credential-aztoken ACTION, with the server
address or the credentials on stdin:

  get      writes {"ServerURL","Username","Secret"} for an Azure Container Registry
           (or a registry named to 'aztoken docker configure'); for any other
           server it answers "credentials not found", so docker goes on without
  store    accepts the credentials aztoken itself gives and stores nothing
  erase    forgets the cached refresh token for the server
  list     the registries 'aztoken docker configure' recorded
  version  aztoken's version`,
	}
	get := &cobra.Command{
		Use:   "get",
		Short: "Write credentials for the server address on stdin",
		Long: `get reads a server address on stdin and writes {"ServerURL","Username","Secret"}
for an Azure Container Registry (or a registry named to 'aztoken docker
configure'); for any other server it answers "credentials not found", so docker
goes on without credentials.`,
		RunE:        func(cmd *cobra.Command, _ []string) error { return runHelperGet(cmd, a) },
		Annotations: map[string]string{annotationArmsSignals: "true"},
	}
	store := &cobra.Command{
		Use:   "store",
		Short: "Accept credentials docker would store (aztoken stores none)",
		Long: `store reads the credentials docker would store and keeps none: aztoken gets a
fresh token each time, so there is nothing to store.`,
		RunE: func(cmd *cobra.Command, _ []string) error { return runHelperStore(a) },
	}
	erase := &cobra.Command{
		Use:   "erase",
		Short: "Forget the cached refresh token for the server address on stdin",
		Long: `erase reads a server address on stdin and forgets the refresh token cached for
it, so that the next get asks the registry again.`,
		RunE: func(cmd *cobra.Command, _ []string) error { return runHelperErase(cmd, a) },
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the registries configure recorded",
		Long: `list writes the registries 'aztoken docker configure' recorded, as docker's
credential-helper protocol asks: a JSON object of server address to user name.`,
		RunE: func(cmd *cobra.Command, _ []string) error { return runHelperList(a) },
	}
	version := &cobra.Command{
		Use:   "version",
		Short: "Print aztoken's version",
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(a.IO.Out, "aztoken %s\n", versionString())
			return nil
		},
	}
	cmd.AddCommand(get, store, erase, list, version)
	return cmd
}

// helperRequest is a registry matched for get or erase, with what the
// chain needs to get its Entra ID token.
type helperRequest struct {
	server   string // as docker wrote it
	registry string // canonical host
	opts     *chainOptions
	resolved *resolved
	sources  []chain.Source
}

// matchRegistry reads the server address from stdin and matches it. ok is
// false, with nothing sent anywhere, when aztoken does not answer for it.
func matchRegistry(cmd *cobra.Command, a *App) (hr helperRequest, ok bool, err error) {
	server, err := dockerhelper.ReadServerURL(a.IO.In)
	if err != nil {
		return hr, false, err
	}
	settings, err := helperSettings(a)
	if err != nil {
		return hr, false, err
	}
	m, err := hostmatch.New(hostmatch.ContainerRegistry, settings.Hosts()...)
	if err != nil {
		return hr, false, err
	}
	registry, ok := m.Match(server)
	if !ok {
		return hr, false, nil
	}
	reg := settings.Registries[registry]
	o := &chainOptions{scopes: []string{acr.Scope}, include: reg.Sources, tenant: reg.Tenant, clientID: reg.ClientID}
	if err := durationFromEnv(cmd, a, "timeout", "AZTOKEN_TIMEOUT", &o.timeout, 30*time.Second); err != nil {
		return hr, false, err
	}
	r, err := o.resolve(cmd, a)
	if err != nil {
		return hr, false, err
	}
	sources, err := source.NewAll(r.names, r.cfg)
	if err != nil {
		return hr, false, err
	}
	return helperRequest{server: server, registry: registry, opts: o, resolved: r, sources: sources}, true, nil
}

func helperSettings(a *App) (dockerhelper.Settings, error) {
	path, err := dockerConfigPath(a)
	if err != nil {
		return dockerhelper.Settings{}, err
	}
	return dockerhelper.LoadSettings(dockerhelper.SettingsPath(path))
}

// refreshKey names the cached refresh token: the registry, and the key of
// the Entra ID token it was exchanged for (the request and every selected
// source's view of who it would answer as), so another identity, tenant
// or selection never gets this one's refresh token.
func refreshKey(c *cache.Cache, hr helperRequest) string {
	return c.Key("docker-acr-v1", hr.registry, c.ChainKey(hr.resolved.req, hr.sources))
}

func runHelperGet(cmd *cobra.Command, a *App) error {
	hr, ok, err := matchRegistry(cmd, a)
	if err != nil {
		return err
	}
	if !ok {
		fmt.Fprintln(a.IO.Out, dockerhelper.NotFound)
		return silent(ExitError)
	}
	co := &cacheOptions{minValidity: cache.DefaultMinValidity}
	if err := co.resolve(a, false); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), hr.opts.timeout)
	defer cancel()
	ch := &chain.Chain{Sources: hr.sources, Hedge: hedge, OnStart: a.armSignals}
	// One cache for the refresh token and the Entra ID token behind it, or
	// none (off or unusable: no caching, as for get).
	c := co.open(ctx, a)
	exchange := func(ctx context.Context) (cache.Entry, error) {
		// The Entra ID token goes through the cache as aztoken get's does,
		// so a refresh token's renewal costs only the exchange.
		tok, src, err := co.runIn(ctx, a, c, hr.resolved, ch)
		if err != nil {
			return cache.Entry{}, err
		}
		tenant := ""
		if c, err := claims.Decode(tok.AccessToken); err == nil {
			tenant = c.TenantID
		}
		client := httpx.NewClient(httpx.Options{Timeout: hr.opts.timeout})
		rt, err := acr.Exchange(ctx, client, hr.registry, tenant, tok.AccessToken)
		if err != nil {
			return cache.Entry{}, err
		}
		return cache.Entry{
			Token:  chain.Token{AccessToken: rt.Token, ExpiresOn: rt.ExpiresOn},
			Source: src,
			Scopes: []string{"acr-refresh:" + hr.registry},
		}, nil
	}
	var e cache.Entry
	if c == nil {
		e, err = exchange(ctx)
	} else {
		// Past its renewal time but still valid for the pull is better
		// than failing while Entra ID or the registry is briefly down.
		e, _, err = c.AcquireOrStale(ctx, refreshKey(c, hr), refreshMinValidity, exchange)
	}
	if err != nil {
		return chainFailure(ctx, cmd, a, hr.opts.timeout, err)
	}
	creds := dockerhelper.Credentials{ServerURL: hr.server, Username: acr.Username, Secret: e.Token.AccessToken}
	_, err = a.IO.Out.Write(creds.Marshal())
	return err
}

func runHelperStore(a *App) error {
	var c struct {
		ServerURL string
		Username  string
	}
	b, err := io.ReadAll(io.LimitReader(a.IO.In, 64<<10))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return fmt.Errorf("docker's credentials on stdin are not JSON: %v", err)
	}
	if c.Username == acr.Username {
		// What get answered, handed back by docker login: nothing to keep.
		return nil
	}
	return fmt.Errorf("aztoken stores no docker credentials: it gets a fresh token from the Azure credential chain for each pull and push. To log in to %s with a user name and password instead, remove aztoken for it first: aztoken docker configure --remove %s", c.ServerURL, c.ServerURL)
}

func runHelperErase(cmd *cobra.Command, a *App) error {
	hr, ok, err := matchRegistry(cmd, a)
	if err != nil || !ok {
		return err
	}
	if cacheDisabled(a) {
		return nil
	}
	c, err := openCache(cmd.Context(), a, nil)
	if err != nil {
		return nil
	}
	return c.Remove(refreshKey(c, hr))
}

func runHelperList(a *App) error {
	settings, err := helperSettings(a)
	if err != nil {
		return err
	}
	out := map[string]string{}
	for _, h := range settings.Hosts() {
		out[h] = acr.Username
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	_, err = a.IO.Out.Write(append(b, '\n'))
	return err
}
