package gitcred

import (
	"net/url"
	"strings"
	"sync"

	"github.com/aztoken/aztoken/internal/hostmatch"
)

// Resource is Azure DevOps' application id: a token for
// Resource/.default is what Azure Repos accepts as a git password.
const Resource = "499b84ac-1321-427f-aa17-267ca6975798"

// Target is an Azure Repos URL git asked about.
type Target struct {
	// Host is the matched host, in lower case.
	Host string
	// Org is the organization, or "" when the request does not say (a
	// dev.azure.com URL without useHttpPath and without a user name).
	Org string
}

// Key names the organization for the tenant memo.
func (t Target) Key() string { return t.Host + "/" + strings.ToLower(t.Org) }

// OrgURL is the organization's URL, which answers a request without a
// token with its tenant; "" without an organization.
func (t Target) OrgURL() string {
	switch {
	case t.Org == "":
		return ""
	case t.Host == "dev.azure.com":
		return "https://dev.azure.com/" + url.PathEscape(t.Org)
	default:
		return "https://" + t.Host + "/"
	}
}

// azureRepos is built on first use, not at every start of aztoken (most
// runs never match a git host).
var azureRepos = sync.OnceValue(func() *hostmatch.Matcher {
	m, err := hostmatch.New(hostmatch.AzureRepos)
	if err != nil {
		// Only a named host can be refused, and none is named here.
		panic("gitcred: " + err.Error())
	}
	return m
})

// Match returns the Azure Repos target of req, or false for anything
// else (another host, a port, plain http): then the helper answers
// nothing and git asks its next helper.
func Match(req Request) (Target, bool) {
	if req.Attrs["protocol"] != "https" {
		return Target{}, false
	}
	host, ok := azureRepos().Match(req.Attrs["host"])
	if !ok {
		return Target{}, false
	}
	t := Target{Host: host}
	if org, isVS := strings.CutSuffix(host, ".visualstudio.com"); isVS {
		t.Org = org
		return t, true
	}
	// dev.azure.com/<org>/<project>/_git/<repo>: git sends the path only
	// with credential.useHttpPath (configure sets it); without it, Azure
	// DevOps' clone URLs carry the organization as the user name.
	first, _, _ := strings.Cut(strings.TrimPrefix(req.Attrs["path"], "/"), "/")
	if validOrg(first) {
		t.Org = first
	} else if validOrg(req.Attrs["username"]) {
		t.Org = req.Attrs["username"]
	}
	return t, true
}

// validOrg accepts Azure DevOps' organization names: letters, digits and
// '-' (and '_' and '.', which older organizations have), at most 50.
func validOrg(s string) bool {
	if s == "" || len(s) > 50 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return s != "." && s != ".."
}
