package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/human"
)

// verboseLogger writes each outcome as it becomes final, with its requests.
func verboseLogger(w io.Writer) func(chain.Outcome) {
	return func(o chain.Outcome) {
		line := fmt.Sprintf("aztoken: %s: %s in %s", o.Source, o.Status, human.Duration(o.Duration))
		if o.Reason != "" {
			line += ": " + o.Reason
		}
		fmt.Fprintln(w, line)
		for _, r := range o.Requests {
			fmt.Fprintf(w, "aztoken:   %s\n", describeRequest(r))
		}
	}
}

func describeRequest(r chain.RequestInfo) string {
	s := r.Method + " " + r.URL
	switch {
	case r.Status > 0:
		s += fmt.Sprintf(" -> %d", r.Status)
	default:
		s += " -> no answer"
	}
	if r.Duration > 0 {
		s += " (" + human.Duration(r.Duration) + ")"
	}
	return s
}

// reportFailure writes, after a failed chain, one line per source tried
// and what to do next.
func reportFailure(w io.Writer, err *chain.ChainError, timeout time.Duration, deadlineHit bool) {
	switch {
	case err.Status == chain.StatusFailed:
		fmt.Fprintln(w, "aztoken: a credential source was found but failed, which stops the chain:")
	case err.Status == chain.StatusTimedOut && deadlineHit:
		fmt.Fprintf(w, "aztoken: no source answered in time: --timeout %s ran out:\n", timeout)
	case err.Status == chain.StatusTimedOut:
		fmt.Fprintln(w, "aztoken: no source answered in time:")
	default:
		fmt.Fprintln(w, "aztoken: no credential source is available:")
	}
	width := 0
	for _, o := range err.Outcomes {
		width = max(width, len(o.Source))
	}
	var hints []string
	for _, o := range err.Outcomes {
		if o.Status == chain.StatusNotTried {
			continue
		}
		fmt.Fprintf(w, "  %-*s  %-11s  %s\n", width, o.Source, o.Status, o.Reason)
		if o.Hint != "" {
			hints = append(hints, fmt.Sprintf("%s: %s", o.Source, o.Hint))
		}
	}
	if len(hints) == 0 {
		hints = append(hints, "run 'aztoken explain' to see what each source looks for")
	}
	fmt.Fprintln(w, "What to do next:")
	for _, h := range hints {
		fmt.Fprintf(w, "  - %s\n", strings.TrimSuffix(h, "."))
	}
}
