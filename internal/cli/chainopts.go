package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/human"
	"github.com/aztoken/aztoken/internal/resources"
	"github.com/aztoken/aztoken/internal/source"
	"github.com/aztoken/aztoken/internal/usage"
)

// chainOptions are the inputs every command that runs the chain shares:
// what to ask for, which sources, and how long to wait.
type chainOptions struct {
	// warnOnly turns what Entra ID would refuse about the request into
	// warnings (explain) instead of usage errors (get, probe, whoami).
	warnOnly    bool
	scopes      []string
	resource    string
	tenant      string
	include     []string
	exclude     []string
	clientID    string
	objectID    string
	resourceID  string
	imdsTimeout time.Duration
	cliTimeout  time.Duration
	timeout     time.Duration

	// The pipeline source's inputs.
	federatedTokenEnv, serviceConnectionID, oidcAudience string
}

func (o *chainOptions) bind(cmd *cobra.Command, withTimeout bool) {
	f := cmd.Flags()
	f.StringArrayVar(&o.scopes, "scope", nil, "a v2 scope to ask for, such as https://vault.azure.net/.default (repeatable)")
	f.StringVar(&o.resource, "resource", "", "a v1 resource URI, an application id or an alias: "+strings.Join(resources.Aliases(), ", ")+" (default "+resources.Default+")")
	f.StringVar(&o.tenant, "tenant", "", "ask for a token from this tenant (see AZURE_ADDITIONALLY_ALLOWED_TENANTS)")
	addEnumSliceFlag(cmd, &o.include, "source", "source", "try only this source (repeatable, or comma-separated)", isSourceName, sourceNames()...)
	addEnumSliceFlag(cmd, &o.exclude, "exclude", "source", "skip this source (repeatable, or comma-separated)", isSourceName, sourceNames()...)
	f.StringVar(&o.clientID, "client-id", "", "managed identity: the client id of a user-assigned identity")
	f.StringVar(&o.objectID, "object-id", "", "managed identity: the object id of a user-assigned identity")
	f.StringVar(&o.resourceID, "resource-id", "", "managed identity: the Azure resource id of a user-assigned identity")
	f.StringVar(&o.federatedTokenEnv, "federated-token-env", "", "pipeline: the variable holding a CI's OIDC token, such as GITLAB_OIDC_TOKEN (env AZTOKEN_FEDERATED_TOKEN_ENV)")
	f.StringVar(&o.serviceConnectionID, "service-connection-id", "", "pipeline: the Azure Pipelines service connection to ask an OIDC token for (env AZURESUBSCRIPTION_SERVICE_CONNECTION_ID)")
	f.StringVar(&o.oidcAudience, "oidc-audience", "", "pipeline: the audience asked of GitHub Actions (env AZTOKEN_OIDC_AUDIENCE, default "+source.DefaultOIDCAudience+")")
	f.DurationVar(&o.imdsTimeout, "imds-timeout", 0, "how long to wait for IMDS to answer its probe, or with managed identity alone to accept a connection (env AZTOKEN_IMDS_TIMEOUT, default 1s)")
	f.DurationVar(&o.cliTimeout, "cli-timeout", 0, "how long each of az, azd and pwsh may run (env AZTOKEN_CLI_TIMEOUT, default 10s)")
	if withTimeout {
		f.DurationVar(&o.timeout, "timeout", 30*time.Second, "bound the whole command (env AZTOKEN_TIMEOUT)")
	}
	_ = cmd.RegisterFlagCompletionFunc("resource", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return resources.Aliases(), cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("scope", completeScopes)
	// Free-form values: offer nothing rather than the shell's file names.
	for _, name := range []string{"tenant", "client-id", "object-id", "resource-id", "federated-token-env", "service-connection-id", "oidc-audience", "imds-timeout", "cli-timeout", "timeout"} {
		_ = cmd.RegisterFlagCompletionFunc(name, cobra.NoFileCompletions)
	}
}

// sourceNames are each source's short name, in chain order: what help
// and completion offer for --source and --exclude, which also take the
// longer aliases and SDK type names (chain.Resolve).
func sourceNames() []string {
	var out []string
	for _, s := range chain.Order {
		out = append(out, s.Aliases[0])
	}
	return out
}

func isSourceName(name string) bool {
	_, ok := chain.Resolve(name)
	return ok
}

// durationFromEnv applies a variable when the flag was not given.
func durationFromEnv(cmd *cobra.Command, a *App, flag, envName string, dst *time.Duration, def time.Duration) error {
	if cmd.Flags().Changed(flag) {
		if *dst <= 0 {
			return usage.Errorf("--%s must be a positive duration such as 1s or 500ms.", flag)
		}
		return nil
	}
	if v := a.Env.Get(envName); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return usage.Errorf("%s=%q is not a positive duration such as 1s or 500ms.", envName, v)
		}
		*dst = d
		return nil
	}
	if *dst == 0 {
		*dst = def
	}
	return nil
}

// resolved is a chain ready to run, and the request to give it.
type resolved struct {
	names []string
	cfg   source.Config
	req   chain.Request
	// warnings are request problems that warnOnly let through.
	warnings []string
}

