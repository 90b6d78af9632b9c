package cli

// This file is aztoken as git's credential helper for Azure Repos: the
// helper git runs (git credential get|store|erase) and the one-time
// configure that tells git to run it.

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/aztoken/aztoken/internal/cache"
	"github.com/aztoken/aztoken/internal/gitcred"
	"github.com/aztoken/aztoken/internal/human"
	"github.com/aztoken/aztoken/internal/tenantdiscovery"
	"github.com/aztoken/aztoken/internal/usage"
)

func newGitCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "git",
		Short: "Be git's credential helper for Azure Repos",
		Long: `git gives Azure Repos (dev.azure.com, *.visualstudio.com) an Entra ID token from
the credential chain as the password, so that git clone and push need no PAT,
no Git Credential Manager and no az glue. Run 'aztoken git configure' once; git
then runs 'aztoken git credential' itself.`,
	}
	cmd.AddCommand(newGitCredentialCmd(a), newGitConfigureCmd(a))
	return cmd
}

type gitCredentialOptions struct {
	chainOptions
	cache cacheOptions
}

func newGitCredentialCmd(a *App) *cobra.Command {
	o := &gitCredentialOptions{}
	cmd := &cobra.Command{
		Use:   "credential",
		Short: "The helper git runs: get answers for Azure Repos, store and erase change nothing",
		Long: `credential speaks git's credential-helper protocol. git runs it with get, store or
erase and the request on stdin. get answers for https://dev.azure.com/<org>/...
and https://<org>.visualstudio.com with a token for Azure DevOps
(` + gitcred.Resource + `) from the organization's tenant, found from
git's wwwauth[], else from the organization's answer to a request without a
token (remembered for a week), else the chain's default tenant. For any other
URL it answers nothing, so git asks its next helper.

The chain's flags given before the action (as 'aztoken git configure' writes
them) choose the identity.`,
	}
	// Persistent, so that git's "<helper line> get" puts them before the
	// action and they still apply.
	flags := &cobra.Command{}
	o.bind(flags, true)
	o.cache.bind(flags)
	flags.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Name != "resource" && f.Name != "scope" {
			cmd.PersistentFlags().AddFlag(f)
		}
	})
	for _, action := range []struct{ name, short, long string }{
		{"get", "Answer git's request for an Azure Repos URL with a token",
			`get reads git's request (protocol, host, path, wwwauth[]) from stdin and, for
an Azure Repos URL, answers on stdout with a token for Azure DevOps from the
organization's tenant. For any other URL it prints nothing, so git asks its
next helper.`},
		{"store", "Do nothing: tokens are not stored for git",
			`store reads git's request and does nothing: tokens are short-lived and come
from the chain each time, so there is nothing to keep.`},
		{"erase", "Forget the organization's tenant, so that the next get finds it again",
			`erase forgets the tenant remembered for the request's organization, so that
the next get asks the organization again. Tokens are not stored, so there is
nothing else to erase.`},
	} {
		name := action.name
		cmd.AddCommand(&cobra.Command{
			Use:   name,
			Short: action.short,
			Long:  action.long,
			RunE:  func(c *cobra.Command, _ []string) error { return runGitCredential(c, a, o, name) },
			// git runs get for every fetch and push: a remembered token
			// is served before aztoken listens for signals.
			Annotations: map[string]string{annotationArmsSignals: "true"},
		})
	}
	return cmd
}

func runGitCredential(cmd *cobra.Command, a *App, o *gitCredentialOptions, action string) error {
	req, err := gitcred.ReadRequest(a.IO.In)
	if err != nil {
		return err
	}
	t, ok := gitcred.Match(req)
	if !ok {
		if a.verbose {
			// What git sent is echoed through human.Text: no control
			// characters reach the terminal.
			fmt.Fprintf(a.IO.ErrOut, "aztoken: git: %s is not an Azure Repos URL; no answer, so git asks its next helper\n", human.Text(req.Attrs["protocol"]+"://"+req.Attrs["host"]))
		}
		return nil
	}
	switch action {
	case "store":
		return nil
	case "erase":
		if t.Org != "" {
			_ = tenantMemo(a).Forget(t.Key())
		}
		return nil
	}
	o.resource, o.scopes = gitcred.Resource, nil
	if o.tenant == "" {
		ts := gitcred.Tenants{Memo: tenantMemo(a)}
		if a.verbose {
			ts.Notice = func(s string) { fmt.Fprintf(a.IO.ErrOut, "aztoken: %s\n", human.Text(s)) }
		}
		tenant, from := ts.For(cmd.Context(), req, t)
		o.tenant = tenant
		if a.verbose && tenant != "" {
			fmt.Fprintf(a.IO.ErrOut, "aztoken: git: tenant %s, from %s\n", tenant, from)
		}
	}
	_, tok, err := acquire(cmd, a, &o.chainOptions, &o.cache)
	if err != nil {
		return err
	}
	ans := gitcred.Answer{
		Username: req.Attrs["username"],
		Token:    tok.AccessToken,
		Expires:  tok.ExpiresOn,
		Bearer:   req.Has("capability", "authtype"),
	}
	if ans.Username == "" {
		// Azure Repos reads only the password; git needs a user name.
		ans.Username = "aztoken"
	}
	var buf bytes.Buffer
	if err := ans.Write(&buf); err != nil {
		return err
	}
	_, err = a.IO.Out.Write(buf.Bytes())
	return err
}

// tenantMemo is where discovered tenants are remembered: the token cache's
// directory, unless the cache is off. The directory is checked as the
// cache checks it; the cache itself (its key) is not opened for this.
func tenantMemo(a *App) *tenantdiscovery.Memo {
	if cacheDisabled(a) {
		return nil
	}
	dir, err := cache.PrepareDir(a.Env)
	if err != nil {
		return nil
	}
	return tenantdiscovery.NewMemo(dir)
}

