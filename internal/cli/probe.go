package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/claims"
	"github.com/aztoken/aztoken/internal/human"
	"github.com/aztoken/aztoken/internal/output"
	"github.com/aztoken/aztoken/internal/source"
)

type probeOptions struct {
	chainOptions
	format string
	strict bool
}

func newProbeCmd(a *App) *cobra.Command {
	o := &probeOptions{}
	cmd := &cobra.Command{
		Use:   "probe",
		Short: "Try every source at once and say which answered and why the others failed",
		Long: `probe tries every selected source on its own, all at the same time, each with
its own deadline, so it takes as long as the slowest source. For each it says
how it fared and why, and for those that answered, as whom (never the token).
It marks the source the chain would pick, and any earlier source whose error
would stop the chain before it.

Exit code 0 when any source answers, else 3, 4 or 5 as for get. With --strict,
the exit code is what get's would be: 4 when the chain would stop at a failing
source even though a later one answers, 5 when it would stop at one still
working when --timeout runs out, so probe can be a pipeline's preflight check.`,
		Example: `  aztoken probe
  aztoken probe --strict --source env,mi    # CI preflight: fails as get would`,
		RunE: func(cmd *cobra.Command, _ []string) error { return runProbe(cmd, a, o) },
	}
	o.bind(cmd, true)
	addReportFlag(cmd, &o.format, output.ReportTable)
	cmd.Flags().BoolVar(&o.strict, "strict", false, "exit as get would: 4 when the chain would stop at a failing source even though a later one answers, 5 when at one still working when --timeout runs out")
	return cmd
}

// probeResult is one source in probe's report. The JSON field names are
// documented in the README and stable, so they are spelled out here
// rather than taken from chain.Outcome, which has no JSON form of its own.
type probeResult struct {
	Source string       `json:"source"`
	Status chain.Status `json:"status"`
	Reason string       `json:"reason,omitempty"`
	Hint   string       `json:"hint,omitempty"`
	// HalfConfigured marks a source that is unavailable because only part
	// of its configuration is there: most likely meant, and worth fixing.
	HalfConfigured bool                `json:"half_configured,omitempty"`
	DurationMS     float64             `json:"duration_ms"`
	Requests       []chain.RequestInfo `json:"requests,omitempty"`
	// Chain is "pick" for the source the chain would use and "stops" for an
	// earlier source whose failure would stop the chain before it.
	Chain string `json:"chain,omitempty"`
	// Token is who the token is for; never the token itself.
	Token *claims.Summary `json:"token,omitempty"`
	// TokenNote is set when the token could not be decoded.
	TokenNote string `json:"token_note,omitempty"`

	duration time.Duration
}

type probeReport struct {
	Pick    string `json:"-"` // see MarshalJSON
	Stopper string `json:"stopped_by,omitempty"`
	// verdict is get's status for these outcomes (chain.Decide).
	verdict chain.Status
	Sources []probeResult `json:"sources"`
}

// MarshalJSON writes "pick": null when no source would be picked, as
// "stopped_by" is left out: "" is no source's name, and a script testing
// for a pick should not have to know that.
func (r probeReport) MarshalJSON() ([]byte, error) {
	type fields probeReport
	var pick *string
	if r.Pick != "" {
		pick = &r.Pick
	}
	return json.Marshal(struct {
		Pick *string `json:"pick"`
		fields
	}{pick, fields(r)})
}

func runProbe(cmd *cobra.Command, a *App, o *probeOptions) error {
	r, err := o.resolve(cmd, a)
	if err != nil {
		return err
	}
	sources, err := source.NewAll(r.names, r.cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), o.timeout)
	defer cancel()
	outcomes := make([]chain.Outcome, len(sources))
	var wg sync.WaitGroup
	// -v: each source's outcome and requests as it finishes, one source's
	// lines together.
	var logMu sync.Mutex
	logOutcome := func(chain.Outcome) {}
	if a.verbose {
		log := verboseLogger(a.IO.ErrOut)
		logOutcome = func(out chain.Outcome) {
			logMu.Lock()
			defer logMu.Unlock()
			log(out)
		}
	}
	for i, s := range sources {
		wg.Go(func() {
			outcomes[i] = chain.Try(ctx, s, r.req)
			logOutcome(outcomes[i])
		})
	}
	wg.Wait()
	if cmd.Context().Err() != nil {
		return silent(ExitInterrupted)
	}
	rep := buildProbeReport(outcomes, time.Now())
	if err := output.WriteReport(a.IO.Out, o.format, rep, func(w io.Writer) error { return writeProbeTable(w, a, rep) }); err != nil {
		return err
	}
	if o.strict {
		// Exactly get's verdict: the same rule (chain.Decide) on the same
		// outcomes, timeouts included.
		if rep.verdict == chain.StatusOK {
			return nil
		}
		return silent(chainCode(rep.verdict))
	}
	return probeExit(outcomes)
}

