package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/human"
	"github.com/aztoken/aztoken/internal/resources"
	"github.com/aztoken/aztoken/internal/serve"
	"github.com/aztoken/aztoken/internal/servechain"
	"github.com/aztoken/aztoken/internal/usage"
)

type serveOptions struct {
	chainOptions
	addr           string
	allowRemote    bool
	allowHosts     []string
	mapIdentities  []string
	secretFile     string
	secretEnv      string
	allowResources []string
	imds           string
	printEnv       string
	quiet          bool
	emulate        bool
	relay          bool
	emu            serve.EmulatorOptions
	dockerNetwork  string
}

func newServeCmd(a *App) *cobra.Command {
	o := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve managed-identity tokens to local containers and processes",
		Long: `serve answers the managed-identity protocols (App Service 2019-08-01, IMDS
2018-02-01, Cloud Shell) on loopback, with tokens from this machine's credential
chain (your az login, say; get's selection flags apply), so that unmodified
Azure SDK clients in a container get tokens as they would on Azure.

With --emulate it needs no Azure account: it mints RS256-signed tokens from a
local key and serves /.well-known/openid-configuration and a JWKS document so
an app under test can validate them. Emulated tokens carry the claim
"aztoken_emulated": true and the emulator's URL as issuer.

With --imds open on a link-local address (the gateway of a docker network,
169.254.169.254:80), containers on that network get tokens as on an Azure VM
with nothing set inside them: IMDS has no secret there, as on Azure, so every
container on that network can get tokens for this identity; clients outside the
network's prefix (a machine on the LAN) are refused. --relay answers
from another aztoken serve (IDENTITY_ENDPOINT, IDENTITY_HEADER in this
process's environment), for a relay container inside a compose network.

App Service and Cloud Shell clients must present this run's secret
(IDENTITY_HEADER); it is printed at start. Requests whose Host is not this
server's name, or that come from a web page, are refused. IMDS without a secret
answers only requests addressed to 127.0.0.1, localhost or the listen address:
under host.docker.internal (how Docker Desktop's containers reach loopback) or
an --allow-host name it needs the secret too. SIGINT or SIGTERM stops the
server after requests in flight finish.`,
		Example: `  aztoken serve --source az
  aztoken serve --emulate --addr 127.0.0.1:8079 --print-env compose
  aztoken serve --addr 172.17.0.1:8079 --allow-remote --allow-resource vault
  aztoken serve --source az --addr 169.254.169.254:80 --imds open
  IDENTITY_ENDPOINT=http://host.docker.internal:8079/msi/token IDENTITY_HEADER=... \
    aztoken serve --relay --addr 169.254.169.254:80 --imds open`,
		RunE: func(cmd *cobra.Command, _ []string) error { return runServe(cmd, a, o) },
	}
	o.bind(cmd, false)
	// serve answers the resource each client asks for: the chain's
	// --resource and --scope have no meaning here, so they are hidden and
	// refused (runServe).
	for _, name := range []string{"resource", "scope"} {
		_ = cmd.Flags().MarkHidden(name)
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:0", "listen address; port 0 picks a free one")
	f.BoolVar(&o.allowRemote, "allow-remote", false, "allow listening on an address other than loopback")
	f.StringArrayVar(&o.allowHosts, "allow-host", nil, "also answer requests whose Host header is this name, such as a compose service name; IMDS needs the secret under it (repeatable)")
	f.StringVar(&o.secretFile, "secret-file", "", "read the secret clients must present from this file (default: a new random one)")
	f.StringVar(&o.secretEnv, "secret-env", "", "read the secret clients must present from this variable")
	f.StringArrayVar(&o.allowResources, "allow-resource", nil, "serve only this resource or alias (repeatable)")
	addEnumFlag(cmd, &o.imds, "imds", "", "auto", "--imds mode", "IMDS protocol", imdsValues()...)
	f.StringArrayVar(&o.mapIdentities, "map-identity", nil, "answer requests for this user-assigned identity (client_id=ID, object_id=ID, mi_res_id=ID, or * for all) with the chain's own token (repeatable); others get \"identity not found\"")
	f.BoolVar(&o.relay, "relay", false, "get tokens from the aztoken serve named by IDENTITY_ENDPOINT and IDENTITY_HEADER in this process's environment (App Service protocol), not from this machine's chain")
	addEnumFlag(cmd, &o.printEnv, "print-env", "", "", "--print-env format", "print the variables a container needs to stdout", serve.EnvFormats...)
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no access log")
	f.BoolVar(&o.emulate, "emulate", false, "mint emulated tokens from a local key; needs no Azure account")
	f.StringVar(&o.emu.Tenant, "emulate-tenant", "", "emulator: the tid claim")
	f.StringVar(&o.emu.AppID, "emulate-app-id", "", "emulator: the appid claim of the system-assigned identity")
	f.StringVar(&o.emu.ObjectID, "emulate-object-id", "", "emulator: the oid claim of the system-assigned identity")
	f.StringSliceVar(&o.emu.Roles, "emulate-roles", nil, "emulator: the roles claim")
	f.DurationVar(&o.emu.Lifetime, "emulate-lifetime", serve.DefaultEmulatorLifetime, "emulator: token lifetime, 10m to 48h")
	f.StringVar(&o.emu.KeyFile, "emulate-key", "", "emulator: an RSA private key (PEM) to sign with, so tokens verify across restarts")
	f.StringVar(&o.dockerNetwork, "docker-network", "", "serve IMDS at "+servechain.IMDSIP+":80 for the docker network NAME, creating it (subnet "+servechain.IMDSSubnet+", gateway "+servechain.IMDSIP+") if it is missing; implies --imds open")
	_ = cmd.RegisterFlagCompletionFunc("allow-resource", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return resources.Aliases(), cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("secret-file", cobra.FixedCompletions(nil, cobra.ShellCompDirectiveDefault))
	_ = cmd.RegisterFlagCompletionFunc("emulate-key", cobra.FixedCompletions(nil, cobra.ShellCompDirectiveDefault))
	_ = cmd.RegisterFlagCompletionFunc("secret-env", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return a.Env.Names(), cobra.ShellCompDirectiveNoFileComp
	})
	for _, name := range []string{"addr", "docker-network", "allow-host", "map-identity", "emulate-tenant", "emulate-app-id", "emulate-object-id", "emulate-roles", "emulate-lifetime"} {
		_ = cmd.RegisterFlagCompletionFunc(name, cobra.NoFileCompletions)
	}
	return cmd
}

