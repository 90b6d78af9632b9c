package source

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/resources"
)

// AzureCLI gets tokens from the Azure CLI's login:
// `az account get-access-token -o json --resource R [--tenant T]`.
type AzureCLI struct {
	tool devTool
	// loc is where az's expiresOn, a local time with no offset, is read.
	// Tests replace it; users get time.Local, as az itself writes it.
	loc *time.Location
}

var (
	_ chain.Source    = (*AzureCLI)(nil)
	_ chain.Describer = (*AzureCLI)(nil)
	_ chain.Keyer     = (*AzureCLI)(nil)
)

// NewAzureCLI returns the az source.
func NewAzureCLI(cfg Config) *AzureCLI {
	return &AzureCLI{
		loc: time.Local,
		tool: devTool{
			cfg:          cfg,
			name:         chain.AzureCLI,
			exe:          "az",
			install:      "install the Azure CLI or log in another way",
			login:        "az login",
			check:        "az account show",
			tenantFlag:   "--tenant",
			loginMarkers: []string{"az login", "az account set"},
			// az reads its settings from AZURE_<SECTION>_<NAME> variables:
			// core.no_color, core.only_show_errors, core.collect_telemetry.
			childEnv: []string{
				"AZURE_CORE_NO_COLOR=true",
				"AZURE_CORE_ONLY_SHOW_ERRORS=true",
				"AZURE_CORE_COLLECT_TELEMETRY=false",
			},
		},
	}
}

// Name is chain.AzureCLI.
func (a *AzureCLI) Name() string { return chain.AzureCLI }

// args applies the checks the Go SDK makes before running az, and builds
// the argument list.
func (a *AzureCLI) args(req chain.Request) ([]string, string, error) {
	scope, err := oneScope(req, "az")
	if err != nil {
		return nil, "", err
	}
	if err := a.tool.checkScope(scope); err != nil {
		return nil, "", err
	}
	tenant, err := a.tool.checkTenant(req)
	if err != nil {
		return nil, "", err
	}
	args := []string{"account", "get-access-token", "-o", "json", "--resource", resources.FromScope(scope)}
	if tenant != "" {
		args = append(args, "--tenant", tenant)
	}
	return args, tenant, nil
}

// GetToken runs az and reads its answer.
func (a *AzureCLI) GetToken(ctx context.Context, req chain.Request) (chain.Token, error) {
	args, tenant, err := a.args(req)
	if err != nil {
		return chain.Token{}, err
	}
	return a.tool.fetch(ctx, args, tenant, func(out []byte) (chain.Token, error) { return parseAzToken(out, a.loc) },
		"check that `az account show` works, and update the Azure CLI (az upgrade)")
}

// azToken is what `az account get-access-token -o json` prints.
type azToken struct {
	AccessToken string `json:"accessToken"`
	// ExpiresOnEpoch is epoch seconds (az ≥ 2.54), a number, though a
	// string is accepted too.
	ExpiresOnEpoch json.RawMessage `json:"expires_on"`
	// ExpiresOn is local time with no offset, all that older az gives.
	ExpiresOn    string `json:"expiresOn"`
	Tenant       string `json:"tenant"`
	TokenType    string `json:"tokenType"`
	Subscription string `json:"subscription"`
}

// azLocalTime is the layout of az's expiresOn.
const azLocalTime = "2006-01-02 15:04:05.999999"

