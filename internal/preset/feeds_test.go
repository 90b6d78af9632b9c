package preset

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

const feedToken = "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiI0OTliODRhYyJ9.c2ln-_x"

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestFeedValues pins each package manager's variables: what the client
// reads, in the shape it reads it.
func TestFeedValues(t *testing.T) {
	pypi := mustURL(t, "https://pkgs.dev.azure.com/contoso/web/_packaging/shared/pypi/simple/")
	nuget1 := mustURL(t, "https://pkgs.dev.azure.com/contoso/_packaging/shared/nuget/v3/index.json")
	nuget2 := mustURL(t, "https://fabrikam.pkgs.visualstudio.com/_packaging/tools/nuget/v3/index.json")
	for _, tt := range []struct {
		preset string
		feeds  []*url.URL
		want   map[string]string
	}{
		{"npm", nil, map[string]string{"AZURE_ARTIFACTS_NPM_PASSWORD": base64.StdEncoding.EncodeToString([]byte(feedToken))}},
		{"pip", []*url.URL{pypi}, map[string]string{
			"PIP_INDEX_URL":    "https://aztoken:" + feedToken + "@pkgs.dev.azure.com/contoso/web/_packaging/shared/pypi/simple/",
			"UV_DEFAULT_INDEX": "https://aztoken:" + feedToken + "@pkgs.dev.azure.com/contoso/web/_packaging/shared/pypi/simple/",
		}},
		{"nuget", []*url.URL{nuget1, nuget2}, map[string]string{"VSS_NUGET_EXTERNAL_FEED_ENDPOINTS": `{"endpointCredentials":[` +
			`{"endpoint":"https://pkgs.dev.azure.com/contoso/_packaging/shared/nuget/v3/index.json","username":"aztoken","password":"` + feedToken + `"},` +
			`{"endpoint":"https://fabrikam.pkgs.visualstudio.com/_packaging/tools/nuget/v3/index.json","username":"aztoken","password":"` + feedToken + `"}]}`}},
	} {
		p, ok := Lookup(tt.preset)
		if !ok {
			t.Fatalf("no preset %s", tt.preset)
		}
		got, err := p.Values(Input{Token: feedToken, Names: p.Vars, Feeds: tt.feeds})
		if err != nil {
			t.Fatalf("%s: %v", tt.preset, err)
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: %d variables, want %d", tt.preset, len(got), len(tt.want))
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("%s: %s =\n%s\nwant\n%s", tt.preset, k, got[k], v)
			}
		}
	}
	// The NuGet JSON is what the credential provider parses.
	p, _ := Lookup("nuget")
	got, _ := p.Values(Input{Token: feedToken, Names: []string{"X"}, Feeds: []*url.URL{nuget1}})
	var v struct {
		EndpointCredentials []struct{ Endpoint, Username, Password string }
	}
	if err := json.Unmarshal([]byte(got["X"]), &v); err != nil || len(v.EndpointCredentials) != 1 || v.EndpointCredentials[0].Password != feedToken {
		t.Errorf("the NuGet JSON does not parse back: %v %+v", err, v)
	}
}

func TestFeedCounts(t *testing.T) {
	a := mustURL(t, "https://pkgs.dev.azure.com/contoso/_packaging/a/pypi/simple/")
	b := mustURL(t, "https://pkgs.dev.azure.com/contoso/_packaging/b/pypi/simple/")
	for _, tt := range []struct {
		preset string
		feeds  []*url.URL
		want   string // part of the error, "" for none
	}{
		{"pip", nil, "exactly one --feed"},
		{"pip", []*url.URL{a, b}, "exactly one --feed"},
		{"nuget", nil, "needs --feed"},
		{"nuget", []*url.URL{a, b}, ""},
		{"npm", nil, ""},
		{"npm", []*url.URL{a}, ""},
		{"sqlcmd", []*url.URL{a}, "takes no --feed"},
	} {
		p, _ := Lookup(tt.preset)
		_, err := p.Values(Input{Token: feedToken, Names: p.Vars, Feeds: tt.feeds})
		if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s with %d feeds: %v, want %q", tt.preset, len(tt.feeds), err, tt.want)
		}
	}
}

func TestFeedKey(t *testing.T) {
	for in, want := range map[string]string{
		"https://pkgs.dev.azure.com/Contoso/web/_packaging/x/npm/registry/":       "feed:pkgs.dev.azure.com/contoso",
		"https://Fabrikam.pkgs.visualstudio.com/_packaging/x/nuget/v3/index.json": "feed:fabrikam.pkgs.visualstudio.com",
		"https://127.0.0.1:8443/contoso/_packaging/x/pypi/simple/":                "feed:127.0.0.1:8443",
	} {
		if got := FeedKey(mustURL(t, in)); got != want {
			t.Errorf("FeedKey(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestNpmrcLines(t *testing.T) {
	want := `registry=https://pkgs.dev.azure.com/contoso/web/_packaging/shared/npm/registry/
//pkgs.dev.azure.com/contoso/web/_packaging/shared/npm/registry/:username=aztoken
//pkgs.dev.azure.com/contoso/web/_packaging/shared/npm/registry/:_password=${AZURE_ARTIFACTS_NPM_PASSWORD}
//pkgs.dev.azure.com/contoso/web/_packaging/shared/npm/registry/:email=npm requires email to be set but doesn't use the value
//pkgs.dev.azure.com/contoso/web/_packaging/shared/npm/:username=aztoken
//pkgs.dev.azure.com/contoso/web/_packaging/shared/npm/:_password=${AZURE_ARTIFACTS_NPM_PASSWORD}
//pkgs.dev.azure.com/contoso/web/_packaging/shared/npm/:email=npm requires email to be set but doesn't use the value
`
	for _, in := range []string{
		"https://pkgs.dev.azure.com/contoso/web/_packaging/shared/npm/registry/",
		"https://pkgs.dev.azure.com/contoso/web/_packaging/shared/npm/registry",
		"https://pkgs.dev.azure.com/contoso/web/_packaging/shared/npm/",
	} {
		got, err := NpmrcLines(mustURL(t, in), "AZURE_ARTIFACTS_NPM_PASSWORD")
		if err != nil || got != want {
			t.Errorf("NpmrcLines(%s) = %v\n%s\nwant\n%s", in, err, got, want)
		}
	}
	if _, err := NpmrcLines(mustURL(t, "https://pkgs.dev.azure.com/contoso/_packaging/shared/pypi/simple/"), "X"); err == nil {
		t.Error("a PyPI feed gave npm lines")
	}
}