func runServe(cmd *cobra.Command, a *App, o *serveOptions) error {
	for _, name := range []string{"resource", "scope"} {
		if cmd.Flags().Changed(name) {
			return usage.Errorf("--%s does not apply to serve: it answers the resource each client asks for (limit them with --allow-resource).", name)
		}
	}
	if f := cmd.Flags().Lookup("emulate-lifetime"); f.Changed && (o.emu.Lifetime < 10*time.Minute || o.emu.Lifetime > 48*time.Hour) {
		return usage.Errorf("--emulate-lifetime %s is out of range; give 10m to 48h (clients refresh tokens with 5 minutes left).", f.Value)
	}
	if err := checkListenPort(o.addr); err != nil {
		return err
	}
	if o.dockerNetwork != "" {
		if err := o.useDockerNetwork(cmd, a); err != nil {
			return err
		}
	}
	var allowed []string
	for _, r := range o.allowResources {
		allowed = append(allowed, resources.Expand(r))
	}
	opts := serve.Options{
		Addr:           o.addr,
		AllowRemote:    o.allowRemote,
		AllowHosts:     o.allowHosts,
		MapIdentities:  o.mapIdentities,
		SecretFile:     o.secretFile,
		SecretEnv:      o.secretEnv,
		LookupEnv:      a.Env.Lookup,
		AllowResources: allowed,
		IMDS:           imdsMode(o.imds),
		Stderr:         a.IO.ErrOut,
	}
	if !o.quiet {
		opts.AccessLog = a.IO.ErrOut
	}
	switch {
	case o.emulate && o.relay:
		return usage.New("--emulate and --relay are two sources of tokens; give one.")
	case o.emulate:
		emu := o.emu
		opts.Emulate = &emu
	case o.relay:
		for _, name := range []string{"source", "exclude", "tenant", "client-id", "object-id", "resource-id", "imds-timeout", "cli-timeout"} {
			if cmd.Flags().Changed(name) {
				return usage.Errorf("--%s chooses among this machine's credential sources, which --relay does not use; the upstream serve decides.", name)
			}
		}
		relay, err := serve.NewRelay(a.Env.Get("IDENTITY_ENDPOINT"), a.Env.Get("IDENTITY_HEADER"), nil)
		if err != nil {
			return usage.New(err.Error())
		}
		opts.Provider = relay
		opts.ProviderName = "relaying to " + relay.Endpoint()
	default:
		r, err := o.resolve(cmd, a)
		if err != nil {
			return err
		}
		names, err := servechain.LeaveOutSelf(r.names, r.cfg, o.addr, a.IO.ErrOut)
		if err != nil {
			return err
		}
		po := servechain.Options{Names: names, Config: r.cfg, Hedge: hedge}
		if a.verbose {
			po.OnOutcome = verboseLogger(a.IO.ErrOut)
		}
		opts.Provider = servechain.New(po)
	}
	srv, err := serve.New(opts)
	if err != nil {
		return usage.New(err.Error())
	}
	ctx := cmd.Context()
	if err := srv.Start(ctx); err != nil {
		return err
	}
	if o.printEnv != "" {
		if err := srv.PrintEnv(a.IO.Out, o.printEnv); err != nil {
			return err
		}
	}
	served := make(chan struct{})
	go abortOnSecondSignal(ctx, served, a.IO.ErrOut, srv.Abort, func(c chan<- os.Signal) func() {
		signal.Notify(c, os.Interrupt, syscall.SIGTERM)
		return func() { signal.Stop(c) }
	})
	err = srv.Serve(ctx)
	close(served)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.IO.ErrOut, "aztoken serve: stopped")
	return nil
}

