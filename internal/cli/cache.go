package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/cache"
	"github.com/aztoken/aztoken/internal/chain"
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
that gave it, who it is for, its tenant and scopes, the chain it came through
("all", or the sources --source or AZURE_TOKEN_CREDENTIALS selected) and when it
expires (or why it would not be served). Rows alike in every column but the
key differ in a source's credential or login, which the key covers and the
list does not show; it says so. The tokens themselves are never shown. With -o
json each entry is an object with every field the cache keeps.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := openCache(cmd.Context(), a, nil)
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
			c, err := openCache(cmd.Context(), a, nil)
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
	t.AddRow("KEY", "SOURCE", "IDENTITY", "TENANT", "SCOPES", "CHAIN", "EXPIRES")
	// What each row shows but KEY, to find rows that look the same.
	seen := map[string][]string{}
	var order []string
	for _, in := range infos {
		exp := human.Duration(time.Until(in.ExpiresOn))
		if in.Problem != "" {
			exp = in.Problem
		}
		key := in.Key[:min(12, len(in.Key))]
		cells := []string{in.Source, in.Identity, orDash(in.Tenant), strings.Join(in.Scopes, " "), chainLabel(in.Chain), exp}
		t.AddRow(append([]string{key}, cells...)...)
		look := strings.Join(cells, "\x00")
		if seen[look] == nil {
			order = append(order, look)
		}
		seen[look] = append(seen[look], key)
	}
	if err := t.Render(w); err != nil {
		return err
	}
	for _, look := range order {
		if keys := seen[look]; len(keys) > 1 {
			fmt.Fprintf(w, "\n%s are alike in every column but KEY: a key also covers each source's credential or login (a changed secret, another az login), which is not shown; only the entry made with the current ones is served.\n", strings.Join(keys, " and "))
		}
	}
	return nil
}

// chainLabel names the sources a token's chain was made of: "all" for the
// whole default chain, else their short names; "-" when not recorded.
func chainLabel(names []string) string {
	if len(names) == 0 {
		return "-"
	}
	if len(names) == len(chain.Order) {
		return "all"
	}
	var short []string
	for _, n := range names {
		if info, ok := chain.Info(n); ok {
			n = info.Aliases[0]
		}
		short = append(short, n)
	}
	return strings.Join(short, ",")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
