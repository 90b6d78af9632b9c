//go:build unix

package source

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/fakeazure"
	"github.com/aztoken/aztoken/internal/filetest"
)

// hostileFiles are paths a user may point a source at by mistake, or an
// attacker on purpose: a FIFO (whose open blocks until a writer comes),
// /dev/zero (never ends) and a 2 GiB sparse file. Each must be refused at
// once, by what it is, without reading it (issue 16.3).
func hostileFiles(t *testing.T) map[string]struct{ path, want string } {
	t.Helper()
	return map[string]struct{ path, want string }{
		"FIFO":        {filetest.FIFO(t), "is a named pipe (FIFO), not a regular file"},
		"/dev/zero":   {"/dev/zero", "is a character device, not a regular file"},
		"sparse 2GiB": {filetest.Sparse(t, 2<<30), "is larger than 1024 KiB"},
	}
}

// within runs f in a goroutine and fails the test if it blocks: the
// defect being tested is a hang.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatalf("%s blocked", what)
	}
}

func TestWorkloadRefusesHostileTokenFiles(t *testing.T) {
	t.Parallel()
	for name, c := range hostileFiles(t) {
		t.Run(name, func(t *testing.T) {
			e := newEntra(t, fakeazure.EntraOptions{})
			src := NewWorkload(entraConfig(e, map[string]string{tokenFileVar: c.path}))
			within(t, "GetToken", func() {
				_, err := src.GetToken(context.Background(), scopeReq)
				if chain.StatusOf(err) != chain.StatusFailed || !strings.Contains(err.Error(), c.want) {
					t.Errorf("GetToken: %v (%v), want failed: %q", err, chain.StatusOf(err), c.want)
				}
			})
			within(t, "Describe", func() {
				if d := src.Describe(scopeReq); d.Verdict != chain.WouldStop || !strings.Contains(d.Why, c.want) {
					t.Errorf("Describe: %s: %s", d.Verdict, d.Why)
				}
			})
			within(t, "CacheKey", func() {
				if _, ok := src.CacheKey(scopeReq); ok {
					t.Error("CacheKey gave a key for an unreadable file")
				}
			})
		})
	}
}

func TestEnvironmentRefusesHostileCertificateFiles(t *testing.T) {
	t.Parallel()
	for name, c := range hostileFiles(t) {
		t.Run(name, func(t *testing.T) {
			e := newEntra(t, fakeazure.EntraOptions{})
			src := NewEnvironment(entraConfig(e, map[string]string{certVar: c.path}))
			within(t, "GetToken", func() {
				_, err := src.GetToken(context.Background(), scopeReq)
				if chain.StatusOf(err) != chain.StatusUnavailable || !strings.Contains(err.Error(), c.want) {
					t.Errorf("GetToken: %v (%v), want unavailable: %q", err, chain.StatusOf(err), c.want)
				}
			})
			within(t, "Describe", func() { src.Describe(scopeReq) })
		})
	}
}
