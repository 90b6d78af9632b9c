package main

import (
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/aztoken/aztoken/internal/fakeazure"
)

var feeds sync.Map

// cmdArtifacts drives the fake Azure Artifacts feed (after entra start):
//
//	artifacts start [hostile] [refuse=TFCODE]   FEED_HOST (127.0.0.1:port), FEED (its contoso/_packaging/shared/ URL),
//	                            FEED_CA (its certificate); SSL_CERT_FILE trusts it too.
//	                            hostile: its 401 names only an authority that is not Entra ID's;
//	                            refuse: valid tokens get 403 with that TF code's message
//	artifacts requests N        requests it answered
//	artifacts bad N             tokens it refused
func cmdArtifacts(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: artifacts start [hostile] | requests N | bad N")
	}
	if args[0] == "start" {
		e := started[*fakeazure.Entra](ts, &entras, "entra", "(for artifacts start)")
		opts := fakeazure.ArtifactsOptions{Tenant: e.TenantID(), Issuer: e.Minter()}
		for _, a := range args[1:] {
			switch code, isRefuse := strings.CutPrefix(a, "refuse="); {
			case a == "hostile":
				// Only an authorization_uri, on a host that is not Entra ID's.
				opts.Authority, opts.NoResourceTenant = "https://login.evil.example", true
			case isRefuse:
				opts.RefuseCode = code
			default:
				ts.Fatalf("artifacts start: unknown option %q", a)
			}
		}
		f, err := fakeazure.NewArtifacts(opts)
		ts.Check(err)
		ts.Defer(f.Close)
		dir := ts.Getenv("WORK")
		ca := filepath.Join(dir, "feed-ca.pem")
		ts.Check(os.WriteFile(ca, f.CACertPEM(), 0o644))
		trustCA(ts, "ca-bundle-feed.pem", f.CACertPEM())
		ts.Setenv("FEED_CA", ca)
		ts.Setenv("FEED_HOST", f.Addr())
		ts.Setenv("FEED", "https://"+f.Addr()+"/contoso/_packaging/shared/")
		feeds.Store(ts, f)
		return
	}
	f := started[*fakeazure.Artifacts](ts, &feeds, "artifacts", args[0])
	switch args[0] {
	case "requests":
		need(ts, args, 2)
		checkCount(ts, neg, "artifacts", "requests", len(f.Requests()), args[1])
	case "bad":
		need(ts, args, 2)
		checkCount(ts, neg, "artifacts", "refused tokens", f.BadTokens(), args[1])
	default:
		ts.Fatalf("artifacts: unknown subcommand %q", args[0])
	}
}