// imdsModes are --imds's values, each with what it means (for help and
// completion) and what it asks of serve.
var imdsModes = []struct {
	value string
	mode  serve.IMDSMode
}{
	{"auto\tno secret on loopback, as Azure's; secret elsewhere", serve.IMDSAuto},
	{"secret\trequire the secret", serve.IMDSRequireSecret},
	{"open\tno secret; loopback or link-local addresses only", serve.IMDSOpen},
	{"off\tno IMDS", serve.IMDSOff},
}

func imdsValues() []string {
	var out []string
	for _, m := range imdsModes {
		out = append(out, m.value)
	}
	return out
}

// imdsMode is the mode of an --imds value the flag accepted.
func imdsMode(name string) serve.IMDSMode {
	for _, m := range imdsModes {
		if n, _, _ := strings.Cut(m.value, "\t"); n == name {
			return m.mode
		}
	}
	return serve.IMDSAuto
}

// abortOnSecondSignal waits for the first SIGINT or SIGTERM (ctx ending),
// which starts a graceful stop, then listens for a second one, which
// stops at once: a user pressing Ctrl-C twice means it. notify registers
// for the signals and returns the function that unregisters.
func abortOnSecondSignal(ctx context.Context, served <-chan struct{}, stderr io.Writer, abort func(), notify func(chan<- os.Signal) func()) {
	select {
	case <-served:
		return
	case <-ctx.Done():
	}
	sig := make(chan os.Signal, 1)
	stop := notify(sig)
	defer stop()
	fmt.Fprintln(stderr, "aztoken serve: stopping once the requests in flight are answered; interrupt again to stop at once")
	select {
	case <-sig:
		abort()
	case <-served:
	}
}

// useDockerNetwork applies --docker-network: it defaults --addr to
// IMDS's address and --imds to open, refuses flags that contradict them,
// and makes sure the network exists with that address as its gateway.
func (o *serveOptions) useDockerNetwork(cmd *cobra.Command, a *App) error {
	f := cmd.Flags()
	if err := servechain.CheckDockerNetworkName(o.dockerNetwork); err != nil {
		return err
	}
	// Before docker is asked: elsewhere it would create a network that
	// serve cannot listen on.
	if err := servechain.LocalDockerEngine(runtime.GOOS, a.Env).CheckNetworkHere(); err != nil {
		return err
	}
	if f.Changed("addr") {
		host, _, err := net.SplitHostPort(o.addr)
		if err != nil || host != servechain.IMDSIP {
			return usage.Errorf("--docker-network serves IMDS at %s, the network's gateway; --addr %s names another address. Leave --addr out (the port is 80), or give %s:PORT.", servechain.IMDSIP, o.addr, servechain.IMDSIP)
		}
	} else {
		o.addr = servechain.IMDSIP + ":80"
	}
	if !f.Changed("imds") {
		o.imds = "open"
	}
	return servechain.EnsureDockerNetwork(cmd.Context(), a.Env.Environ(), o.dockerNetwork, a.IO.ErrOut)
}

// checkListenPort refuses an --addr whose port is not a number from 0 to
// 65535 as a usage error (exit 2), before anything listens; what the host
// may be is serve's own rule.
func checkListenPort(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usage.Errorf("--addr %s is not host:port, such as 127.0.0.1:8080 (port 0 picks a free one).", human.Quote(addr))
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 || strings.TrimLeft(port, "0123456789") != "" {
		return usage.Errorf("--addr %s: the port must be a number from 0 to 65535 (0 picks a free one).", human.Quote(addr))
	}
	return nil
}
