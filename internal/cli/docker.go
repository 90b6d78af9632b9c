package cli

// This file is `aztoken docker`: configure, which points docker's
// credHelpers at aztoken, and the name docker runs aztoken by.

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/dockerconfig"
	"github.com/aztoken/aztoken/internal/dockerhelper"
	"github.com/aztoken/aztoken/internal/hostmatch"
	"github.com/aztoken/aztoken/internal/human"
	"github.com/aztoken/aztoken/internal/runner"
	"github.com/aztoken/aztoken/internal/safefile"
	"github.com/aztoken/aztoken/internal/usage"
)

// dockerHelperName is the credHelpers value docker turns into the program
// name docker-credential-aztoken.
const dockerHelperName = "aztoken"

// DockerHelperProgram is the name docker runs the helper by; aztoken run
// by this name (a link or a copy) is the helper.
const DockerHelperProgram = "docker-credential-" + dockerHelperName

// CommandLine returns the arguments to run for a process started as
// argv: those after the program name, with "docker credential-helper" in
// front when the program is called docker-credential-aztoken (with .exe on
// Windows), so that one binary serves both names.
func CommandLine(argv []string) []string {
	if len(argv) == 0 {
		return nil
	}
	name := filepath.Base(argv[0])
	if runtime.GOOS == "windows" {
		name = strings.TrimSuffix(strings.ToLower(name), ".exe")
	}
	if name == DockerHelperProgram {
		return append([]string{"docker", "credential-helper"}, argv[1:]...)
	}
	if strings.EqualFold(name, CredentialProviderProgram) {
		return append([]string{"credential-provider"}, argv[1:]...)
	}
	return argv[1:]
}

func newDockerCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "docker",
		Short: "Be docker's credential helper for Azure Container Registry",
		Long: `aztoken is docker's credential helper for Azure Container Registry when docker
runs it as docker-credential-aztoken (make install and the release archives
provide that name). For each pull and push docker asks it for credentials; it
gets an Entra ID token from the credential chain, exchanges it at the
registry's /oauth2/exchange for a refresh token (as az acr login does) and
keeps that in the token cache for about three hours.

Run 'aztoken docker configure REGISTRY...' once: docker cannot match a
wildcard, so each registry gets its own credHelpers entry.`,
	}
	cmd.AddCommand(newDockerConfigureCmd(a), newDockerHelperCmd(a))
	return cmd
}

type dockerConfigureOptions struct {
	sources  []string
	tenant   string
	clientID string
	remove   bool
}

func newDockerConfigureCmd(a *App) *cobra.Command {
	o := &dockerConfigureOptions{}
	cmd := &cobra.Command{
		Use:   "configure REGISTRY...",
		Short: "Make aztoken docker's credential helper for these registries",
		Long: `configure adds a credHelpers entry for each registry to docker's config.json
($DOCKER_CONFIG/config.json, else ~/.docker/config.json), keeping everything
else in the file as it was, and records the options given here for the helper
in aztoken-docker.json beside it. Run it again to change them; --remove undoes
it for the registries named.

A registry is its login server: myregistry.azurecr.io (or .azurecr.us,
.azurecr.cn). Any other host, with a port if it has one, is a registry you
name: aztoken sends its Entra ID token there only because you did.`,
		Example: `  aztoken docker configure myregistry.azurecr.io
  aztoken docker configure myregistry.azurecr.io --source workload --tenant contoso.onmicrosoft.com
  aztoken docker configure --remove myregistry.azurecr.io`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usage.New("name at least one registry, such as myregistry.azurecr.io.")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return runDockerConfigure(a, o, args) },
	}
	f := cmd.Flags()
	addEnumSliceFlag(cmd, &o.sources, "source", "source", "the helper tries only this source for these registries (repeatable, or comma-separated)", isSourceName, sourceNames()...)
	f.StringVar(&o.tenant, "tenant", "", "the tenant to ask the Entra ID token from for these registries")
	f.StringVar(&o.clientID, "client-id", "", "managed identity: the client id of a user-assigned identity")
	f.BoolVar(&o.remove, "remove", false, "remove aztoken's credHelpers entries and settings for these registries")
	for _, name := range []string{"tenant", "client-id"} {
		_ = cmd.RegisterFlagCompletionFunc(name, cobra.NoFileCompletions)
	}
	return cmd
}