type gitConfigureOptions struct {
	remove, keepOthers bool
	command            string
	// chain holds the chain's flags, which configure writes into the
	// helper line for git to pass back.
	chain chainOptions
}

func newGitConfigureCmd(a *App) *cobra.Command {
	o := &gitConfigureOptions{}
	cmd := &cobra.Command{
		Use:   "configure",
		Short: "Make aztoken git's credential helper for Azure Repos (global git configuration)",
		Long: `configure writes, with git config --global, for https://dev.azure.com and
https://*.visualstudio.com:

  credential.<url>.helper =            (an empty line: helpers configured before
                                        it are not asked for these URLs, so none
                                        answers with an old PAT or stores tokens)
  credential.<url>.helper = <path to aztoken> git credential [chain flags]
  credential.https://dev.azure.com.useHttpPath = true

The chain's flags given here (--source, --client-id, --tenant, ...) go into the
helper line and choose the identity git's tokens come from. Other helpers, for
these URLs or any other, stay as they are. Running it again changes nothing.
--remove takes aztoken's lines out again (useHttpPath stays).`,
		Example: `  aztoken git configure
  aztoken git configure --source workload     # a CI job: only workload identity
  aztoken git configure --remove`,
		RunE: func(cmd *cobra.Command, _ []string) error { return runGitConfigure(cmd, a, o) },
	}
	o.chain.bind(cmd, true)
	hideResourceFlags(cmd)
	f := cmd.Flags()
	f.BoolVar(&o.remove, "remove", false, "remove aztoken's helper lines instead (other helpers stay)")
	f.BoolVar(&o.keepOthers, "keep-other-helpers", false, "do not write the empty helper line: helpers configured earlier are asked first")
	f.StringVar(&o.command, "command", "", "the aztoken git runs (default: this aztoken's absolute path)")
	_ = cmd.RegisterFlagCompletionFunc("command", cobra.NoFileCompletions)
	return cmd
}

// helperArgs are the chain's flags given to a command that configures a
// tool (git configure, kubeconfig), as words for the tool to pass back to
// aztoken. --resource and --scope are the configuring command's to set;
// the flags named in omit are its own options and are left out.
func helperArgs(cmd *cobra.Command, omit ...string) ([]string, error) {
	chainFlags := &cobra.Command{}
	(&chainOptions{}).bind(chainFlags, true)
	var args []string
	var err error
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if chainFlags.Flags().Lookup(f.Name) == nil || slices.Contains(omit, f.Name) {
			return
		}
		if f.Name == "resource" || f.Name == "scope" {
			err = usage.Errorf("--%s is not %s's to choose: %s.", f.Name, cmd.CommandPath(), resourceNote[cmd.Name()])
			return
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			for _, v := range sv.GetSlice() {
				args = append(args, "--"+f.Name, v)
			}
			return
		}
		if f.Value.Type() == "bool" {
			args = append(args, "--"+f.Name+"="+f.Value.String())
			return
		}
		args = append(args, "--"+f.Name, f.Value.String())
	})
	return args, err
}

// hideResourceFlags keeps --resource and --scope out of the help of a
// command that chooses the resource itself (helperArgs refuses them).
func hideResourceFlags(cmd *cobra.Command) {
	_ = cmd.Flags().MarkHidden("resource")
	_ = cmd.Flags().MarkHidden("scope")
}

// resourceNote says, per configuring command, what it asks for instead
// of --resource.
var resourceNote = map[string]string{
	"configure":  "the git helper always asks for Azure DevOps' token (" + gitcred.Resource + ")",
	"kubeconfig": "give the cluster's server application id with --server-id",
}

func runGitConfigure(cmd *cobra.Command, a *App, o *gitConfigureOptions) error {
	args, err := helperArgs(cmd)
	if err != nil {
		return err
	}
	// Checked as the helper will read them, so that a typo fails here
	// rather than in every git command.
	if _, err := o.chain.resolve(cmd, a); err != nil {
		return err
	}
	g, err := gitcred.FindGit()
	if err != nil {
		return err
	}
	if o.remove {
		removed, err := gitcred.Unconfigure(cmd.Context(), g)
		if err != nil {
			return err
		}
		if len(removed) == 0 {
			fmt.Fprintln(a.IO.Out, "aztoken is not a git credential helper in the global configuration; nothing to remove.")
			return nil
		}
		fmt.Fprintln(a.IO.Out, "Removed from the global git configuration:")
		writeSettings(a, removed)
		fmt.Fprintln(a.IO.Out, "credential.https://dev.azure.com.useHttpPath stays; remove it with: git config --global --unset credential.https://dev.azure.com.useHttpPath")
		return nil
	}
	exe := o.command
	if exe == "" {
		if exe, err = os.Executable(); err != nil {
			return fmt.Errorf("cannot tell where this aztoken is (%v); give its path with --command", err)
		}
	}
	wrote, err := gitcred.Configure(cmd.Context(), g, gitcred.HelperLine(exe, args...), o.keepOthers)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.IO.Out, "Wrote to the global git configuration (git config --global):")
	writeSettings(a, wrote)
	fmt.Fprintln(a.IO.Out, "Undo with: aztoken git configure --remove")
	return nil
}

func writeSettings(a *App, s []gitcred.Setting) {
	for _, st := range s {
		v := st.Value
		if v == "" {
			v = "(empty: earlier helpers are not asked for this URL)"
		}
		fmt.Fprintf(a.IO.Out, "  %s = %s\n", st.Key, strings.TrimSpace(v))
	}
}