// resolve reads flags and environment into a request, a selection and a
// source configuration.
func (o *chainOptions) resolve(cmd *cobra.Command, a *App) (*resolved, error) {
	if err := durationFromEnv(cmd, a, "imds-timeout", "AZTOKEN_IMDS_TIMEOUT", &o.imdsTimeout, time.Second); err != nil {
		return nil, err
	}
	if err := durationFromEnv(cmd, a, "cli-timeout", "AZTOKEN_CLI_TIMEOUT", &o.cliTimeout, 10*time.Second); err != nil {
		return nil, err
	}
	if cmd.Flags().Lookup("timeout") != nil {
		if err := durationFromEnv(cmd, a, "timeout", "AZTOKEN_TIMEOUT", &o.timeout, 30*time.Second); err != nil {
			return nil, err
		}
	}
	scopes, err := scopesFor(o.scopes, o.resource)
	if err != nil {
		return nil, err
	}
	var warnings []string
	if err := requestProblem(o.resource, scopes); err != nil {
		if !o.warnOnly {
			return nil, usage.New(sentence(err.Error()))
		}
		warnings = append(warnings, sentence(err.Error()))
	}
	if err := checkTenant(o.tenant); err != nil {
		return nil, err
	}
	ids := 0
	for _, id := range []string{o.clientID, o.objectID, o.resourceID} {
		if id != "" {
			ids++
		}
	}
	if ids > 1 {
		return nil, usage.New("--client-id, --object-id and --resource-id each name a user-assigned identity; give at most one.")
	}
	for _, id := range []struct{ flag, kind, value string }{
		{"client-id", "client_id", o.clientID}, {"object-id", "object_id", o.objectID}, {"resource-id", "resource_id", o.resourceID},
	} {
		if err := checkIdentityID(id.flag, id.kind, id.value); err != nil {
			return nil, err
		}
	}
	if err := o.checkPipelineFlags(); err != nil {
		return nil, err
	}
	tc, tcSet := a.Env.Lookup("AZURE_TOKEN_CREDENTIALS")
	names, err := chain.Select(chain.Selection{
		TokenCredentials: tc, TokenCredentialsSet: tcSet,
		Include: o.include, Exclude: o.exclude,
	})
	if err != nil {
		return nil, err
	}
	managedAlone := len(names) == 1 && names[0] == chain.Managed
	return &resolved{
		warnings: warnings,
		names:    names,
		req:      chain.Request{Scopes: scopes, Tenant: o.tenant},
		cfg: source.Config{
			Env:         a.Env,
			ClientID:    o.clientID,
			ObjectID:    o.objectID,
			ResourceID:  o.resourceID,
			ProbeIMDS:   !managedAlone,
			IMDSTimeout: o.imdsTimeout,
			CLITimeout:  o.cliTimeout,

			FederatedTokenEnv:   o.federatedTokenEnv,
			ServiceConnectionID: o.serviceConnectionID,
			OIDCAudience:        o.oidcAudience,
		},
	}, nil
}

// checkTenant refuses a --tenant Entra ID would refuse; "" is none given.
func checkTenant(tenant string) error {
	if tenant != "" && !resources.ValidTenant(tenant) {
		return usage.Errorf("tenant %s is not %s.", human.Quote(tenant), resources.TenantRule)
	}
	return nil
}

// checkIdentityID refuses a user-assigned identity's id (kind client_id,
// object_id or resource_id, given as --flag) that is not one; "" is none
// given.
func checkIdentityID(flag, kind, value string) error {
	if value == "" {
		return nil
	}
	if err := resources.CheckIdentityID(kind, value); err != nil {
		return usage.Errorf("--%s %s %s.", flag, human.Quote(value), err)
	}
	return nil
}

// identityFlag is the flag that names a user-assigned identity, with its
// value ("--client-id 7d3f..."), or "" when none was given.
func (o *chainOptions) identityFlag() string {
	for _, id := range []struct{ flag, value string }{
		{"client-id", o.clientID}, {"object-id", o.objectID}, {"resource-id", o.resourceID},
	} {
		if id.value != "" {
			return "--" + id.flag + " " + id.value
		}
	}
	return ""
}

// ignoredIdentity says, when a user-assigned identity was named and a
// source other than managed identity answers (or would), that the name
// was not used. The SDKs ignore it silently; a user who typed it meant
// it. It is a warning, not a refusal, so that one script runs on an Azure
// VM (managed identity honours it) and on a laptop (az answers); --source
// mi makes it strict.
// how is "answered" (get) or "would be tried first" (explain).
func (o *chainOptions) ignoredIdentity(source, how string) string {
	id := o.identityFlag()
	if id == "" || source == chain.Managed {
		return ""
	}
	return fmt.Sprintf("%s names a user-assigned managed identity, but %s %s and does not use it, so the token is not that identity's; give --source mi to get the user-assigned identity's token or an error.", id, source, how)
}

// checkPipelineFlags refuses values that cannot be right before anything
// runs: a "$NAME" where a name is wanted is the usual slip.
func (o *chainOptions) checkPipelineFlags() error {
	if n := o.federatedTokenEnv; n != "" && !source.ValidVarName(n) {
		return usage.Errorf("--federated-token-env %q is not a variable name; give the name, such as GITLAB_OIDC_TOKEN, not its value or $NAME.", n)
	}
	if strings.ContainsAny(o.serviceConnectionID, "&?#/ ") {
		return usage.Errorf("--service-connection-id %q is not an id; give the service connection's id, a GUID.", o.serviceConnectionID)
	}
	return nil
}