// dockerConfigPath is the config.json docker reads in this environment.
func dockerConfigPath(a *App) (string, error) {
	home := a.Env.Get("HOME")
	if runtime.GOOS == "windows" {
		home = a.Env.Get("USERPROFILE")
	}
	if a.Env.Get("DOCKER_CONFIG") == "" && home == "" {
		return "", usage.New("found no docker configuration: neither DOCKER_CONFIG nor the home directory is set.")
	}
	return dockerconfig.Path(a.Env.Get("DOCKER_CONFIG"), home), nil
}

func runDockerConfigure(a *App, o *dockerConfigureOptions, args []string) error {
	if o.remove && (len(o.sources) > 0 || o.tenant != "" || o.clientID != "") {
		return usage.New("--remove takes only registries; leave out --source, --tenant and --client-id.")
	}
	if len(o.sources) > 0 {
		if _, err := chain.Select(chain.Selection{Include: o.sources}); err != nil {
			return err
		}
	}
	if err := checkTenant(o.tenant); err != nil {
		return err
	}
	if err := checkIdentityID("client-id", "client_id", o.clientID); err != nil {
		return err
	}
	known, _ := hostmatch.New(hostmatch.ContainerRegistry)
	var hosts []string
	for _, arg := range args {
		h, err := hostmatch.Canonical(arg)
		if err != nil {
			return usage.New(sentence(err.Error()))
		}
		hosts = append(hosts, h)
	}
	path, err := dockerConfigPath(a)
	if err != nil {
		return err
	}
	data, mode, err := dockerconfig.Read(path)
	if err != nil {
		return fmt.Errorf("reading docker's configuration failed: %w", err)
	}
	entries, err := dockerconfig.CredHelpers(data)
	if err != nil {
		return fmt.Errorf("%s cannot be edited: %v; fix it, or move it away and run this again", path, err)
	}
	settingsPath := dockerhelper.SettingsPath(path)
	settings, err := dockerhelper.LoadSettings(settingsPath)
	if err != nil {
		return err
	}
	for _, h := range hosts {
		i := indexEntry(entries, h)
		if o.remove {
			if i >= 0 && entries[i].Helper == dockerHelperName {
				entries = append(entries[:i], entries[i+1:]...)
			}
			delete(settings.Registries, h)
			fmt.Fprintf(a.IO.Out, "%s: removed\n", h)
			continue
		}
		switch {
		case i < 0:
			entries = append(entries, dockerconfig.Entry{Host: h, Helper: dockerHelperName})
		case entries[i].Helper != dockerHelperName:
			fmt.Fprintf(a.IO.ErrOut, "aztoken: %s used the credential helper %s; it now uses aztoken.\n", h, human.Quote(entries[i].Helper))
			entries[i].Helper = dockerHelperName
		}
		settings.Registries[h] = dockerhelper.Registry{Sources: o.sources, Tenant: o.tenant, ClientID: o.clientID}
		if _, ok := known.Match(h); !ok {
			fmt.Fprintf(a.IO.ErrOut, "aztoken: %s is not an Azure Container Registry login server; the helper will send it an Entra ID token because you named it.\n", h)
		}
		fmt.Fprintf(a.IO.Out, "%s: docker-credential-aztoken\n", h)
	}
	out, err := dockerconfig.WithCredHelpers(data, entries)
	if err != nil {
		return err
	}
	if string(out) != string(data) || data == nil {
		if err := safefile.WriteAtomic(path, out, mode); err != nil {
			return err
		}
	}
	if err := settings.Save(settingsPath); err != nil {
		return err
	}
	fmt.Fprintf(a.IO.Out, "wrote %s and %s\n", path, settingsPath)
	if _, err := runner.LookPath(DockerHelperProgram, a.Env.Environ()); !o.remove && err != nil {
		fmt.Fprintf(a.IO.ErrOut, "aztoken: docker runs %s from PATH, and it is not there; install it with make install, from a release archive, or as a link to aztoken.\n", helperFileName())
	}
	return nil
}

func indexEntry(entries []dockerconfig.Entry, host string) int {
	for i, e := range entries {
		if hc, err := hostmatch.Canonical(e.Host); err == nil && hc == host {
			return i
		}
	}
	return -1
}

func helperFileName() string {
	if runtime.GOOS == "windows" {
		return DockerHelperProgram + ".exe"
	}
	return DockerHelperProgram
}
