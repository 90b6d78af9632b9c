package main

import (
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/aztoken/aztoken/internal/fakeazure"
)

var acrs sync.Map

// cmdACR drives the fake Azure Container Registry token service:
//
//	acr start HOST...      (after entra start; HOST:443 reaches the fake,
//	                        whose certificate is valid for each HOST; its
//	                        own host:port is in $ACR_ADDR and, for stdin,
//	                        in the file acr-addr.txt)
//	acr refuse             (the exchange answers 401 from now on)
//	acr count ENDPOINT N   (exchange, token, v2)
func cmdACR(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: acr start|refuse|count ...")
	}
	if args[0] == "start" {
		e := started[*fakeazure.Entra](ts, &entras, "entra", "(for acr start)")
		a, err := fakeazure.NewACR(fakeazure.ACROptions{Entra: e, Hosts: args[1:]})
		ts.Check(err)
		ts.Defer(a.Close)
		trustCA(ts, "ca-bundle.pem", a.CACertPEM())
		var resolve []string
		for _, h := range args[1:] {
			resolve = append(resolve, h+":443="+a.Host())
		}
		ts.Setenv("AZTOKEN_TEST_RESOLVE", strings.Join(resolve, ","))
		ts.Setenv("ACR_ADDR", a.Host())
		ts.Check(os.WriteFile(filepath.Join(ts.Getenv("WORK"), "acr-addr.txt"), []byte(a.Host()+"\n"), 0o644))
		acrs.Store(ts, a)
		return
	}
	a := started[*fakeazure.ACR](ts, &acrs, "acr", args[0])
	switch args[0] {
	case "refuse":
		a.Refuse(true)
	case "count":
		need(ts, args, 3)
		checkCount(ts, neg, "acr", args[1], a.Count(args[1]), args[2])
	default:
		ts.Fatalf("acr: unknown command %q", args[0])
	}
}
