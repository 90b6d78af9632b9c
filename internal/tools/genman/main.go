// Command genman writes a man page for every aztoken command into the
// directory named by its one argument (make man runs it into docs/man).
//
// The pages are reproducible: the date in their header is
// SOURCE_DATE_EPOCH when set and otherwise a fixed date, so regenerating
// them on another day or machine changes nothing unless the commands did.
// Pages left over from a command that no longer exists are removed first.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/aztoken/aztoken/internal/cli"
	"github.com/aztoken/aztoken/internal/env"
	"github.com/aztoken/aztoken/internal/iostreams"
)

// fixedDate stands in for "today" so that the pages do not change each
// month; move it when the commands' text changes enough to matter.
var fixedDate = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: genman DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintf(os.Stderr, "genman: %v\n", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	date, err := headerDate(os.Getenv("SOURCE_DATE_EPOCH"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(dir, "aztoken*.1"))
	if err != nil {
		return err
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}

	// The streams and environment are empty: help text must not depend on
	// the machine that generated it.
	io, _, _, _ := iostreams.Test()
	root := cli.NewRootCmd(&cli.App{IO: io, Env: env.Map(nil)})
	// cobra adds its completion command only when a command line runs;
	// add it now so that it has a page too.
	root.InitDefaultCompletionCmd()
	disableAutoGenTag(root)
	header := &doc.GenManHeader{
		// Title is left empty: each page gets its own, AZTOKEN\-GET and so on.
		Section: "1",
		Date:    &date,
		Source:  "aztoken",
		Manual:  "aztoken manual",
	}
	return doc.GenManTree(root, header, dir)
}

// headerDate reads SOURCE_DATE_EPOCH (seconds since 1970, the
// reproducible-builds convention) or falls back to fixedDate.
func headerDate(epoch string) (time.Time, error) {
	if epoch == "" {
		return fixedDate, nil
	}
	sec, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds since 1970; unset it or fix it", epoch)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// disableAutoGenTag drops cobra's HISTORY section, which would repeat the
// date with a generator credit on every page.
func disableAutoGenTag(c *cobra.Command) {
	c.DisableAutoGenTag = true
	for _, sub := range c.Commands() {
		disableAutoGenTag(sub)
	}
}
