package bench

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// metrics are a benchmark's figures by unit, as given to ReportMetric.
type metrics map[string]float64

var (
	memoMu sync.Mutex
	memo   = map[string]metrics{}
)

// measured runs f once per benchmark and process, and reports its figures
// on every call. The testing package calls a benchmark function again with
// a larger b.N until it has run for -benchtime; a round of child processes
// is not an operation worth repeating that way, so the rounds are set by
// -rounds and -slowrounds instead, and b.N is not used.
func measured(b *testing.B, f func(b *testing.B) metrics) {
	b.Helper()
	memoMu.Lock()
	m, ok := memo[b.Name()]
	memoMu.Unlock()
	if !ok {
		m = f(b)
		memoMu.Lock()
		memo[b.Name()] = m
		memoMu.Unlock()
	}
	// ns/op would be the time of all the rounds over b.N: meaningless here.
	b.ReportMetric(0, "ns/op")
	for unit, v := range m {
		b.ReportMetric(v, unit)
	}
}

// The summary printed after the benchmarks, for docs/benchmarks.md.
var (
	sumMu   sync.Mutex
	timings []timingRow
	targets []targetRow
)

type timingRow struct {
	item, variant  string
	runs           int
	median, lo, hi time.Duration
	rssKB          int64 // median peak, when measured
}

type targetRow struct {
	item, measure, figure, target string
	met                           bool
}

// recordTimes adds a row per variant to the summary.
func recordTimes(item string, vs ...*variant) {
	sumMu.Lock()
	defer sumMu.Unlock()
	for _, v := range vs {
		r := timingRow{item: item, variant: v.name, runs: len(v.walls), median: medianDur(v.walls)}
		if len(v.walls) > 0 {
			r.lo, r.hi = slices.Min(v.walls), slices.Max(v.walls)
		}
		if v.memory {
			r.rssKB = medianInt(v.rss)
		}
		timings = append(timings, r)
	}
}

// recordTarget adds a line to the table of targets; met is reported, not
// enforced.
func recordTarget(item, measure, figure, target string, met bool) {
	sumMu.Lock()
	defer sumMu.Unlock()
	targets = append(targets, targetRow{item, measure, figure, target, met})
}

func printSummary(w io.Writer) {
	sumMu.Lock()
	defer sumMu.Unlock()
	if len(timings) == 0 && len(targets) == 0 {
		return
	}
	fmt.Fprintf(w, "\n## Summary (%s, %s/%s, %d CPUs, -rounds %d, -slowrounds %d)\n\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), *rounds, *slowRounds)
	if len(targets) > 0 {
		fmt.Fprintln(w, "| # | measure | figure | target | met |")
		fmt.Fprintln(w, "|---|---|---|---|---|")
		for _, t := range targets {
			met := "yes"
			if !t.met {
				met = "**no**"
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", t.item, t.measure, t.figure, t.target, met)
		}
		fmt.Fprintln(w)
	}
	if len(timings) > 0 {
		fmt.Fprintln(w, "| # | variant | runs | median | min | max | peak RSS (median) |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
		for _, t := range timings {
			rss := "–"
			if t.rssKB > 0 {
				rss = fmt.Sprintf("%.1f MB", float64(t.rssKB)/1024)
			}
			fmt.Fprintf(w, "| %s | %s | %d | %s | %s | %s | %s |\n",
				t.item, t.variant, t.runs, fmtDur(t.median), fmtDur(t.lo), fmtDur(t.hi), rss)
		}
	}
}

// fmtDur prints milliseconds with one decimal, which is the precision a
// process start has.
func fmtDur(d time.Duration) string {
	return strings.TrimSuffix(fmt.Sprintf("%.1f", ms(d)), ".0") + " ms"
}
