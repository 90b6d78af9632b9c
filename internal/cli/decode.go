package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/claims"
	"github.com/aztoken/aztoken/internal/output"
	"github.com/aztoken/aztoken/internal/usage"
)

// maxJWT bounds what decode reads from stdin; access tokens are a few KiB.
const maxJWT = 64 << 10

// readToken reads decode's input. From a pipe it reads to the end. From a
// terminal it says what it is waiting for (else decode looks hung) and
// reads one line, so a person pastes and presses Enter, no Ctrl-D needed:
// a token, even as "Authorization: Bearer <token>", is one line. The
// terminal's own line limit (1024 bytes on macOS) does not apply
// (iostreams.ReadTerminalLine).
func readToken(ctx context.Context, a *App) ([]byte, error) {
	if !a.IO.IsStdinTTY() {
		return io.ReadAll(io.LimitReader(a.IO.In, maxJWT+1))
	}
	fmt.Fprintln(a.IO.ErrOut, "aztoken: reading a token from stdin; paste it and press Enter (it is not shown), or pipe it")
	return a.IO.ReadTerminalLine(ctx, maxJWT+1)
}

func newDecodeCmd(a *App) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "decode",
		Short: "Print the claims of a JWT read from stdin",
		Long: `decode reads a JWT from stdin (so it never sits in argv or shell history) and
prints every claim it carries: the ones Entra ID documents first, each with
what it means, then any others (custom and optional claims) by name. It
accepts the token alone, "Bearer <token>" or "Authorization: Bearer <token>",
so "aztoken get -o header | aztoken decode" works. With -o json it adds
"header" and "claims", every claim as the token has it. It verifies nothing
and contacts nothing.`,
		Example: `  aztoken get | aztoken decode
  aztoken get -o header | aztoken decode
  pbpaste | aztoken decode -o json`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			in, err := readToken(cmd.Context(), a)
			if err != nil {
				return fmt.Errorf("could not read stdin: %w", err)
			}
			if len(in) > maxJWT {
				return usage.Errorf("the input is larger than %d KiB, which no access token is.", maxJWT>>10)
			}
			c, err := claims.Decode(string(in))
			if err != nil {
				return usage.New(sentence(err.Error()))
			}
			// decode's JSON shows everything the token carries; whoami
			// and probe keep to the summary.
			all := struct {
				claims.Summary
				Header map[string]any `json:"header"`
				Claims map[string]any `json:"claims"`
			}{claims.Summarize(c, time.Now()), c.Header, c.Raw}
			return output.WriteReport(a.IO.Out, format, all, func(w io.Writer) error { return claims.Render(w, c, time.Now()) })
		},
	}
	addReportFlag(cmd, &format, output.ReportText)
	return cmd
}

// writeClaims prints a token's claims, and the source when known.
func writeClaims(a *App, format, source string, c claims.Claims) error {
	now := time.Now()
	summary := struct {
		Source string `json:"source,omitempty"`
		claims.Summary
	}{source, claims.Summarize(c, now)}
	return output.WriteReport(a.IO.Out, format, summary, func(w io.Writer) error {
		if source != "" {
			fmt.Fprintf(w, "source: %s\n", source)
		}
		return claims.Render(w, c, now)
	})
}