// buildProbeReport marks what the chain would do with these outcomes.
func buildProbeReport(outcomes []chain.Outcome, now time.Time) probeReport {
	rep := probeReport{Sources: make([]probeResult, len(outcomes))}
	for i, o := range outcomes {
		pr := probeResult{
			Source: o.Source, Status: o.Status, Reason: o.Reason, Hint: o.Hint, HalfConfigured: o.HalfConfigured, Requests: o.Requests,
			DurationMS: float64(o.Duration.Microseconds()) / 1000, duration: o.Duration,
		}
		if o.Status == chain.StatusOK {
			if c, err := claims.Decode(o.Token.AccessToken); err == nil {
				s := claims.Summarize(c, now)
				pr.Token = &s
			} else {
				pr.TokenNote = "the token is not a JWT, so its claims cannot be shown"
			}
		}
		rep.Sources[i] = pr
	}
	winner, stopper, verdict := chain.Decide(outcomes)
	rep.verdict = verdict
	if winner >= 0 {
		rep.Pick = outcomes[winner].Source
		rep.Sources[winner].Chain = "pick"
	}
	if stopper >= 0 {
		rep.Stopper = outcomes[stopper].Source
		rep.Sources[stopper].Chain = "stops"
	}
	return rep
}

func probeExit(outcomes []chain.Outcome) error {
	st := chain.StatusUnavailable
	for _, o := range outcomes {
		switch o.Status {
		case chain.StatusOK:
			return nil
		case chain.StatusFailed:
			st = chain.StatusFailed
		case chain.StatusTimedOut:
			if st != chain.StatusFailed {
				st = chain.StatusTimedOut
			}
		}
	}
	return silent(chainCode(st))
}

func writeProbeTable(w io.Writer, a *App, rep probeReport) error {
	col := a.IO.StdoutColors()
	t := &output.Table{}
	t.AddRow("SOURCE", "STATUS", "TIME", "DETAIL")
	for _, s := range rep.Sources {
		mark := ""
		switch s.Chain {
		case "pick":
			mark = " ← chain picks this"
		case "stops":
			mark = " ← stops the chain"
		}
		detail := s.Reason
		if s.Status == chain.StatusOK {
			// Claims are whatever the issuer wrote.
			detail = human.Line(identityLine(s))
		}
		t.AddRow(s.Source, col.Status(s.Status.String()), human.Duration(s.duration), detail+mark)
	}
	if err := t.Render(w); err != nil {
		return err
	}
	// Hints for what went wrong; those of merely absent sources only when
	// nothing answered, where they are what the user needs next.
	for _, s := range rep.Sources {
		if s.Hint != "" && (s.Status == chain.StatusFailed || s.Status == chain.StatusTimedOut || s.HalfConfigured || rep.Pick == "") {
			fmt.Fprintf(w, "%s: %s\n", s.Source, s.Hint)
		}
	}
	switch {
	case rep.Stopper != "" && rep.verdict == chain.StatusTimedOut:
		fmt.Fprintf(w, "\nThe chain would stop at %s: it was still working when --timeout ran out, so later sources are never tried.\n", rep.Stopper)
	case rep.Pick == "" && rep.Stopper != "":
		fmt.Fprintf(w, "\nThe chain would stop at %s: its failure is not 'unavailable', so later sources are never tried.\n", rep.Stopper)
	case rep.Pick == "":
		fmt.Fprintln(w, "\nNo source answered.")
	default:
		fmt.Fprintf(w, "\nThe chain would use %s.\n", rep.Pick)
	}
	return nil
}

func identityLine(s probeResult) string {
	if s.Token == nil {
		return s.TokenNote
	}
	tk := s.Token
	var who string
	switch {
	case tk.Identity.UPN != "":
		who = tk.Identity.UPN
	case tk.Identity.AppID != "":
		who = "app " + tk.Identity.AppID
	case tk.Identity.ObjectID != "":
		who = "object " + tk.Identity.ObjectID
	default:
		who = "an identity the token does not name"
	}
	line := who
	if tk.Identity.Tenant != "" {
		line += " in tenant " + tk.Identity.Tenant
	}
	if len(tk.Audience) > 0 {
		line += ", for " + strings.Join(tk.Audience, " ")
	}
	if tk.ExpiresInSeconds != nil {
		line += ", expires in " + human.Duration(time.Duration(*tk.ExpiresInSeconds)*time.Second)
	}
	return line
}
