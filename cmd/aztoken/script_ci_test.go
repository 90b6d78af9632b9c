package main

import (
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/aztoken/aztoken/internal/fakeazure"
)

// The CI OIDC fakes a script started, by script.
var githubs, azdos sync.Map

// cmdGitHub drives the GitHub Actions OIDC fake:
//
//	github start [sub=SUBJECT]     sets GITHUB_ACTIONS, ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN,
//	                               GITHUB_REQUEST_TOKEN (to check it never shows) and GITHUB_SUBJECT
//	github trust CLIENT [AUDIENCE] [sub=SUBJECT]   a federated credential on CLIENT in Entra
//	github mint VAR [expired]      puts a token for api://AzureADTokenExchange in VAR
//	github fault key[=value]...
//	github count N
func cmdGitHub(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: github start|trust|mint|fault|count ...")
	}
	if args[0] == "start" {
		opts := fakeazure.GitHubOIDCOptions{}
		for _, a := range args[1:] {
			if sub, ok := strings.CutPrefix(a, "sub="); ok {
				opts.Subject = sub
			}
		}
		g, err := fakeazure.NewGitHubOIDC(opts)
		ts.Check(err)
		ts.Defer(g.Close)
		for k, v := range g.Env() {
			ts.Setenv(k, v)
		}
		ts.Setenv("GITHUB_REQUEST_TOKEN", g.RequestToken())
		ts.Setenv("GITHUB_SUBJECT", g.Subject())
		githubs.Store(ts, g)
		return
	}
	g := started[*fakeazure.GitHubOIDC](ts, &githubs, "github", args[0])
	switch args[0] {
	case "trust":
		if len(args) < 2 {
			ts.Fatalf("usage: github trust CLIENT [AUDIENCE] [sub=SUBJECT]")
		}
		aud := "api://AzureADTokenExchange"
		fc := g.Credential(aud)
		for _, a := range args[2:] {
			if sub, ok := strings.CutPrefix(a, "sub="); ok {
				fc.Subject = sub
			} else {
				fc.Audience = a
			}
		}
		started[*fakeazure.Entra](ts, &entras, "entra", "(for github trust)").AddFederatedCredential(args[1], fc)
	case "mint":
		if len(args) < 2 {
			ts.Fatalf("usage: github mint VAR [expired]")
		}
		tok, err := g.Mint("api://AzureADTokenExchange", len(args) > 2 && args[2] == "expired")
		ts.Check(err)
		ts.Setenv(args[1], tok)
	case "fault":
		g.SetFault(fakeazure.EndpointGitHubOIDC, parseFault(ts, args[1:]))
	case "count":
		need(ts, args, 2)
		checkCount(ts, neg, "github", fakeazure.EndpointGitHubOIDC, g.Count(fakeazure.EndpointGitHubOIDC), args[1])
	default:
		ts.Fatalf("github: unknown subcommand %q", args[0])
	}
}

// cmdAzDO drives the Azure DevOps OIDC fake:
//
//	azdo start ID NAME     a service connection, and the variables an AzureCLI@2 step sees
//	                       for it (SYSTEM_OIDCREQUESTURI, SYSTEM_ACCESSTOKEN,
//	                       AZURESUBSCRIPTION_SERVICE_CONNECTION_ID); AZDO_ACCESS_TOKEN too
//	azdo trust CLIENT NAME a federated credential on CLIENT for connection NAME
//	azdo fault key[=value]...
//	azdo count N
func cmdAzDO(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) == 0 {
		ts.Fatalf("usage: azdo start|trust|fault|count ...")
	}
	if args[0] == "start" {
		need(ts, args, 3)
		d, err := fakeazure.NewAzureDevOpsOIDC(fakeazure.AzureDevOpsOIDCOptions{})
		ts.Check(err)
		ts.Defer(d.Close)
		d.AddServiceConnection(args[1], args[2])
		for k, v := range d.Env(args[1]) {
			ts.Setenv(k, v)
		}
		ts.Setenv("AZDO_ACCESS_TOKEN", d.AccessToken())
		azdos.Store(ts, d)
		return
	}
	d := started[*fakeazure.AzureDevOpsOIDC](ts, &azdos, "azdo", args[0])
	switch args[0] {
	case "trust":
		need(ts, args, 3)
		started[*fakeazure.Entra](ts, &entras, "entra", "(for azdo trust)").AddFederatedCredential(args[1], d.Credential(args[2]))
	case "fault":
		d.SetFault(fakeazure.EndpointAzureDevOpsOIDC, parseFault(ts, args[1:]))
	case "count":
		need(ts, args, 2)
		checkCount(ts, neg, "azdo", fakeazure.EndpointAzureDevOpsOIDC, d.Count(fakeazure.EndpointAzureDevOpsOIDC), args[1])
	default:
		ts.Fatalf("azdo: unknown subcommand %q", args[0])
	}
}