// parseAzToken reads az's answer. Its errors never quote the answer: it
// holds the token.
func parseAzToken(out []byte, loc *time.Location) (chain.Token, error) {
	var t azToken
	if err := json.Unmarshal(bytes.TrimPrefix(out, []byte("\xef\xbb\xbf")), &t); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return chain.Token{}, fmt.Errorf("its field %q is not of the expected type", te.Field)
		}
		return chain.Token{}, fmt.Errorf("what it printed (%d bytes) is not JSON", len(out))
	}
	if t.AccessToken == "" {
		return chain.Token{}, errors.New("its answer has no accessToken")
	}
	exp, err := azExpiry(t, loc)
	if err != nil {
		return chain.Token{}, err
	}
	typ := t.TokenType
	if typ == "" {
		typ = "Bearer"
	}
	if exp.Unix() <= 0 {
		return chain.Token{}, errors.New("its expiry is not a real time")
	}
	return chain.Token{AccessToken: t.AccessToken, TokenType: typ, ExpiresOn: exp, Tenant: t.Tenant, Subscription: t.Subscription}, nil
}

// azExpiry prefers the epoch expires_on, which means the same in every
// time zone; expiresOn is read in loc and was wrong across DST changes.
func azExpiry(t azToken, loc *time.Location) (time.Time, error) {
	if raw := bytes.TrimSpace(t.ExpiresOnEpoch); len(raw) > 0 && string(raw) != "null" {
		var n json.Number
		s := string(raw)
		if err := json.Unmarshal(raw, &n); err == nil {
			s = n.String()
		} else if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, errors.New("its expires_on is neither a number nor a string")
		}
		secs, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("its expires_on %q is not a number of seconds", s)
		}
		if secs > 0 {
			return time.Unix(secs, 0).UTC(), nil
		}
	}
	if t.ExpiresOn == "" {
		return time.Time{}, errors.New("its answer has neither expires_on nor expiresOn")
	}
	if loc == nil {
		loc = time.Local
	}
	exp, err := time.ParseInLocation(azLocalTime, t.ExpiresOn, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("its expiresOn %q is not a time like 2006-01-02 15:04:05.000000", t.ExpiresOn)
	}
	return exp.UTC(), nil
}

// configDir is where az keeps its login: $AZURE_CONFIG_DIR or ~/.azure.
func (a *AzureCLI) configDir() string { return a.tool.azConfigDir() }

// azLoginFiles hold az's login state: who is logged in, to which tenants
// and subscriptions, in which cloud. az's MSAL token cache is left out on
// purpose: az rewrites it whenever it refreshes a token, which would change
// the key after every acquisition without any change of login.
var azLoginFiles = []string{
	"azureProfile.json",
	"service_principal_entries.json",
	"clouds.config",
}

// CacheKey is "azure-cli|<tenant>|<fingerprint of az's login files>".
func (a *AzureCLI) CacheKey(req chain.Request) (string, bool) {
	return a.tool.cacheKey(req, a.configDir(), azLoginFiles, nil)
}

// Describe says what az would be asked, without running it.
func (a *AzureCLI) Describe(req chain.Request) chain.Description {
	args, _, preErr := a.args(req)
	cmdline := "az account get-access-token -o json --resource <resource>"
	if preErr == nil {
		cmdline = a.tool.commandLine(args)
	}
	desc, path := a.tool.describe(cmdline, preErr)
	dir := a.configDir()
	v := chain.Input{Kind: "variable", Name: "AZURE_CONFIG_DIR", State: "unset"}
	if d := a.tool.getenv("AZURE_CONFIG_DIR"); d != "" {
		v.Value, v.State = d, "set"
	}
	desc.Inputs = append(desc.Inputs, v)
	if dir == "" {
		desc.Warnings = append(desc.Warnings, "neither AZURE_CONFIG_DIR nor "+homeVar+" is set, so az has no login to use")
		return desc
	}
	profile := filepath.Join(dir, "azureProfile.json")
	desc.Inputs = append(desc.Inputs, toolFileInput(profile))
	if path != "" {
		switch n, err := azProfileAccounts(profile); {
		case err != nil:
			desc.Warnings = append(desc.Warnings, "there is no az login in "+dir+": run `az login` first")
		case n == 0:
			desc.Warnings = append(desc.Warnings, "the az login profile in "+dir+" has no accounts: run `az login` first")
		}
	}
	return desc
}
