package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/human"
	"github.com/aztoken/aztoken/internal/output"
	"github.com/aztoken/aztoken/internal/source"
)

type explainOptions struct {
	chainOptions
	format string
}

func newExplainCmd(a *App) *cobra.Command {
	o := &explainOptions{chainOptions: chainOptions{warnOnly: true}}
	cmd := &cobra.Command{
		Use:   "explain",
		Short: "Say what each source would use and why, without sending anything",
		Long: `explain reads the environment, files and PATH and says, for each source in
chain order, what it sees (secrets masked), whether the chain would try it,
skip it or stop there, the request it would send, and the things users trip
over. It sends nothing and runs nothing.`,
		RunE: func(cmd *cobra.Command, _ []string) error { return runExplain(cmd, a, o) },
	}
	o.bind(cmd, false)
	addReportFlag(cmd, &o.format, output.ReportText)
	return cmd
}

// explainSource is one source in explain's report; its JSON is stable.
type explainSource struct {
	Source   string              `json:"source"`
	Selected bool                `json:"selected"`
	Verdict  chain.Verdict       `json:"verdict,omitempty"`
	Why      string              `json:"why"`
	Detail   string              `json:"detail,omitempty"`
	Inputs   []chain.Input       `json:"inputs,omitempty"`
	Requests []chain.RequestInfo `json:"requests,omitempty"`
	Warnings []string            `json:"warnings,omitempty"`
}

type explainReport struct {
	Scopes    []string        `json:"scopes"`
	Tenant    string          `json:"tenant,omitempty"`
	Selection string          `json:"selection"`
	Cache     string          `json:"cache"`
	Sources   []explainSource `json:"sources"`
	Warnings  []string        `json:"warnings,omitempty"`
}

func runExplain(cmd *cobra.Command, a *App, o *explainOptions) error {
	r, err := o.resolve(cmd, a)
	if err != nil {
		return err
	}
	rep := explainReport{Scopes: r.req.Scopes, Tenant: r.req.Tenant, Selection: describeSelection(a, o, r), Cache: cacheModeLine(a)}
	for _, info := range chain.Order {
		es := explainSource{Source: info.Name, Selected: slices.Contains(r.names, info.Name)}
		if !es.Selected {
			es.Why = "not selected (" + rep.Selection + ")"
			rep.Sources = append(rep.Sources, es)
			continue
		}
		src, err := source.New(info.Name, r.cfg)
		if err != nil {
			return err
		}
		if d, ok := src.(chain.Describer); ok {
			desc := d.Describe(r.req)
			es.Verdict, es.Why, es.Detail = desc.Verdict, desc.Why, desc.Detail
			es.Inputs, es.Requests, es.Warnings = desc.Inputs, desc.Requests, desc.Warnings
		}
		rep.Sources = append(rep.Sources, es)
	}
	rep.Warnings = append(r.warnings, chainWarnings(rep.Sources)...)
	for _, s := range rep.Sources {
		if s.Verdict == chain.WouldTry || s.Verdict == chain.WouldStop {
			if w := o.ignoredIdentity(s.Source, "would be tried first"); w != "" {
				rep.Warnings = append(rep.Warnings, w)
			}
			break
		}
	}
	return output.WriteReport(a.IO.Out, o.format, rep, func(w io.Writer) error { return writeExplainText(w, rep) })
}

func describeSelection(a *App, o *explainOptions, r *resolved) string {
	var parts []string
	if v, ok := a.Env.Lookup("AZURE_TOKEN_CREDENTIALS"); ok {
		parts = append(parts, fmt.Sprintf("AZURE_TOKEN_CREDENTIALS=%q selects %s", v, strings.Join(r.names, ", ")))
	}
	if len(o.include) > 0 {
		parts = append(parts, "--source "+strings.Join(o.include, ","))
	}
	if len(o.exclude) > 0 {
		parts = append(parts, "--exclude "+strings.Join(o.exclude, ","))
	}
	if len(parts) == 0 {
		return "the whole default chain"
	}
	return strings.Join(parts, "; ")
}

// chainWarnings says what follows from the verdicts together: a source
// that would stop the chain hides every source after it.
func chainWarnings(srcs []explainSource) []string {
	var out []string
	for i, s := range srcs {
		if s.Verdict == chain.WouldTry {
			if i+1 < len(srcs) {
				out = append(out, fmt.Sprintf("%s would be tried first; the sources after it are used only if it turns out unavailable.", s.Source))
			}
			break
		}
		if s.Verdict == chain.WouldStop {
			out = append(out, fmt.Sprintf("%s would stop the chain: the sources after it would never be tried.", s.Source))
			break
		}
	}
	return out
}

func writeExplainText(out io.Writer, rep explainReport) error {
	var b strings.Builder
	w := &b
	fmt.Fprintf(w, "Scopes: %s\n", strings.Join(rep.Scopes, " "))
	if rep.Tenant != "" {
		fmt.Fprintf(w, "Tenant: %s\n", rep.Tenant)
	}
	fmt.Fprintf(w, "Selection: %s\n", rep.Selection)
	fmt.Fprintf(w, "Cache: %s\n", rep.Cache)
	for i, s := range rep.Sources {
		fmt.Fprintf(w, "\n%d. %s", i+1, s.Source)
		if !s.Selected {
			fmt.Fprintf(w, ": %s\n", s.Why)
			continue
		}
		fmt.Fprintf(w, ": would %s", s.Verdict)
		if s.Detail != "" {
			fmt.Fprintf(w, " (%s)", s.Detail)
		}
		fmt.Fprintf(w, "\n   %s\n", s.Why)
		for _, in := range s.Inputs {
			line := fmt.Sprintf("   %-10s %s: %s", in.Kind, in.Name, in.State)
			if in.Value != "" {
				line += " (" + in.Value + ")"
			}
			fmt.Fprintln(w, line)
		}
		for _, r := range s.Requests {
			fmt.Fprintf(w, "   would send %s %s", r.Method, r.URL)
			if len(r.Headers) > 0 {
				fmt.Fprintf(w, " with headers %s", strings.Join(r.Headers, ", "))
			}
			fmt.Fprintln(w)
		}
		for _, wn := range s.Warnings {
			fmt.Fprintf(w, "   warning: %s\n", wn)
		}
	}
	if len(rep.Warnings) > 0 {
		fmt.Fprintln(w)
		for _, wn := range rep.Warnings {
			fmt.Fprintf(w, "Note: %s\n", wn)
		}
	}
	// explain echoes what it found (variable values, paths, tool output):
	// written through human.Text, none of it can drive the terminal.
	_, err := io.WriteString(out, human.Text(b.String()))
	return err
}
