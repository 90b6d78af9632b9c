package preset

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// The package managers of Azure Artifacts feeds (issue 25). Azure DevOps
// takes an Entra token for itself (the devops alias, 499b84ac-...) wherever
// it takes a personal access token: as the password of Basic
// authentication, under any user name. Each row hands it to its client
// the way that client reads credentials from its environment, so no token
// is written to a file and none is on a command line.

// FeedUser is the user name the rows give with the token: Azure Artifacts
// reads only the password, and some clients want a name.
const FeedUser = "aztoken"

// NpmPasswordVar is the variable .npmrc's password lines name and exec
// --for npm fills.
const NpmPasswordVar = "AZURE_ARTIFACTS_NPM_PASSWORD"

var npmRow = Preset{
	Name:     "npm",
	Clients:  "npm, pnpm and yarn through .npmrc (Azure Artifacts npm feeds)",
	Vars:     []string{NpmPasswordVar},
	Resource: "devops",
	User:     "any: the feed reads only the password (.npmrc's username=" + FeedUser + ")",
	Note:     "npm expands ${VAR} in .npmrc: its :_password= lines name the variable, which gets the token base64-encoded as npm expects; --feed finds the feed's tenant",
	Feeds:    FeedOptional,
	Make: func(in Input) (map[string]string, error) {
		return each(in.Names, base64.StdEncoding.EncodeToString([]byte(in.Token))), nil
	},
}

var pipRow = Preset{
	Name:     "pip",
	Clients:  "pip and uv (Azure Artifacts Python feeds)",
	Vars:     []string{"PIP_INDEX_URL", "UV_DEFAULT_INDEX"},
	Resource: "devops",
	User:     "any: the feed reads only the password (" + FeedUser + " is sent)",
	Note:     "the index URL with the token as its password; pip and uv print it with the password hidden; give --env PIP_EXTRA_INDEX_URL for a feed beside PyPI",
	Feeds:    OneFeed,
	Make: func(in Input) (map[string]string, error) {
		u := *in.Feeds[0]
		u.User = url.UserPassword(FeedUser, in.Token)
		return each(in.Names, u.String()), nil
	},
}

var nugetRow = Preset{
	Name:     "nuget",
	Clients:  "dotnet, nuget and msbuild through the Azure Artifacts Credential Provider (NuGet feeds)",
	Vars:     []string{"VSS_NUGET_EXTERNAL_FEED_ENDPOINTS"},
	Resource: "devops",
	User:     "any: the feed reads only the password (" + FeedUser + " is sent)",
	Note:     "the credential provider reads the endpoints' credentials from the variable's JSON",
	Feeds:    SomeFeeds,
	Make: func(in Input) (map[string]string, error) {
		type cred struct {
			Endpoint string `json:"endpoint"`
			Username string `json:"username"`
			Password string `json:"password"`
		}
		var v struct {
			EndpointCredentials []cred `json:"endpointCredentials"`
		}
		for _, f := range in.Feeds {
			v.EndpointCredentials = append(v.EndpointCredentials, cred{Endpoint: f.String(), Username: FeedUser, Password: in.Token})
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		return each(in.Names, string(b)), nil
	},
}

// FeedKey names a feed's organization, for remembering its tenant:
// pkgs.dev.azure.com/<org>, or the <org>.pkgs.visualstudio.com host.
func FeedKey(u *url.URL) string {
	host := strings.ToLower(u.Host)
	if host == "pkgs.dev.azure.com" {
		org, _, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
		return "feed:" + host + "/" + strings.ToLower(org)
	}
	return "feed:" + host
}

// NpmEmail is what .npmrc's email lines say: npm wants one for a
// registry with a user name and password, and Azure Artifacts ignores it.
const NpmEmail = "npm requires email to be set but doesn't use the value"

// NpmrcLines are the .npmrc lines for an npm feed: the registry, and the
// user name, password and email for both paths Azure Artifacts serves
// (.../npm/registry/ and .../npm/). The password is ${variable}, which
// npm expands from its environment when it reads the file, so the file
// holds no secret; exec --for npm fills the variable. feed is the feed's
// npm URL (ending in /npm/registry/ or /npm/).
func NpmrcLines(feed *url.URL, variable string) (string, error) {
	p := feed.EscapedPath()
	i := strings.Index(p, "/npm/")
	if i < 0 || !strings.Contains(p[:i], "/_packaging/") {
		return "", fmt.Errorf("%s is not an Azure Artifacts npm feed URL (…/_packaging/FEED/npm/registry/)", feed.Redacted())
	}
	npm := "//" + feed.Host + p[:i] + "/npm/"
	var b strings.Builder
	fmt.Fprintf(&b, "registry=https:%sregistry/\n", npm)
	for _, prefix := range []string{npm + "registry/", npm} {
		fmt.Fprintf(&b, "%s:username=%s\n%s:_password=${%s}\n%s:email=%s\n", prefix, FeedUser, prefix, variable, prefix, NpmEmail)
	}
	return b.String(), nil
}
