package cli

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Set by the linker (-X) in release builds; otherwise read from build info.
var (
	version = ""
	commit  = ""
)

func newVersionCmd(a *App) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print aztoken's version and commit",
		// Nothing to stop: version starts no source and no process.
		Annotations: map[string]string{annotationArmsSignals: "true"},
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(a.IO.Out, "aztoken %s\n", versionString())
			return nil
		},
	}
}

// versionString is "v1.2.3 (commit abc1234)", for version and --version:
// the linker's values in release builds, else the module's build info.
func versionString() string {
	v, c := version, commit
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && c == "" {
				c = s.Value
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	if c == "" {
		c = "unknown"
	}
	return v + " (commit " + c + ")"
}
