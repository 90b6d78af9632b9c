package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/human"
	"github.com/aztoken/aztoken/internal/kubeconfig"
	"github.com/aztoken/aztoken/internal/safefile"
)

type kubeconfigOptions struct {
	path, context, user, serverID, command string
	chain                                  chainOptions
}

func newKubeconfigCmd(a *App) *cobra.Command {
	o := &kubeconfigOptions{}
	cmd := &cobra.Command{
		Use:   "kubeconfig",
		Short: "Make kubectl get AKS tokens from aztoken (rewrites kubeconfig users)",
		Long: `kubeconfig rewrites users of a kubeconfig file so that kubectl runs
'aztoken get -o exec-credential' for their tokens, as kubelogin's
convert-kubeconfig does: by default every user that uses the azure auth
provider or kubelogin (or aztoken already); with --context or --user, that one.

The token is for the cluster's server application: the user's own
apiserver-id or --server-id, else AKS's (` + kubeconfig.AKSServerApp + `); its
tenant-id is kept. The chain's flags given here (--source, --client-id,
--tenant, ...) are written into the user's arguments and choose the identity.
Everything else in the file stays; the file as it was is kept next to it with
the suffix ` + kubeconfig.BackupSuffix + `.`,
		Example: `  az aks get-credentials -g rg -n aks-1 && aztoken kubeconfig
  aztoken kubeconfig --context aks-1 --source workload
  mv ~/.kube/config` + kubeconfig.BackupSuffix + ` ~/.kube/config     # undo`,
		RunE: func(cmd *cobra.Command, _ []string) error { return runKubeconfig(cmd, a, o) },
	}
	o.chain.bind(cmd, true)
	hideResourceFlags(cmd)
	f := cmd.Flags()
	f.StringVar(&o.path, "kubeconfig", "", "the file to rewrite (default: the first of KUBECONFIG, else ~/.kube/config)")
	f.StringVar(&o.context, "context", "", "convert only this context's user")
	f.StringVar(&o.user, "user", "", "convert only this user")
	f.StringVar(&o.serverID, "server-id", "", "the cluster's server application id (default: the user's own, else "+kubeconfig.AKSServerApp+")")
	f.StringVar(&o.command, "command", "aztoken", "the aztoken kubectl runs: a name on PATH or an absolute path")
	_ = cmd.RegisterFlagCompletionFunc("kubeconfig", cobra.FixedCompletions(nil, cobra.ShellCompDirectiveDefault))
	_ = cmd.RegisterFlagCompletionFunc("context", o.completeNames(a, "contexts"))
	_ = cmd.RegisterFlagCompletionFunc("user", o.completeNames(a, "users"))
	for _, name := range []string{"server-id", "command"} {
		_ = cmd.RegisterFlagCompletionFunc(name, cobra.NoFileCompletions)
	}
	return cmd
}

func runKubeconfig(cmd *cobra.Command, a *App, o *kubeconfigOptions) error {
	// --tenant is the converter's own option (it replaces the user's).
	rest, err := helperArgs(cmd, "tenant")
	if err != nil {
		return err
	}
	if _, err := o.chain.resolve(cmd, a); err != nil {
		return err
	}
	path, err := kubeconfig.Path(o.path, a.Env.Get)
	if err != nil {
		return err
	}
	done, changed, err := kubeconfig.Rewrite(path, kubeconfig.Options{
		Context: o.context, User: o.user, Command: o.command,
		ServerID: o.serverID, Tenant: o.chain.tenant, Args: rest,
	})
	if err != nil {
		return err
	}
	for _, d := range done {
		// Names come from the file: no control characters reach the terminal.
		fmt.Fprintf(a.IO.Out, "user %s (%s) now runs: %s\n", human.Text(d.User), d.Was, human.Text(o.command+" "+strings.Join(d.Args, " ")))
	}
	if !changed {
		fmt.Fprintf(a.IO.Out, "%s already says so; nothing written.\n", path)
		return nil
	}
	fmt.Fprintf(a.IO.Out, "Wrote %s; the file as it was is %s%s.\n", path, path, kubeconfig.BackupSuffix)
	return nil
}

// completeNames offers the names of the kubeconfig's contexts or users.
func (o *kubeconfigOptions) completeNames(a *App, list string) cobra.CompletionFunc {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		path, err := kubeconfig.Path(o.path, a.Env.Get)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		data, err := safefile.Read(path, 16<<20)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return kubeconfig.Names(data, list), cobra.ShellCompDirectiveNoFileComp
	}
}
