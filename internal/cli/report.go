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
	case r.Command != "" && r.ExitCode != nil:
		s = fmt.Sprintf("ran %s -> exit %d", r.Command, *r.ExitCode)
	case r.Command != "":
		s = "ran " + r.Command + " -> killed before it exited"
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
func reportFailure(w io.Writer, err *chain.NoTokenError, timeout time.Duration, deadlineHit bool) {
	// A source configured only in part was most likely meant; what fails
	// after it (managed identity reading AZURE_CLIENT_ID, say) often
	// follows from it, so it is named first.
	for _, o := range err.Outcomes {
		if o.HalfConfigured {
			fmt.Fprintf(w, "aztoken: %s: skipped, %s; fix this first, what follows may come from it.\n", o.Source, strings.TrimSuffix(o.Reason, "."))
		}
	}
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
	var hints, first []string
	for _, o := range err.Outcomes {
		if o.Status == chain.StatusNotTried {
			continue
		}
		fmt.Fprintf(w, "  %-*s  %-11s  %s\n", width, o.Source, o.Status, o.Reason)
		switch {
		case o.Hint == "":
		case o.HalfConfigured:
			first = append(first, fmt.Sprintf("%s: %s", o.Source, o.Hint))
		default:
			hints = append(hints, fmt.Sprintf("%s: %s", o.Source, o.Hint))
		}
	}
	hints = append(first, hints...)
	if len(hints) == 0 {
		hints = append(hints, "run 'aztoken explain' to see what each source looks for")
	}
	fmt.Fprintln(w, "What to do next:")
	for _, h := range hints {
		fmt.Fprintf(w, "  - %s\n", strings.TrimSuffix(h, "."))
	}
}
