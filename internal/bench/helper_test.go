package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aztoken/aztoken/internal/fakeazure"
)

// This file is what items 9 and 10 (docker's and git's credential
// helpers, issue 19) measure alike; each names its helper and the
// service behind it.

// helperWorld is the Entra fake under its public name and a service
// fake beside it, trusted through one bundle.
type helperWorld struct {
	e    *fakeazure.Entra
	dir  string // the bundle's, free for the benchmark's own files
	home string
	// bundle trusts the Entra fake and the service.
	bundle string
}

func newHelperWorld(b *testing.B, e *fakeazure.Entra, servicePEM []byte) *helperWorld {
	b.Helper()
	w := &helperWorld{e: e, dir: b.TempDir(), home: homeDir(b)}
	w.bundle = filepath.Join(w.dir, "ca.pem")
	if err := os.WriteFile(w.bundle, append(e.CACertPEM(), servicePEM...), 0o600); err != nil {
		b.Fatal(err)
	}
	return w
}

// env is the bench client's environment with the cache in cache, Entra
// ID under its public name, so a cold token is one request (as item 8),
// and the service's host reached through resolve ("host:443=addr").
func (w *helperWorld) env(cache, resolve string, extra ...string) []string {
	env := append(baseEnv(w.home, cache, secretEnv(w.e, w.bundle)...),
		"AZURE_AUTHORITY_HOST=https://"+cloudHost+"/",
		"AZTOKEN_TEST_RESOLVE="+cloudHost+":443="+strings.TrimPrefix(w.e.URL(), "https://")+","+resolve)
	return append(env, extra...)
}

// helperBench measures a helper's get answered from its cache (warm)
// beside aztoken get answered from the cache for the same token (get),
// and a cold helper get (cold), first alone for the requests it sends.
type helperBench struct {
	item   string // the item's number in the summary
	helper string // "helper", "git helper"
	get    *variant
	warm   *variant
	cold   *variant
	// service is what a cold helper get asks besides Entra ID
	// ("exchange", "discovery"), metric the name of its count in the
	// metrics, sent how many requests reached it so far, and warmSent
	// the error for any that a warm get sends (a %d for how many).
	service, metric, warmSent string
	sent                      func() int
}

func (h helperBench) run(b *testing.B, bins binaries, e *fakeazure.Entra) metrics {
	// One cold call alone: its requests.
	e.Reset()
	runOne(b, bins, h.cold, -1)
	coldEntra, coldCounts := 0, e.Counts()
	for _, n := range coldCounts {
		coldEntra += n
	}
	coldService := h.sent()

	// The warm-up fills the warm cache; after it, no call may send
	// anything, or the figures would not be cache hits.
	measure(b, 1, false, h.get, h.warm)
	h.get.walls, h.warm.walls = nil, nil
	e.Reset()
	before := h.sent()
	measure(b, *rounds, true, h.get, h.warm)
	if n := e.Count(fakeazure.EndpointToken); n != 0 {
		b.Errorf("%d token requests reached Entra while the caches were warm", n)
	}
	if n := h.sent() - before; n != 0 {
		b.Errorf(h.warmSent, n)
	}
	measure(b, *rounds, true, h.cold)

	g, w, c := medianDur(h.get.walls), medianDur(h.warm.walls), medianDur(h.cold.walls)
	recordTimes(h.item, h.get, h.warm, h.cold)
	recordTarget(h.item, h.helper+" get, warm / aztoken get, cached", fmt.Sprintf("%.2fx (%s / %s)", ratio(w, g), fmtDur(w), fmtDur(g)), "≤ 1.5x", ratio(w, g) <= 1.5)
	recordTarget(h.item, "requests of a cold "+h.helper+" get", fmt.Sprintf("Entra ID %d %v, %s %d", coldEntra, coldCounts, h.service, coldService), "Entra 1 + "+h.service+" 1", coldEntra == 1 && coldService == 1)
	return metrics{
		"ms/median-get-cached":  ms(g),
		"ms/median-helper-warm": ms(w),
		"ms/median-helper-cold": ms(c),
		"ratio":                 ratio(w, g),
		"requests-cold-entra":   float64(coldEntra),
		h.metric:                float64(coldService),
	}
}

// answers is a variant's check that a helper's get succeeded with want
// on stdout, what it answers (named what in the error).
func answers(want, what string) func(result) error {
	return func(r result) error {
		if err := okWithOutput(r); err != nil {
			return err
		}
		if !strings.Contains(r.stdout, want) {
			return fmt.Errorf("stdout is not %s (%d bytes)", what, len(r.stdout))
		}
		return nil
	}
}
