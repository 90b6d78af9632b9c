package source

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
)

// AzureDevCLI gets tokens from the Azure Developer CLI's login:
// `azd auth token -o json --no-prompt --scope S… [--tenant-id T]`.
type AzureDevCLI struct {
	tool devTool
}

var (
	_ chain.Source    = (*AzureDevCLI)(nil)
	_ chain.Describer = (*AzureDevCLI)(nil)
	_ chain.Keyer     = (*AzureDevCLI)(nil)
)

// NewAzureDevCLI returns the azd source.
func NewAzureDevCLI(cfg Config) *AzureDevCLI {
	return &AzureDevCLI{tool: devTool{
		cfg:          cfg,
		name:         chain.AzureDevCLI,
		exe:          "azd",
		install:      "install the Azure Developer CLI or log in another way",
		login:        "azd auth login",
		check:        "azd auth login --check-status",
		tenantFlag:   "--tenant-id",
		loginMarkers: []string{"azd auth login"},
		// azd's update check used to hold a token request for 10 s.
		childEnv: []string{
			"AZD_SKIP_UPDATE_CHECK=true",
			"AZURE_DEV_COLLECT_TELEMETRY=no",
		},
		message: azdMessage,
	}}
}

// Name is chain.AzureDevCLI.
func (a *AzureDevCLI) Name() string { return chain.AzureDevCLI }

func (a *AzureDevCLI) args(req chain.Request) ([]string, string, error) {
	if len(req.Scopes) == 0 {
		return nil, "", chain.Failed(nil, "ask for a scope, such as https://management.azure.com/.default", "azd needs at least one scope, and none was asked for")
	}
	args := []string{"auth", "token", "-o", "json", "--no-prompt"}
	for _, s := range req.Scopes {
		if err := a.tool.checkScope(s); err != nil {
			return nil, "", err
		}
		args = append(args, "--scope", s)
	}
	tenant, err := a.tool.checkTenant(req)
	if err != nil {
		return nil, "", err
	}
	if tenant != "" {
		args = append(args, "--tenant-id", tenant)
	}
	return args, tenant, nil
}

// GetToken runs azd and reads its answer.
func (a *AzureDevCLI) GetToken(ctx context.Context, req chain.Request) (chain.Token, error) {
	args, tenant, err := a.args(req)
	if err != nil {
		return chain.Token{}, err
	}
	return a.tool.fetch(ctx, args, tenant, parseAzdToken,
		"check that `azd auth login --check-status` works, and update the Azure Developer CLI")
}

// parseAzdToken reads `azd auth token -o json`: {"token","expiresOn"}.
// Its errors never quote the answer: it holds the token.
func parseAzdToken(out []byte) (chain.Token, error) {
	var t struct {
		Token     string `json:"token"`
		ExpiresOn string `json:"expiresOn"`
	}
	if err := json.Unmarshal(out, &t); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return chain.Token{}, fmt.Errorf("its field %q is not of the expected type", te.Field)
		}
		return chain.Token{}, fmt.Errorf("what it printed (%d bytes) is not JSON", len(out))
	}
	if t.Token == "" {
		return chain.Token{}, errors.New("its answer has no token")
	}
	exp, err := time.Parse(time.RFC3339, t.ExpiresOn)
	if err != nil {
		return chain.Token{}, fmt.Errorf("its expiresOn %q is not an RFC 3339 time", t.ExpiresOn)
	}
	if exp.Unix() <= 0 {
		return chain.Token{}, fmt.Errorf("its expiresOn %q is not a real time", t.ExpiresOn)
	}
	return chain.Token{AccessToken: t.Token, TokenType: "Bearer", ExpiresOn: exp.UTC()}, nil
}

// azdMessage picks azd's error out of its stderr, which is JSON lines when
// -o json is given: {"error":…} since azd 1.23.7 (sometimes after an empty
// console message), {"type":"consoleMessage","data":{"message":…}} before.
// Plain text is kept as it is.
func azdMessage(stderr string) string {
	fallback := ""
	for _, line := range strings.Split(stderr, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var m struct {
			Error string `json:"error"`
			Data  struct {
				Message string `json:"message"`
			} `json:"data"`
		}
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		if e := strings.TrimSpace(m.Error); e != "" {
			return e
		}
		if msg := strings.TrimSpace(m.Data.Message); msg != "" && fallback == "" {
			fallback = msg
		}
	}
	if fallback != "" {
		return fallback
	}
	return stderr
}

// configDir is where azd keeps its login: $AZD_CONFIG_DIR or ~/.azd.
func (a *AzureDevCLI) configDir() string {
	if d := a.tool.getenv("AZD_CONFIG_DIR"); d != "" {
		return d
	}
	if h := a.tool.homeDir(); h != "" {
		return filepath.Join(h, ".azd")
	}
	return ""
}

// CacheKey is "azd|<tenant>|<fingerprint of azd's config.json and auth/>".
func (a *AzureDevCLI) CacheKey(req chain.Request) (string, bool) {
	return a.tool.cacheKey(req, a.configDir(), []string{"config.json"}, []string{"auth"})
}

// Describe says what azd would be asked, without running it.
func (a *AzureDevCLI) Describe(req chain.Request) chain.Description {
	args, _, preErr := a.args(req)
	cmdline := "azd auth token -o json --no-prompt --scope <scope>"
	if preErr == nil {
		cmdline = a.tool.commandLine(args)
	}
	desc, path := a.tool.describe(cmdline, preErr)
	v := chain.Input{Kind: "variable", Name: "AZD_CONFIG_DIR", State: "unset"}
	if d := a.tool.getenv("AZD_CONFIG_DIR"); d != "" {
		v.Value, v.State = d, "set"
	}
	desc.Inputs = append(desc.Inputs, v)
	dir := a.configDir()
	if dir == "" {
		desc.Warnings = append(desc.Warnings, "neither AZD_CONFIG_DIR nor "+homeVar+" is set, so azd has no login to use")
		return desc
	}
	auth := filepath.Join(dir, "auth")
	in := chain.Input{Kind: "file", Name: auth, State: "missing"}
	if dirExists(auth) {
		in.State = "readable"
	} else if path != "" {
		desc.Warnings = append(desc.Warnings, "there is no azd login in "+dir+": run `azd auth login` first")
	}
	desc.Inputs = append(desc.Inputs, in)
	return desc
}
