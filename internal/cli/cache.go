package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/cache"
	"github.com/aztoken/aztoken/internal/human"
	"github.com/aztoken/aztoken/internal/output"
)

func newCacheCmd(a *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cache",
		Short: "Show or empty the persistent token cache",
		Long: `get and whoami keep tokens in a cache so that the next call is nearly free:
$XDG_CACHE_HOME/aztoken (macOS: ~/Library/Caches/aztoken, Windows:
%LOCALAPPDATA%\aztoken; or AZTOKEN_CACHE_DIR), a directory only you can read,
encrypted with a key in the kernel user keyring, the macOS login Keychain or
DPAPI where one is available. explain says which.`,
	}
	var format string
	list := &cobra.Command{
		Use:   "list",
		Short: "List cached tokens: source, identity, scopes and expiry, never the tokens",
		Long: `cache list shows one row per cached token: the start of its key, the source
that gave it, who it is for, its scopes and when it expires (or why it would
not be served). The tokens themselves are never shown. With -o json each entry
is an object with every field the cache keeps.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := openCache(a, nil)
			if err != nil {
				return err
			}
			infos, err := c.List()
			if err != nil {
				return err
			}
			if infos == nil {
				infos = []cache.Info{} // an empty cache is [], not null, for jq
			}
			return output.WriteReport(a.IO.Out, format, infos, func(w io.Writer) error { return writeCacheTable(w, c.Dir(), infos) })
		},
	}
	addReportFlag(list, &format, output.ReportTable)
	clear := &cobra.Command{
		Use:   "clear",
		Short: "Remove every cached token",
		Long: `cache clear removes every cached token, whoever wrote it, and the lock files no
process holds; the next get asks its source again. It says on stderr how many
it removed.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := openCache(a, nil)
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

func writeCacheTable(w io.Writer, dir string, infos []cache.Info) error {
	if len(infos) == 0 {
		_, err := fmt.Fprintf(w, "The cache in %s is empty.\n", dir)
		return err
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
	return t.Render(w)
}
