package cli

import (
	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/output"
)

// addOutputFlag gives cmd -o/--output with these choices, the default
// first (an enumFlag: checked while parsing, completed, listed in help).
func addOutputFlag(cmd *cobra.Command, dst *string, choices ...string) {
	addEnumFlag(cmd, dst, "output", "o", choices[0], "output format", "output format", choices...)
}

// addReportFlag is -o for a report command: human (text or table) by
// default, or json; output.WriteReport writes either.
func addReportFlag(cmd *cobra.Command, dst *string, human string) {
	addOutputFlag(cmd, dst, output.ReportFormats(human)...)
}
